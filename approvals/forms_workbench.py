"""Forms of the window workbench (窗口工作台).

The forms parse what a browser sends (types, choices, lengths); the legal rules (reasons, limits,
identity checksums, one notice per round) stay in ``approvals.services``. A service's
``ValidationError`` comes back onto the form with ``apply_service_errors`` so that every message
appears next to its field, whoever raised it.
"""

from django import forms
from django.core.exceptions import ValidationError

from approvals.models import Application, Procedure, State
from approvals.rules import MAX_EXTENSION, MAX_JOINT_EXTENSION
from approvals.workflow import RECOMMENDATIONS, REMEDY
from catalog.models import FormField


def _text(label: str, *, rows: int = 2, max_length: int = 2000, required_hint: bool = False, **kwargs):
    """A reason box. ``required_hint``: the browser asks for it, the service decides (one source of the rule)."""
    attrs = {"rows": rows, **({"required": True} if required_hint else {})}
    return forms.CharField(label=label, required=False, max_length=max_length, widget=forms.Textarea(attrs), **kwargs)


class ServiceForm(forms.Form):
    """A form whose cleaned data becomes a service call's keyword arguments."""

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)

    def error_field(self, key: str) -> str | None:
        """The form field a service error key (``reason``, ``items[0].reason``) belongs to."""
        return key if key in self.fields else None

    def apply_service_errors(self, exc: ValidationError) -> None:
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc.messages)
            return
        for key, messages in exc.message_dict.items():
            field = self.error_field(key)
            if field is not None and field not in self.errors:
                self.add_error(field, messages)
            elif field is None:
                self.add_error(None, messages)


# --- the queue ---------------------------------------------------------------------------------------


class QueueFilterForm(forms.Form):
    """GET filters of the queue; an invalid value is dropped, never an error page."""

    state = forms.ChoiceField(required=False, choices=[("", "全部"), *State.choices])
    item = forms.CharField(required=False, max_length=36)
    overdue = forms.BooleanField(required=False)
    due_soon = forms.BooleanField(required=False)
    mine = forms.BooleanField(required=False)
    assigned = forms.BooleanField(required=False)
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000)

    def values(self) -> dict:
        self.is_valid()
        data = {name: self.cleaned_data.get(name) for name in self.fields}
        data["page"] = data["page"] or 1
        return data


# --- transitions -------------------------------------------------------------------------------------


class ConfirmForm(ServiceForm):
    """accept, start_review, resume, submit, resubmit: nothing to fill in, the button is the confirmation."""


class RecommendForm(ServiceForm):
    """审查意见: the reviewer's recommendation and opinion for the approver."""

    recommendation = forms.ChoiceField(label="审查建议", choices=RECOMMENDATIONS, widget=forms.RadioSelect)
    opinion = _text("审查意见（写明审查的事实、理由和依据）", rows=4, required_hint=True)
    dissent_response = _text("对联办部门不同意意见的处理意见（必填，将记入各该部门的联办任务）", rows=3)

    def __init__(self, *args, dissent: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not dissent:  # only a joint case with a disagreeing department's opinion asks for it
            del self.fields["dissent_response"]


class ReturnForm(ServiceForm):
    reason = _text("退回理由（审查人员将看到）", rows=3, required_hint=True)


class ApproveForm(ServiceForm):
    reason = _text("决定意见（与审查意见不一致时必填）")


class DenyForm(ServiceForm):
    reason = _text("不予的理由（写入决定书，并告知救济途径）", rows=3, required_hint=True)
    confirm = forms.BooleanField(label="我已核对，确认作出不予决定", required=True)

    def service_kwargs(self) -> dict:
        return {"reason": self.cleaned_data["reason"]}


class OnTheSpotForm(ServiceForm):
    """当场办结 (即办件): accept and decide now; a denial states its reason (art. 38)."""

    decision = forms.ChoiceField(label="当场决定", choices=[("approve", "准予"), ("deny", "不予")],
                                 widget=forms.RadioSelect, initial="approve")  # fmt: skip
    reason = _text("决定意见（不予时必填，写入决定书）", rows=3)
    confirm = forms.BooleanField(label="我已当场核验材料原件，确认受理并当场作出决定", required=True)

    def service_kwargs(self) -> dict:
        return {"decision": self.cleaned_data["decision"], "reason": self.cleaned_data["reason"]}


class TerminateForm(DenyForm):
    reason = _text("终止办理的理由", rows=3, required_hint=True)
    confirm = forms.BooleanField(label="我已核对，确认终止办理本件", required=True)


class RejectIntakeForm(ServiceForm):
    reason = _text("不予受理的理由", rows=3, required_hint=True)
    remedy = _text("告知申请人的救济途径", rows=3, initial=REMEDY, required_hint=True)
    confirm = forms.BooleanField(label="我已核对，确认不予受理（出具不予受理通知书）", required=True)

    def service_kwargs(self) -> dict:
        return {"reason": self.cleaned_data["reason"], "remedy": self.cleaned_data["remedy"]}


class SuspendForm(ServiceForm):
    procedure = forms.ChoiceField(label="特别程序", choices=[("", "请选择"), *Procedure.choices])
    reason = _text("理由（书面告知申请人，行政许可法第四十五条）", required_hint=True)


class ExtendForm(ServiceForm):
    days = forms.IntegerField(label="延长工作日数", required=False, min_value=-1000, max_value=1000)
    reason = _text("延期理由（将告知申请人）", required_hint=True)

    def __init__(self, *args, joint: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        limit = MAX_JOINT_EXTENSION if joint else MAX_EXTENSION
        self.fields["days"].widget.attrs.update({"min": 1, "max": limit, "required": True})
        self.fields["days"].help_text = f"只能延期一次，最多 {limit} 个工作日（行政许可法第四十二条）。"


class DeliverForm(ServiceForm):
    method = forms.ChoiceField(label="送达方式", choices=Application.Delivery.choices, widget=forms.RadioSelect)
    tracking_number = forms.CharField(label="快递单号（邮寄送达必填）", required=False, max_length=40)
    recipient_name = forms.CharField(label="签收人（窗口领取）", required=False, max_length=50)
    signature = forms.CharField(
        label="送达回证签名（窗口领取，请签收人在屏幕上签名；也可打印回证手签后上传扫描件）", required=False,
        widget=forms.HiddenInput(attrs={"data-signature-pad": ""}),
    )  # fmt: skip


class DispatchForm(ServiceForm):
    carrier = forms.ChoiceField(label="快递渠道", choices=[("simulator", "模拟快递（政务专递）")], initial="simulator")


class CorrectionForm(ServiceForm):
    """补正材料通知书: tick every deficient material with its reason — all of them in ONE notice (art. 32)."""

    reason = _text("总体说明（可选）")

    def __init__(self, *args, requirements=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.requirements = list(requirements)
        for requirement in self.requirements:
            self.fields[f"need_{requirement.pk}"] = forms.BooleanField(label=requirement.name, required=False)
            self.fields[f"why_{requirement.pk}"] = forms.CharField(
                label=f"{requirement.name}：补正理由", required=False, max_length=300,
                widget=forms.TextInput(attrs={"placeholder": "补正理由（勾选后必填）"}),
            )  # fmt: skip
        self._checked: list[int] = []

    def rows(self):
        for requirement in self.requirements:
            yield requirement, self[f"need_{requirement.pk}"], self[f"why_{requirement.pk}"]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        self._checked = [r.pk for r in self.requirements if data.get(f"need_{r.pk}")]
        items = [{"requirement_id": pk, "reason": data.get(f"why_{pk}", "")} for pk in self._checked]
        return {"items": items, "reason": data.get("reason", "")}

    def error_field(self, key: str) -> str | None:
        # items[2].reason → the reason box of the third ticked material
        if key.startswith("items[") and "]." in key:
            index, _, part = key[len("items[") :].partition("].")
            if index.isdecimal() and int(index) < len(self._checked):
                pk = self._checked[int(index)]
                return f"why_{pk}" if part == "reason" else f"need_{pk}"
        return super().error_field(key)


# --- filing and materials -------------------------------------------------------------------------


class MaterialUploadForm(forms.Form):
    """A scanned material for one requirement (PDF, JPEG, PNG or OFD; checked by content in the service)."""

    requirement_id = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31)
    file = forms.FileField(
        label="扫描件", widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.ofd"})
    )


FIELD_WIDGETS = {
    FormField.Type.TEXTAREA: lambda: forms.Textarea(attrs={"rows": 3}),
    FormField.Type.NUMBER: lambda: forms.NumberInput(attrs={"step": "any", "min": 0}),
    FormField.Type.DATE: lambda: forms.DateInput(attrs={"type": "date"}),
    FormField.Type.PHONE: lambda: forms.TextInput(attrs={"type": "tel", "inputmode": "numeric"}),
    FormField.Type.ID_NUMBER: lambda: forms.TextInput(attrs={"autocomplete": "off"}),
    FormField.Type.CREDIT_CODE: lambda: forms.TextInput(attrs={"autocomplete": "off", "maxlength": 18}),
}


class FilingForm(ServiceForm):
    """Walk-in filing (窗口申报): the applicant's data, an optional agent (art. 29), the item's form."""

    applicant_type = forms.ChoiceField(
        label="申请人类型", choices=Application.ApplicantType.choices, initial=Application.ApplicantType.PERSON
    )
    applicant_name = forms.CharField(label="申请人姓名或单位名称", required=False, max_length=100)
    applicant_id_number = forms.CharField(
        label="证件号码", required=False, max_length=30, widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text="自然人：18 位居民身份证号码；单位：统一社会信用代码。",
    )  # fmt: skip
    applicant_phone = forms.CharField(
        label="联系电话", required=False, max_length=20, widget=forms.TextInput(attrs={"type": "tel"})
    )
    applicant_address = forms.CharField(label="联系地址", required=False, max_length=200)
    agent_name = forms.CharField(label="代理人姓名", required=False, max_length=50)
    agent_id_number = forms.CharField(label="代理人身份证号码", required=False, max_length=30)
    agent_phone = forms.CharField(label="代理人电话", required=False, max_length=20)
    agent_authorisation = forms.CharField(label="授权委托书编号/说明", required=False, max_length=200)

    PARTY = ("type", "name", "id_number", "phone", "address")
    AGENT = ("name", "id_number", "phone", "authorisation")

    def __init__(self, *args, fields=(), **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("applicant_name", "applicant_id_number", "applicant_phone"):
            self.fields[name].widget.attrs["required"] = True
        self.form_fields = list(fields)
        for field in self.form_fields:
            attrs = {"required": True} if field.required else {}
            if field.type == FormField.Type.CHOICE:
                django_field = forms.ChoiceField(choices=[("", "请选择"), *((c, c) for c in field.choices)])
            else:
                django_field = forms.CharField(max_length=2000, widget=FIELD_WIDGETS.get(field.type, forms.TextInput)())
            django_field.required = False  # the service says which are missing (intake.clean_form)
            django_field.label = field.label
            django_field.help_text = "；".join(text for text in (field.help_text, field.format_hint()) if text)
            django_field.widget.attrs.update({**field.widget_attrs(), **attrs})
            self.fields[f"form_{field.name}"] = django_field

    def applicant_fields(self):
        return [self[f"applicant_{name}"] for name in self.PARTY]

    def agent_fields(self):
        return [self[f"agent_{name}"] for name in self.AGENT]

    def item_fields(self):
        return [self[f"form_{field.name}"] for field in self.form_fields]

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        agent = {name: data.get(f"agent_{name}", "").strip() for name in self.AGENT}
        form = {f.name: data.get(f"form_{f.name}") for f in self.form_fields}
        return {
            "applicant": {name: data.get(f"applicant_{name}", "") for name in self.PARTY},
            "agent": agent if any(agent.values()) else None,
            "form": {name: value for name, value in form.items() if value not in (None, "")},
        }

    def error_field(self, key: str) -> str | None:
        # applicant.id_number → applicant_id_number, form.site_area → form_site_area
        field = key.replace(".", "_", 1)
        return field if field in self.fields else None
