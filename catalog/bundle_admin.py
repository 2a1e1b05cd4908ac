"""Django admin for 一件事 bundles (catalog admins): the bundle, its versions and member items.

Like items, a published version is read-only; "新建草稿" copies it, and submit / publish go through
``catalog.bundles`` (four-eyes: the publisher is not the submitter)."""

from django.contrib import admin
from django.contrib.admin.utils import unquote

from catalog import admin_actions, bundles
from catalog.bundle_models import Bundle, BundleMember, BundleVersion


def _start_draft(bundle, by, data):
    draft = bundles.start_bundle_draft(bundle=bundle, by=by)
    return draft, f"已新建第 {draft.number} 版草稿。"


def _submit(version, by, data):
    version = bundles.submit_bundle_for_review(version=version, by=by)
    return version, f"第 {version.number} 版已提交审核；须由另一名目录管理员审核发布。"


def _publish(version, by, data):
    version = bundles.publish_bundle_version(version=version, by=by)
    return version, f"第 {version.number} 版已发布为现行版本。"


def _publish_refusal(version, user) -> str:
    if version.submitted_by_id is not None and version.submitted_by_id == user.pk:
        return "您提交了本版本，须由另一名目录管理员审核发布（审核与提交分离）。"
    return ""


BUNDLE_ACTIONS = (
    admin_actions.Action("start-draft", "新建草稿", _start_draft,
                         lambda b: not b.versions.filter(state__in=bundles.OPEN_STATES).exists()),
)  # fmt: skip
BUNDLE_VERSION_ACTIONS = (
    admin_actions.Action("submit", "提交审核", _submit, lambda v: v.state == "draft"),
    admin_actions.Action("publish", "审核发布", _publish, lambda v: v.state == "in_review", refusal=_publish_refusal),
)


class BundleMemberInline(admin.TabularInline):
    model = BundleMember
    extra = 0
    autocomplete_fields = ("item",)

    def has_change_permission(self, request, obj=None):
        return obj is None or not obj.is_frozen

    has_add_permission = has_delete_permission = has_change_permission


@admin.register(Bundle)
class BundleAdmin(admin_actions.WorkflowAdminMixin, admin.ModelAdmin):
    workflow_actions = BUNDLE_ACTIONS
    list_display = ("code", "name", "theme", "lead_department", "status", "current_version")
    list_select_related = ("theme", "lead_department", "current_version")
    search_fields = ("code", "name")
    readonly_fields = ("status", "current_version")
    change_form_template = "admin/catalog/bundle/change_form.html"

    def change_view(self, request, object_id, form_url="", extra_context=None):
        bundle = self.get_object(request, unquote(object_id))
        if bundle is not None:
            extra_context = {**(extra_context or {}), "catalog_actions": self.workflow_buttons(request, bundle)}
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(BundleVersion)
class BundleVersionAdmin(admin_actions.WorkflowAdminMixin, admin.ModelAdmin):
    workflow_actions = BUNDLE_VERSION_ACTIONS
    inlines = [BundleMemberInline]
    list_display = ("bundle", "number", "state", "published_at")
    list_select_related = ("bundle",)
    fields = ("bundle", "number", "state", "summary", "extra_conditions", "published_at")
    readonly_fields = ("state", "published_at")
    change_form_template = "admin/catalog/bundle/change_form.html"

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_frozen:
            return self.fields
        return self.readonly_fields

    def change_view(self, request, object_id, form_url="", extra_context=None):
        version = self.get_object(request, unquote(object_id))
        if version is not None:
            extra_context = {**(extra_context or {}), "catalog_actions": self.workflow_buttons(request, version)}
        return super().change_view(request, object_id, form_url, extra_context)
