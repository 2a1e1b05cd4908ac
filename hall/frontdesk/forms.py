"""Forms of the front-desk pages (labels and errors in Chinese)."""

from django import forms

from hall.frontdesk.models import InvestmentProject
from hall.models import User, Window
from hall.roles import Role


class KioskForm(forms.Form):
    category = forms.CharField(widget=forms.HiddenInput, required=False)
    phone = forms.CharField(
        label="手机号码（选填）",
        max_length=11,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "tel"}),
    )
    id_number = forms.CharField(label="身份证号码（选填，用于关联预约和办件）", max_length=18, required=False)
    appointment_code = forms.CharField(
        label="预约签到码（选填）", max_length=6, required=False, widget=forms.TextInput(attrs={"inputmode": "numeric"})
    )
    green_lane = forms.BooleanField(label="绿色通道：老年人、残疾人、孕妇等优先办理", required=False)


class TransferForm(forms.Form):
    to_window = forms.ModelChoiceField(
        label="转到窗口", queryset=Window.objects.filter(is_active=True), to_field_name="number"
    )


class CaseLinkForm(forms.Form):
    case_number = forms.CharField(label="本次办理的办件编号", max_length=40)


class SlotSearchForm(forms.Form):
    category = forms.ChoiceField(label="业务类别", required=False)
    item_code = forms.CharField(label="或事项编码", max_length=36, required=False)
    date = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—— 请选择 ——")] + [(c.code, c.name) for c in categories]


class AgencyRequestForm(forms.ModelForm):
    class Meta:
        model = InvestmentProject
        fields = ["name", "enterprise_name", "enterprise_uscc", "contact_name", "contact_phone", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class AssignForm(forms.Form):
    agent = forms.ModelChoiceField(label="代办员", queryset=User.objects.filter(groups__name=Role.AGENT))


class StatisticsForm(forms.Form):
    start = forms.DateField(label="开始日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="结束日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
