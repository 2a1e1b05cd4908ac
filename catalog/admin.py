"""Django admin for the approval-item directory (事项目录), used by catalog admins (审改办/法制办).

A published or superseded version is read-only here, as in the models: editing means a new draft
("新建草稿"), and every state change (submit, return, publish, cancel, delegate, convert) goes
through ``catalog.services`` from the workflow buttons in ``catalog.admin_actions``.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IS_POPUP_VAR
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Max
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format

from catalog import admin_actions, services
from catalog.forms import FeeStandardInlineForm, ItemVersionAdminForm
from catalog.models import (
    CatalogChange,
    FeeStandard,
    FormField,
    Item,
    ItemVersion,
    MaterialRequirement,
    ProcessStep,
    Theme,
)
from hall import audit
from hall.audit import client_ip


def _when(moment) -> str:
    return date_format(timezone.localtime(moment), "Y-m-d H:i") if moment else "—"


def _without_bulk_delete(actions: dict) -> dict:
    # Published data is never deleted; single drafts are deleted from their own page.
    actions.pop("delete_selected", None)
    return actions


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "audience", "sort_order")
    list_filter = ("audience",)
    search_fields = ("code", "name")


@admin.register(Item)
class ItemAdmin(admin_actions.WorkflowAdminMixin, admin.ModelAdmin):
    workflow_actions = admin_actions.ITEM_ACTIONS
    list_display = ("code", "name", "department", "type", "status", "current_number", "updated")
    list_display_links = ("code", "name")
    list_filter = ("status", ("department", admin.RelatedOnlyFieldListFilter), "type")
    search_fields = ("code", "name")
    list_select_related = ("department", "current_version")
    formfield_overrides = {models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple}}
    fieldsets = (
        ("基本信息", {"fields": ("code", "name", "department", "type", "level", "for_person", "for_legal")}),
        ("检索", {"fields": ("themes", "keywords")}),
        ("状态", {"fields": ("status", "current_version", "delegated_to", "replaced_by", "updated")}),
    )
    add_fieldsets = fieldsets[:2]

    @admin.display(description="现行版本", ordering="current_version__number")
    def current_number(self, obj):
        return f"第 {obj.current_version.number} 版" if obj.current_version else "—"

    @admin.display(description="更新时间", ordering="updated_at")
    def updated(self, obj):
        return _when(obj.updated_at)

    def get_fieldsets(self, request, obj=None):
        return self.fieldsets if obj else self.add_fieldsets

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        fixed = ["code", "level", "status", "current_version", "delegated_to", "replaced_by", "updated"]
        if obj.status != Item.Status.DRAFT:
            fixed += ["department", "type"]  # cases and fee collection already refer to them
        return fixed

    def get_actions(self, request):
        return _without_bulk_delete(super().get_actions(request))

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or not obj.versions.exists())

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        item = form.instance
        if item.current_version_id:  # keep public search in step with the edited name/keywords/themes
            Item.objects.filter(pk=item.pk).update(
                search_text=services.search_text_for(item, item.current_version),
                pinyin_initials=services.pinyin_initials(item.name),
            )

    def response_add(self, request, obj, post_url_continue=None):
        if {"_addanother", "_continue", IS_POPUP_VAR} & set(request.POST) or not request.user.has_perm(
            "catalog.add_itemversion"
        ):
            return super().response_add(request, obj, post_url_continue)
        messages.success(request, f"已新建事项“{obj}”。请填写第一个版本（草稿），保存后提交审核。")
        return HttpResponseRedirect(reverse("admin:catalog_itemversion_add") + f"?item={obj.pk}")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        item = self.get_object(request, unquote(object_id))
        if item is not None:
            versions = list(item.versions.order_by("-number"))
            links = []
            if not versions and request.user.has_perm("catalog.add_itemversion"):
                url = reverse("admin:catalog_itemversion_add") + f"?item={item.pk}"
                links.append({"label": "添加第一个版本", "url": url})
            if pending := next((v for v in versions if v.state in services.OPEN_STATES), None):
                url = reverse("admin:catalog_itemversion_change", args=[pending.pk])
                links.append({"label": f"{pending.get_state_display()}：第 {pending.number} 版", "url": url})
            extra_context = {
                **(extra_context or {}),
                "catalog_actions": self.workflow_buttons(request, item),
                "catalog_links": links,
                "item_versions": versions,
            }
        return super().change_view(request, object_id, form_url, extra_context)


class VersionPartInline:
    """Parts of a version: editable only while the version is a draft (frozen with it afterwards)."""

    extra = 0
    ordering = ("position", "id")

    @staticmethod
    def _is_draft(version) -> bool:
        return version is None or version.state == ItemVersion.State.DRAFT

    def has_add_permission(self, request, obj=None):
        return self._is_draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._is_draft(obj) and super().has_delete_permission(request, obj)


class MaterialInline(VersionPartInline, admin.StackedInline):
    model = MaterialRequirement
    fields = (
        ("position", "name"),
        ("form", "copies", "source", "source_note"),
        ("required", "condition", "e_licence", "commitment_allowed"),
        ("has_blank_form", "blank_form", "note"),
    )


class FeeInline(VersionPartInline, admin.TabularInline):
    model = FeeStandard
    form = FeeStandardInlineForm
    formfield_overrides = {models.CharField: {"widget": forms.TextInput(attrs={"size": 20})}}
    fields = ("position", "name", "amount_fen", "rule", "basis", "reducible")


class StepInline(VersionPartInline, admin.TabularInline):
    model = ProcessStep
    fields = ("position", "name", "role", "days")


class FormFieldInline(VersionPartInline, admin.StackedInline):
    """Stacked, a few fields a line: as a table its columns made the editor wider than a 1,366 px screen."""

    model = FormField
    formfield_overrides = {
        models.CharField: {"widget": forms.TextInput(attrs={"size": 20})},
        models.JSONField: {"widget": forms.Textarea(attrs={"rows": 1, "cols": 40})},
    }
    fields = (
        ("position", "name", "label"),
        ("type", "required"),
        ("choices", "help_text"),
        ("min_value", "max_value", "decimal_places"),
        "date_rule",
        ("pattern", "pattern_message", "example"),
    )


@admin.register(ItemVersion)
class ItemVersionAdmin(admin_actions.WorkflowAdminMixin, admin.ModelAdmin):
    workflow_actions = admin_actions.VERSION_ACTIONS
    form = ItemVersionAdminForm
    inlines = [MaterialInline, FeeInline, StepInline, FormFieldInline]
    list_display = ("item_label", "number", "state", "committed_days", "statutory_days", "published_at")
    list_display_links = ("item_label", "number")
    list_filter = ("state",)
    search_fields = ("item__code", "item__name")
    list_select_related = ("item",)
    autocomplete_fields = ("item",)
    formfield_overrides = {models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple}}
    content_fieldsets = (
        ("设定依据与受理条件", {"fields": ("legal_basis", "implementing_body", "conditions")}),
        ("办理时限", {"fields": (("statutory_days", "committed_days"), "handling_kind")}),
        ("决定权限（分级决定）", {"fields": ("decision_authority", "report_to", ("report_days", "upper_days"))}),
        ("审批方式", {"fields": ("joint", "joint_departments", "separation_of_duties")}),
        ("告知承诺制", {"fields": ("tell_and_commit", "commitment_text", "verification_days")}),
        ("秒批与监管推送", {"fields": ("instant_rule", "regulator")}),
        ("审批结果", {"fields": ("result_name", "result_type", "result_sample")}),
        (
            "办理渠道与地点",
            {
                "fields": (
                    ("channel_window", "channel_online", "channel_express"),
                    ("visits", "holiday_service"),
                    "office_hours",
                    "location",
                )
            },
        ),
        (
            "咨询、收费与中介",
            {"fields": (("consult_phone", "complaint_phone"), "charges_fees", "intermediary_services")},
        ),
    )
    publication_fields = ("created", "submitted", "published", "published_at", "superseded_at", "content_hash")
    readonly_fields = ("item_label", "number", "state", *publication_fields)

    @admin.display(description="事项", ordering="item__code")
    def item_label(self, obj):
        return str(obj.item)

    @admin.display(description="创建")
    def created(self, obj):
        return f"{obj.created_by or '系统导入'} · {_when(obj.created_at)}"

    @admin.display(description="提交审核人")
    def submitted(self, obj):
        return obj.submitted_by or "—"

    @admin.display(description="发布人")
    def published(self, obj):
        return obj.published_by or ("系统导入" if obj.published_at else "—")

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            head = {"fields": ("item",), "description": "版本号自动编号；新版本为草稿，保存后可提交审核。"}
            return (("事项", head), *self.content_fieldsets)
        return (
            ("事项与版本", {"fields": ("item_label", "number", "state")}),
            *self.content_fieldsets,
            ("发布信息", {"fields": self.publication_fields, "classes": ("collapse",)}),
        )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("item")

    def get_actions(self, request):
        return _without_bulk_delete(super().get_actions(request))

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or obj.state == ItemVersion.State.DRAFT)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (obj is None or obj.state == ItemVersion.State.DRAFT)

    def save_model(self, request, obj, form, change):
        if not change:
            # Lock the item so that two admins adding at once cannot both take the same number.
            item = Item.objects.select_for_update().get(pk=obj.item_id)
            if not obj.number:
                obj.number = (item.versions.aggregate(n=Max("number"))["n"] or 0) + 1
            obj.state, obj.created_by = ItemVersion.State.DRAFT, request.user
        super().save_model(request, obj, form, change)
        action = "catalog.edit_draft" if change else "catalog.create_version"
        audit.record(action, obj, actor=request.user, ip=client_ip(request), number=obj.number)

    def save_formset(self, request, form, formset, change):
        rows = formset.save(commit=False)
        taken = [r.position for r in formset.queryset if r.pk] or [0]
        for row in rows:  # new rows left at position 0 go to the end, in the order entered
            if row.pk is None and not row.position:
                row.position = max(taken) + 1
                taken.append(row.position)
            row.save()
        for row in formset.deleted_objects:
            row.delete()
        formset.save_m2m()

    def delete_model(self, request, obj):
        audit.record("catalog.delete_draft", obj, actor=request.user, ip=client_ip(request), number=obj.number)
        super().delete_model(request, obj)

    def response_add(self, request, obj, post_url_continue=None):
        response = super().response_add(request, obj, post_url_continue)
        if not {"_addanother", IS_POPUP_VAR} & set(request.POST):  # stay on the draft: next comes "提交审核"
            return HttpResponseRedirect(reverse("admin:catalog_itemversion_change", args=[obj.pk]))
        return response

    def get_urls(self):
        view = self.admin_site.admin_view(self.diff_view)
        return [path("<path:object_id>/diff/", view, name="catalog_itemversion_diff"), *super().get_urls()]

    def diff_view(self, request, object_id):
        return admin_actions.diff_view(self, request, object_id)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        version = self.get_object(request, unquote(object_id))
        if version is not None:
            links = [{"label": "事项", "url": reverse("admin:catalog_item_change", args=[version.item_id])}]
            if version.item.versions.filter(number__lt=version.number).exists():
                links.insert(
                    0, {"label": "与上一版本比较", "url": reverse("admin:catalog_itemversion_diff", args=[version.pk])}
                )
            problems = []
            is_draft = version.state == ItemVersion.State.DRAFT
            if is_draft and request.method == "GET" and (errors := services.version_errors(version)):
                problems = admin_actions.error_messages(ValidationError(errors))
            extra_context = {
                **(extra_context or {}),
                "catalog_actions": self.workflow_buttons(request, version),
                "catalog_links": links,
                "version_problems": problems,
            }
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(CatalogChange)
class CatalogChangeAdmin(admin.ModelAdmin):
    """Read-only: the published record of directory changes (动态管理)."""

    list_display = ("at", "item", "action", "document", "decided_on", "note", "actor")
    list_filter = ("action",)
    search_fields = ("item__code", "item__name", "document")
    list_select_related = ("item", "by")
    date_hierarchy = "at"
    fields = ("item", "action", "version_label", "document", "decided_on", "note", "related_items", "actor", "at")
    readonly_fields = ("version_label", "actor", "at")

    @admin.display(description="操作人", ordering="by__username")
    def actor(self, obj):
        return obj.by or "系统导入"

    @admin.display(description="版本")
    def version_label(self, obj):
        return f"第 {obj.version.number} 版" if obj.version_id else "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


from catalog import bundle_admin  # noqa: E402, F401  (一件事: registers its admin)
