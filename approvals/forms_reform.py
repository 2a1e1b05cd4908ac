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
