"""Workbench forms of joint cases (联合审批): a department's opinion, the 集中会审 and its minutes.

They parse what the browser sends; ``approvals.joint`` applies the rules and its ``ValidationError``
comes back next to the fields (``ServiceForm.apply_service_errors``).
"""

from django import forms

from approvals.forms_workbench import ServiceForm, _text
from approvals.joint import MAX_ATTACHMENTS
from approvals.models import JointMeeting, Opinion
from hall.models import User


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name (the opinion's attachments)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png,.ofd"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if len(files) > MAX_ATTACHMENTS:
            raise forms.ValidationError(f"附件不超过 {MAX_ATTACHMENTS} 个。")
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class OpinionForm(ServiceForm):
    opinion = forms.ChoiceField(label="本部门意见", choices=Opinion.choices, widget=forms.RadioSelect)
    reason = _text("意见理由（附条件同意写明条件，不同意说明理由）", rows=3)
    attachments = MultipleFileField(label="附件（可多选；PDF、JPEG、PNG 或 OFD）", required=False)


class MeetingForm(ServiceForm):
    scheduled_at = forms.DateTimeField(
        label="会审时间", widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )  # fmt: skip
    place = forms.CharField(label="会审地点", max_length=200)
    participants = forms.ModelMultipleChoiceField(
        label="参会人员（牵头部门和各联办部门）", queryset=User.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participants"].queryset = staff if staff is not None else User.objects.none()
        self.fields["participants"].label_from_instance = _participant_label

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {"scheduled_at": data["scheduled_at"], "place": data["place"],
                "participants": [u.pk for u in data["participants"]]}  # fmt: skip


class MinutesForm(ServiceForm):
    outcome = forms.ChoiceField(label="会审结论", choices=JointMeeting.Outcome.choices, widget=forms.RadioSelect)
    minutes = _text("会审纪要（各部门意见、讨论情况、结论及条件）", rows=5, max_length=10000, required_hint=True)


def _participant_label(user) -> str:
    department = getattr(user, "department_name", "")
    return f"{user.real_name or user.username}（{department}）" if department else (user.real_name or user.username)
