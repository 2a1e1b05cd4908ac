"""Forms of the reform modes (issue 17): revocation, the commitment signing, the verification result."""

from django import forms

from approvals.commitments import REVOCATION_BASIS
from approvals.forms_workbench import ServiceForm, _text
from approvals.models import Verification


class RevokeForm(ServiceForm):
    """撤销准予决定: reason and legal basis go into the 撤销决定书."""

    reason = _text("撤销理由（写入撤销决定书，如核查发现承诺不实的事实）", rows=3, required_hint=True)
    basis = _text("法律依据", rows=2, initial=REVOCATION_BASIS, required_hint=True)
    confirm = forms.BooleanField(label="我已核对，确认撤销本件准予决定（出具撤销决定书并通知申请人）", required=True)

    def service_kwargs(self) -> dict:
        return {"reason": self.cleaned_data["reason"], "basis": self.cleaned_data["basis"]}


class CommitmentForm(forms.Form):
    """告知承诺书 on the applicant's case page: which materials the commitment replaces, and the signature."""

    requirement_ids = forms.TypedMultipleChoiceField(
        label="以承诺代替的材料", coerce=int, widget=forms.CheckboxSelectMultiple, required=True,
        error_messages={"required": "请选择以承诺代替的材料。"},
    )  # fmt: skip
    agree = forms.BooleanField(
        label="本人已阅读上述承诺内容，知晓虚假承诺的法律后果，自愿作出承诺", required=True,
        error_messages={"required": "签署前请确认已阅读并同意承诺内容。"},
    )  # fmt: skip

    def __init__(self, *args, requirements=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requirement_ids"].choices = [(r.pk, r.name) for r in requirements]


class VerificationForm(forms.Form):
    outcome = forms.ChoiceField(
        label="核查结论", widget=forms.RadioSelect,
        choices=[(Verification.Outcome.TRUE, "承诺属实"),
                 (Verification.Outcome.FALSE, "承诺不实（转审批人员撤销决定）")],
    )  # fmt: skip
    finding = _text("核查情况（核查方式、发现的事实）", rows=3, required_hint=True)


class DelegationForm(ServiceForm):
    """首席代表授权: which window's chief representative decides which items, on which written authority.

    The choices are the approver's own departments' windows that have a chief representative and the
    items whose current version says the chief representative decides; the service checks it again."""

    window = forms.ChoiceField(label="窗口（授权其首席代表）")
    item_codes = forms.MultipleChoiceField(
        label="授权决定的事项", widget=forms.CheckboxSelectMultiple, error_messages={"required": "请选择授权的事项。"}
    )
    document = forms.CharField(label="授权书文号", max_length=100, error_messages={"required": "请填写授权书文号。"})
    valid_from = forms.DateField(label="生效日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(
        label="截止日期（不填为长期）", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label="授权范围说明", max_length=300, required=False)

    def __init__(self, *args, windows=(), items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["window"].choices = [
            (w.number, f"{w.number} {w.name}（首席代表：{w.chief_representative.real_name}）") for w in windows
        ]
        self.fields["item_codes"].choices = [(i.code, f"{i.code} {i.name}") for i in items]


class RevokeDelegationForm(ServiceForm):
    reason = _text("撤销授权的理由", rows=2, required_hint=True)
