"""Workflow buttons and the version diff of the catalog admin (审改办/法制办).

Every button is a POST-only admin URL that calls one function of ``catalog.services`` with
``by=request.user`` and reports the outcome through ``messages``; the admin never changes a state
itself. Actions that need a decision (决定文号、决定日期) or a reason first answer with a small form
page (the same POST without ``_confirm``), then run on the confirmed POST.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from catalog import forms, services
from catalog.diff import version_diff
from catalog.io import PART_SPECS
from catalog.models import CatalogChange, Item, ItemVersion
from hall.errors import DomainError


@dataclass(frozen=True)
class Action:
    slug: str
    label: str
    run: Callable  # (obj, by, data) -> (object to show next, success message)
    available: Callable  # (obj) -> bool: whether the button is offered
    form_class: type | None = None
    description: str = ""
    danger: bool = False
    # (obj, user) -> why this user may not take the action now, or "": the button is not offered and the
    # reason is shown instead (the service refuses it too; this only spares a form filled in for nothing).
    refusal: Callable = lambda obj, user: ""


# --- error messages with Chinese field names ----------------------------------------------------------

_PART_KEY = re.compile(r"^(?P<part>\w+)\[(?P<index>\d+)\]\.(?P<field>\w+)$")
PART_MODELS = {key: model for key, model, _ in PART_SPECS}
EXTRA_LABELS = {"to": "下放至", "reason": "退回理由", "related": "相关事项", "action": "变更类型"}


def _verbose(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return ""


def field_label(key: str) -> str:
    """``materials[2].condition`` → 申请材料第 3 项·容缺/适用情形; ``committed_days`` → its verbose name."""
    if match := _PART_KEY.match(key):
        model = PART_MODELS.get(match["part"])
        if model is not None:
            name = _verbose(model, match["field"]) or match["field"]
            return f"{model._meta.verbose_name}第 {int(match['index']) + 1} 项·{name}"
    if key in PART_MODELS:
        return str(PART_MODELS[key]._meta.verbose_name)
    return EXTRA_LABELS.get(key) or _verbose(ItemVersion, key) or _verbose(CatalogChange, key) or key


def error_messages(exc: ValidationError) -> list[str]:
    if not hasattr(exc, "error_dict"):
        return list(exc.messages)
    return [
        message if key == NON_FIELD_ERRORS else f"{field_label(key)}：{message}"
        for key, messages_ in exc.message_dict.items()
        for message in messages_
    ]


# --- the actions --------------------------------------------------------------------------------------

_ENDED = (Item.Status.CANCELLED, Item.Status.CONVERTED)


def _start_draft(item, by, data):
    draft = services.start_draft(item=item, by=by)
    return draft, f"已新建第 {draft.number} 版草稿（复制自现行版本），修改后请提交审核。"


def _cancel(item, by, data):
    item = services.cancel_item(item=item, by=by, **data)
    return item, f"事项“{item}”已取消（{data['document']}），不再受理新的申请。"


def _delegate(item, by, data):
    item = services.delegate_item(item=item, by=by, **{**data, "to": list(data["to"])})
    return item, "事项已下放至：" + "、".join(d.name for d in data["to"]) + "。"


def _convert(item, by, data):
    item = services.convert_to_filing(item=item, by=by, **data)
    return item, f"事项“{item}”已改为备案（{data['document']}）。"


def _merge_split(item, by, data):
    change = services.note_merge_or_split(item=item, by=by, **{**data, "related": list(data["related"])})
    return item, f"已记录{change.get_action_display()}（{data['document']}）。"


def _submit(version, by, data):
    version = services.submit_for_review(version=version, by=by)
    return version, f"第 {version.number} 版已提交审核；须由另一名目录管理员审核发布。"


def _return(version, by, data):
    version = services.return_to_draft(version=version, by=by, reason=data["reason"])
    return version, f"第 {version.number} 版已退回修改。"


def _publish(version, by, data):
    version = services.publish_version(version=version, by=by, **data)
    return version, f"第 {version.number} 版已发布为现行版本；原现行版本已被替代。"


def _publish_refusal(version, user) -> str:
    if version.submitted_by_id is not None and version.submitted_by_id == user.pk:
        return "您提交了本版本，须由另一名目录管理员审核发布（审核与提交分离）。"
    return ""


def _can_start_draft(item) -> bool:
    return (
        item.status not in _ENDED
        and item.versions.exists()
        and not item.versions.filter(state__in=services.OPEN_STATES).exists()
    )


ITEM_ACTIONS = (
    Action(
        "start-draft", "新建草稿", _start_draft, _can_start_draft, forms.ConfirmForm,
        "以现行版本为基础复制一份新版本草稿（申请材料、收费标准、表单等一并复制）。草稿在审核发布前不对外公开；"
        "同一事项同时只能有一份未发布的版本，在其发布或退回删除前不能再新建。",
    ),
    Action(
        "cancel", "取消事项", _cancel, lambda i: i.status == Item.Status.PUBLISHED, forms.CancelItemForm,
        "取消后不再受理新的申请；事项仍公开显示，标注“已取消”及决定文号。", danger=True,
    ),
    Action(
        "delegate", "下放", _delegate, lambda i: i.status == Item.Status.PUBLISHED, forms.DelegateItemForm,
        "下放后由所选乡镇（街道）便民服务中心受理，行使层级改为乡镇（街道）级。",
    ),
    Action(
        "convert", "改为备案", _convert, lambda i: i.status == Item.Status.PUBLISHED, forms.ConvertItemForm,
        "改为备案后不再作出许可决定；可指定承接的备案类事项。", danger=True,
    ),
    Action(
        "merge-split", "记录合并/拆分", _merge_split, lambda i: i.status != Item.Status.DRAFT, forms.MergeSplitForm,
        "记录并公布事项的合并或拆分，关联相关事项。",
    ),
)  # fmt: skip

VERSION_ACTIONS = (
    Action("submit", "提交审核", _submit, lambda v: v.state == ItemVersion.State.DRAFT),
    Action(
        "return", "退回修改", _return, lambda v: v.state == ItemVersion.State.IN_REVIEW, forms.ReturnVersionForm,
        "退回后本版本重新成为草稿，请写明需要修改的内容。",
    ),
    Action(
        "publish", "审核发布", _publish, lambda v: v.state == ItemVersion.State.IN_REVIEW, forms.PublishVersionForm,
        "发布后本版本成为现行版本且不可再修改，原现行版本同时被替代。须由提交审核人以外的另一名目录管理员发布。",
        refusal=_publish_refusal,
    ),
)  # fmt: skip


class WorkflowAdminMixin:
    """Adds ``<id>/<action>/`` URLs for ``workflow_actions`` and the buttons' context to a ModelAdmin."""

    workflow_actions: tuple[Action, ...] = ()

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        urls = [
            path(
                f"<path:object_id>/{action.slug}/",
                self.admin_site.admin_view(require_POST(self._action_view(action))),
                name="{}_{}_".format(*info) + action.slug.replace("-", "_"),
            )
            for action in self.workflow_actions
        ]
        return urls + super().get_urls()

    def workflow_buttons(self, request, obj) -> list[dict]:
        """The actions offered now; one this user may not take carries its ``refusal`` instead of a URL."""
        if not self.has_change_permission(request):
            return []
        info = self.opts.app_label, self.opts.model_name
        buttons = []
        for action in self.workflow_actions:
            if not action.available(obj):
                continue
            button = {"label": action.label, "danger": action.danger, "refusal": action.refusal(obj, request.user)}
            if not button["refusal"]:
                button["url"] = reverse("admin:{}_{}_".format(*info) + action.slug.replace("-", "_"), args=[obj.pk])
            buttons.append(button)
        return buttons

    def _action_view(self, action: Action):
        def view(request, object_id):
            return self.run_action(request, object_id, action)

        view.__name__ = f"{self.opts.model_name}_{action.slug.replace('-', '_')}"
        return view

    def run_action(self, request, object_id, action: Action):
        if not self.has_change_permission(request):  # catalog.change_item / catalog.change_itemversion
            raise PermissionDenied
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404("未找到。")
        if refusal := action.refusal(obj, request.user):  # before any form is filled in
            messages.error(request, refusal)
            return HttpResponseRedirect(reverse(f"admin:catalog_{obj._meta.model_name}_change", args=[obj.pk]))
        form = None
        if action.form_class is not None:
            item = obj if isinstance(obj, Item) else obj.item
            kwargs = {"item": item, "admin_site": self.admin_site}
            if "_confirm" not in request.POST:
                return self._action_page(request, obj, action, action.form_class(**kwargs))
            form = action.form_class(request.POST, **kwargs)
            if not form.is_valid():
                return self._action_page(request, obj, action, form)
        try:
            shown, message = action.run(obj, request.user, form.cleaned_data if form else {})
        except ValidationError as exc:
            if form is None:
                for text in error_messages(exc):
                    messages.error(request, text)
                shown = obj
            else:  # errors on the page's own fields go next to them, the rest above the form
                by_field = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
                for key, texts in by_field.items():
                    if key in form.fields:
                        form.add_error(key, texts)
                    else:
                        for text in error_messages(ValidationError({key: texts})):
                            messages.error(request, text)
                return self._action_page(request, obj, action, form)
        except DomainError as exc:
            messages.error(request, exc.detail)
            shown = obj
        else:
            messages.success(request, message)
        return HttpResponseRedirect(reverse(f"admin:catalog_{shown._meta.model_name}_change", args=[shown.pk]))

    def _action_page(self, request, obj, action: Action, form):
        context = {
            **self.admin_site.each_context(request),
            "title": f"{action.label}：{obj}",
            "action": action,
            "form": form,
            "media": self.media + form.media,
            "opts": self.opts,
            "original": obj,
            "action_url": request.path,
            "change_url": reverse(f"admin:catalog_{self.opts.model_name}_change", args=[obj.pk]),
        }
        return TemplateResponse(request, "admin/catalog/action_form.html", context)


# --- the diff between two versions (catalog.diff) ----------------------------------------------------


def diff_view(model_admin, request, object_id):
    """``<id>/diff/?against=<other id>``: against another version of the same item (default: the previous)."""
    version = model_admin.get_object(request, unquote(object_id))
    if version is None:
        raise Http404("未找到该版本。")
    if not model_admin.has_view_permission(request, version):
        raise PermissionDenied
    siblings = ItemVersion.objects.filter(item_id=version.item_id).order_by("-number")
    against_id = request.GET.get("against")
    if against_id:
        try:
            other = siblings.get(pk=int(against_id))
        except (ValueError, ItemVersion.DoesNotExist):
            raise Http404("同一事项下没有该版本。") from None
    else:
        other = siblings.filter(number__lt=version.number).first()
    old, new = sorted((version, other), key=lambda v: v.number) if other else (None, version)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"版本比较：{version.item}",
        "opts": model_admin.opts,
        "original": version,
        "old": old,
        "new": new,
        "diff": version_diff(old, new) if old else None,
        "others": [v for v in siblings if v.pk != version.pk],
        "change_url": reverse("admin:catalog_itemversion_change", args=[version.pk]),
    }
    return TemplateResponse(request, "admin/catalog/itemversion/diff.html", context)
