"""The dashboard's GET filters (电子监察 实时监察): kind, level, department and the page cursor.

A value the form does not know is an error shown next to its field, in Chinese — never a 500 and
never silently widened to "everything".
"""

from django import forms

from hall.paging import decode_cursor
from supervision.models import Warning

ALL = ("", "全部")


class CursorField(forms.CharField):
    """A page cursor (``<µs>_<id>``), cleaned to ``(raised_at, id)``, or None when empty."""

    default_error_messages = {"invalid": "翻页位置无效，请从第一页开始。"}

    def __init__(self, **kwargs):
        super().__init__(required=False, max_length=40, widget=forms.HiddenInput, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        cursor = decode_cursor(value)
        if cursor is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return cursor


class WarningFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label="类型", required=False, choices=[ALL, *Warning.Kind.choices],
        error_messages={"invalid_choice": "没有这种预警类型，请从列表中选择。"},
    )  # fmt: skip
    level = forms.ChoiceField(
        label="级别", required=False, choices=[ALL, *Warning.Level.choices],
        error_messages={"invalid_choice": "预警级别只能是黄牌或红牌。"},
    )  # fmt: skip
    department = forms.ChoiceField(
        label="承办部门", required=False, error_messages={"invalid_choice": "没有这个部门，请从列表中选择。"}
    )
    before = CursorField()
    after = CursorField()

    def __init__(self, *args, departments=(), **kwargs):
        """``departments``: the hall's departments, already read (their codes are the choices)."""
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [ALL, *((d.code, d.name) for d in departments)]

    def filters(self) -> dict:
        """The ``selectors.warning_list`` keyword arguments (only call once the form is valid)."""
        return {name: self.cleaned_data[name] for name in ("kind", "level", "department")}

    def filter_query(self) -> dict:
        """The filters as they should stay in the paging links."""
        return {name: value for name, value in self.filters().items() if value}
