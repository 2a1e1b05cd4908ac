"""The warnings list's GET filters (电子监察 预警列表): kind, level, department, open or resolved, the
days they were raised, and the page cursor.

A value the form does not know is an error shown next to its field, in Chinese — never a 500 and
never silently widened to "everything".
"""

from django import forms

from hall.models import Department
from hall.paging import decode_cursor
from supervision.models import Warning

ALL = ("", "全部")
# 两级大厅: the department's level (GB/T 39046 A.2 codes, ``hall.Department.Level``)
TIERS = [(Department.Level.DISTRICT.value, "区级部门"), (Department.Level.TOWNSHIP.value, "乡镇（街道）")]


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
    tier = forms.ChoiceField(
        label="层级", required=False, choices=[ALL, *TIERS],
        error_messages={"invalid_choice": "层级只能是区级部门或乡镇（街道）。"},
    )  # fmt: skip
    open = forms.ChoiceField(
        label="状态", required=False, choices=[("true", "未解除"), ("false", "已解除"), ("all", "全部")],
        error_messages={"invalid_choice": "状态只能是未解除、已解除或全部。"},
    )  # fmt: skip
    before = CursorField()
    after = CursorField()

    def __init__(self, *args, departments=(), **kwargs):
        """``departments``: the hall's departments, already read (their codes are the choices)."""
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [ALL, *((d.code, d.name) for d in departments)]

    def clean(self):
        data = super().clean()
        since, until = data.get("from"), data.get("to")
        if since and until and since > until:
            self.add_error("to", "结束日期不能早于开始日期。")
        return data

    def filters(self) -> dict:
        """The ``selectors.warning_list`` keyword arguments (only call once the form is valid)."""
        data = self.cleaned_data
        return {
            "kind": data["kind"], "level": data["level"], "department": data["department"], "tier": data["tier"],
            "open": data["open"] or "true", "since": data["from"], "until": data["to"],
        }  # fmt: skip

    def filter_query(self) -> dict:
        """The filters as they should stay in the paging links (the default, open ones, left out)."""
        data = self.cleaned_data
        query = {name: data[name] for name in ("kind", "level", "department", "tier") if data[name]}
        if data["open"] and data["open"] != "true":
            query["open"] = data["open"]
        query.update({name: data[name].isoformat() for name in ("from", "to") if data[name]})
        return query


# ``from`` and ``to`` (the raised day's range, as the statistics API names it) are Python keywords.
for _name, _label in (("from", "预警日期自"), ("to", "至")):
    WarningFilterForm.base_fields[_name] = forms.DateField(
        label=_label, required=False, widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "请按 YYYY-MM-DD 填写日期。"},
    )  # fmt: skip
