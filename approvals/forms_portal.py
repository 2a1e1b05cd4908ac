"""Forms of the applicant portal (网上办事大厅).

The services decide what is valid (identity checksums, the item's form, the agent's authorisation);
these forms only bound what a browser may send (lengths the columns hold, numbers that are numbers)
and put the services' ``ValidationError.message_dict`` back next to the right fields.
"""

import re

from django import forms
from django.core.exceptions import ValidationError

from approvals.models import Application
from catalog.models import FormField, ItemVersion

NUMBER = re.compile(r"^-?\d{1,15}(\.\d{1,6})?$")
# python-stdnum explains a bad identity number in English inside full-width brackets; the page speaks Chinese.
PARTY_FIELDS = ("type", "name", "id_number", "phone", "address")
AGENT_FIELDS = ("name", "id_number", "phone", "authorisation")


def _text(label: str, max_length: int, *, required: bool = True, help_text: str = "", **attrs) -> forms.CharField:
    """A text field whose ``required`` is only a mark: the service says what is missing, all at once."""
    widget_attrs = {"maxlength": max_length, **attrs}
    if required:
        widget_attrs["aria-required"] = "true"
    field = forms.CharField(label=label, max_length=max_length, required=False, help_text=help_text,
                            widget=forms.TextInput(attrs=widget_attrs))  # fmt: skip
    field.marked_required = required
    return field


def _item_field(spec: FormField) -> forms.Field:
    """The widget for one field of the item's application form (catalog ``FormField``)."""
    # The field's meaning (range, decimals, date rule, format) is told next to it and given to the browser's
    # inputs as hints; intake.clean_form decides, with the same Chinese messages as the API.
    attrs = {"aria-required": "true"} if spec.required else {}
    help_text = "；".join(text for text in (spec.help_text, spec.format_hint()) if text)
    common = {"label": spec.label, "required": False, "help_text": help_text}
    types = FormField.Type
    if spec.type == types.TEXTAREA:
        field = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 4, **attrs}), **common)
    elif spec.type == types.NUMBER:
        number_attrs = {"step": "any", "min": 0, "inputmode": "decimal", **spec.widget_attrs(), **attrs}
        field = forms.CharField(max_length=23, widget=forms.NumberInput(attrs=number_attrs), **common)
        field.validators.append(_number)
    elif spec.type == types.DATE:
        date_attrs = {"type": "date", **spec.widget_attrs(), **attrs}
        field = forms.CharField(max_length=10, widget=forms.DateInput(attrs=date_attrs), **common)
    elif spec.type == types.CHOICE:
        choices = [("", "请选择…"), *((str(c), str(c)) for c in spec.choices)]
        field = forms.CharField(max_length=200, widget=forms.Select(choices=choices, attrs=attrs), **common)
    elif spec.type == types.PHONE:
        field = forms.CharField(
            max_length=11,
            widget=forms.TextInput(
                attrs={"type": "tel", "inputmode": "numeric", "autocomplete": "tel", "maxlength": 11, **attrs}
            ),
            **common,
        )
    elif spec.type in (types.ID_NUMBER, types.CREDIT_CODE):
        field = forms.CharField(
            max_length=18,
            widget=forms.TextInput(
                attrs={"maxlength": 18, "autocapitalize": "characters", "spellcheck": "false", **attrs}
            ),
            **common,
        )
    else:
        field = forms.CharField(
            max_length=2000, widget=forms.TextInput(attrs={**spec.widget_attrs(), **attrs}), **common
        )
    field.marked_required = spec.required
    return field


def _number(value: str) -> None:
    if value and not NUMBER.match(value.strip()):
        raise ValidationError("请输入数字（最多 15 位整数、6 位小数）。")


class StartForm(forms.Form):
    """网上申报: the applicant, for agents the agent and the authorisation (行政许可法 art. 29), and the
    item version's own fields (``form_<name>``). Saving calls ``services.file_application``."""

    applicant_type = forms.ChoiceField(
        label="申请人类型", choices=Application.ApplicantType.choices, initial=Application.ApplicantType.PERSON,
        widget=forms.RadioSelect, required=False,
    )  # fmt: skip
    applicant_name = _text("申请人姓名或单位名称", 100, autocomplete="name")
    applicant_id_number = _text(
        "证件号码", 18, help_text="自然人填 18 位居民身份证号码；单位填 18 位统一社会信用代码。",
        autocapitalize="characters", spellcheck="false",
    )  # fmt: skip
    applicant_phone = _text("联系电话（手机）", 11, type="tel", inputmode="numeric", autocomplete="tel")
    applicant_address = _text("联系地址", 200, required=False, autocomplete="street-address")

    def __init__(self, *args, version: ItemVersion, is_agent: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["applicant_type"].marked_required = True
        self.is_agent = is_agent
        if is_agent:
            self.fields["agent_name"] = _text("代理人姓名", 50, autocomplete="name")
            self.fields["agent_id_number"] = _text("代理人居民身份证号码", 18, autocapitalize="characters",
                                                   spellcheck="false")  # fmt: skip
            self.fields["agent_phone"] = _text("代理人手机号码", 11, type="tel", inputmode="numeric")
            self.fields["agent_authorisation"] = _text(
                "授权委托书编号或说明", 200, help_text="请同时在“申请材料”中上传授权委托书（行政许可法第二十九条）。"
            )
        # 两级大厅: an item delegated (下放) to townships is handled by the applicant's township — chosen
        # here, or found from the contact address (approvals.filing.handling_department)
        townships = list(version.item.delegated_to.all()) if version.item else []  # a bundle: no one item
        if townships:
            self.fields["township"] = forms.ChoiceField(
                label="办理的乡镇（街道）", required=False,
                choices=[("", "按联系地址确定"), *((d.code, d.name) for d in townships)],
                help_text="本事项已下放至乡镇（街道）便民服务中心办理；不选择时按联系地址所在乡镇（街道）确定。",
            )  # fmt: skip
        self.item_field_names = []
        for spec in version.fields.all():
            name = f"form_{spec.name}"
            self.fields[name] = _item_field(spec)
            self.item_field_names.append(name)

    # --- groups for the template ---------------------------------------------------------------------
    def applicant_fields(self):
        township = [self["township"]] if "township" in self.fields else []
        return [self[f"applicant_{name}"] for name in PARTY_FIELDS] + township

    def agent_fields(self):
        return [self[f"agent_{name}"] for name in AGENT_FIELDS] if self.is_agent else []

    def item_fields(self):
        return [self[name] for name in self.item_field_names]

    # --- what the service receives ----------------------------------------------------------------------
    def service_arguments(self) -> dict:
        data = self.cleaned_data
        arguments = {
            "applicant": {name: data.get(f"applicant_{name}") or "" for name in PARTY_FIELDS},
            "form": {name.removeprefix("form_"): data.get(name) or "" for name in self.item_field_names},
            "agent": None,
        }
        if self.is_agent:
            arguments["agent"] = {name: data.get(f"agent_{name}") or "" for name in AGENT_FIELDS}
        if "township" in self.fields:
            arguments["department_code"] = data.get("township") or ""
        return arguments

    def add_service_errors(self, error: ValidationError) -> None:
        """``applicant.id_number`` → ``applicant_id_number``, ``form.site_area`` → ``form_site_area``;
        anything without a field of its own (``agent``, ``channel``, ``item_code``) above the form."""
        messages = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
        for key, texts in messages.items():
            name = key.replace(".", "_", 1) if key.startswith(("applicant.", "agent.", "form.")) else None
            name = "township" if key == "department_code" else name
            self.add_error(name if name in self.fields else None, texts)


class UploadForm(forms.Form):
    """One file for one material requirement (PDF, JPEG, PNG or OFD, checked by content in the service)."""

    requirement_id = forms.CharField(max_length=20)
    file = forms.FileField(label="选择文件", error_messages={
        "required": "请选择要上传的文件。", "empty": "文件为空。", "invalid": "没有收到文件，请重新选择。",
    })  # fmt: skip


class ReuseForm(forms.Form):
    """复用: a material of an earlier case of the same account for one requirement."""

    requirement_id = forms.CharField(max_length=20)
    material_id = forms.CharField(max_length=20, error_messages={"required": "请选择要复用的材料。"})


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="撤回原因（选填）", required=False, max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
    )  # fmt: skip


class ProgressForm(forms.Form):
    """办件进度查询: the number and the query code printed on the receipt (受理回执)."""

    number = forms.CharField(
        label="办件编号",
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocapitalize": "characters", "spellcheck": "false", "placeholder": "如 ZRZYJ-20260930-0001"}
        ),
    )
    query_code = forms.CharField(
        label="查询码",
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocapitalize": "characters", "spellcheck": "false", "autocomplete": "off", "placeholder": "8 位"}
        ),
    )


class DeliveryForm(forms.Form):
    """领取方式: window pickup, express to an address (where the item offers it), or electronic."""

    method = forms.ChoiceField(
        label="领取方式", widget=forms.RadioSelect,
        error_messages={"required": "请选择领取方式。", "invalid_choice": "请选择列出的领取方式。"},
    )  # fmt: skip
    recipient = forms.CharField(label="收件人", required=False, max_length=50)
    phone = forms.CharField(label="收件电话", required=False, max_length=20,
                            widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))  # fmt: skip
    address = forms.CharField(label="邮寄地址", required=False, max_length=200,
                              widget=forms.TextInput(attrs={"autocomplete": "street-address"}))  # fmt: skip

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["method"].choices = choices
