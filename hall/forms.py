from django import forms
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.core.exceptions import ValidationError

from hall.identity import clean_id_number
from hall.models import User, mobile_validator


class LoginForm(AuthenticationForm):
    """Username and password; error messages in Chinese come from Django's zh-hans catalogue."""

    username = forms.CharField(label="用户名", max_length=150, widget=forms.TextInput(attrs={"autofocus": True}))
    password = forms.CharField(label="密码", strip=False, widget=forms.PasswordInput)


class RegistrationForm(UserCreationForm):
    """Applicant self-registration (网上办事大厅实名注册): the real name, a mobile number and a resident
    ID number that passes the GB 11643 checksum stand for the real-name check; passwords go through
    Django's validators. Saving creates the user and grants the ``applicant`` role in one transaction."""

    real_name = forms.CharField(label="真实姓名", max_length=50, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    phone = forms.CharField(
        label="手机号码", max_length=11, validators=[mobile_validator],
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "numeric", "autocomplete": "tel"}),
    )  # fmt: skip
    id_number = forms.CharField(
        label="居民身份证号码", max_length=18, help_text="用于实名核验（18 位，最后一位可能是 X）。",
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "spellcheck": "false"}),
    )  # fmt: skip
    email = forms.EmailField(
        label="电子邮箱（选填）", required=False, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "real_name", "phone", "email")

    field_order = ("username", "real_name", "phone", "id_number", "email", "password1", "password2")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "用户名"
        self.fields["password1"].label = "密码"
        self.fields["password2"].label = "再次输入密码"

    def save(self, commit=True):
        self.instance.id_number = self.cleaned_data["id_number"]  # the verified number (clean_id_number)
        return super().save(commit)

    def clean_id_number(self) -> str:
        try:
            return clean_id_number("person", self.cleaned_data.get("id_number", ""))
        except ValidationError:
            raise ValidationError("居民身份证号码无效，请核对（18 位，最后一位可能是 X）。") from None
