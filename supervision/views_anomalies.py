"""异常行为 (/supervision/anomalies/): what the anomaly rules (``supervision.rules``) flagged, newest
first, 50 a page ("next page" keyset paging, ``hall.paging``: no COUNT, no OFFSET), filtered by rule,
department and the days they were detected. Each row names its rule, reason and legal basis, its
evidence (events, payments, assessments, notices, ratings, linked to the read-only case pages) and
offers a 督办 prefilled from it. Supervisors only: anonymous users go to the login page, other roles
get 403. A constant number of queries: the departments (the filter), one page with its joins."""

from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from hall import paging
from hall.models import Department
from hall.roles import Role
from supervision.anomalies import anomaly_list, evidence
from supervision.forms import ALL, CursorField
from supervision.models import Anomaly
from supervision.rules import BY_CODE

PAGE_SIZE = 50


class AnomalyFilterForm(forms.Form):
    rule = forms.ChoiceField(
        label="规则", required=False, choices=[ALL, *Anomaly.Rule.choices],
        error_messages={"invalid_choice": "没有这条规则，请从列表中选择。"},
    )  # fmt: skip
    department = forms.ChoiceField(
        label="部门", required=False, error_messages={"invalid_choice": "没有这个部门，请从列表中选择。"}
    )
    before = CursorField()
    after = CursorField()

    def __init__(self, *args, departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [ALL, *((d.code, d.name) for d in departments)]

    def clean(self):
        data = super().clean()
        if data.get("from") and data.get("to") and data["from"] > data["to"]:
            self.add_error("to", "结束日期不能早于开始日期。")
        return data

    def filters(self) -> dict:
        data = self.cleaned_data
        return {"rule": data["rule"], "department": data["department"], "start": data["from"], "end": data["to"]}

    def filter_query(self) -> dict:
        data = self.cleaned_data
        query = {name: data[name] for name in ("rule", "department") if data[name]}
        query.update({name: data[name].isoformat() for name in ("from", "to") if data[name]})
        return query


# ``from`` and ``to`` are Python keywords (the API names them so too).
for _name, _label in (("from", "发现日期自"), ("to", "至")):
    AnomalyFilterForm.base_fields[_name] = forms.DateField(
        label=_label, required=False, widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "请按 YYYY-MM-DD 填写日期。"},
    )  # fmt: skip


def _shape(anomaly: Anomaly) -> Anomaly:
    """The rule's words and the evidence, read from the row itself (no query)."""
    anomaly.rule_entry = BY_CODE[anomaly.rule]
    anomaly.items = evidence(anomaly)
    return anomaly


@never_cache
@login_required
@require_GET
def anomalies(request):
    """异常行为: conduct, not a clock — each anomaly with its reason, basis and evidence, and a 督办."""
    if not request.user.has_role(Role.SUPERVISOR):
        raise PermissionDenied("电子监察仅供监察人员使用。")
    departments = list(Department.objects.only("code", "name", "sort_order").order_by("sort_order", "code"))
    form = AnomalyFilterForm(request.GET, departments=departments, auto_id="f-%s")
    page, status = None, 200
    if form.is_valid():
        data = form.cleaned_data
        page = paging.newest_first(anomaly_list(**form.filters()), field="detected_at", size=PAGE_SIZE,
                                   older=data["before"], newer=data["after"])  # fmt: skip
        page.rows = [_shape(row) for row in page.rows]
    else:
        status = 400
    query = form.filter_query() if form.is_valid() else {}
    url = reverse("supervision:anomalies")
    context = {
        "form": form,
        "filtered": bool(query),
        "page": page,
        "first_page": bool(page and not page.previous_cursor and not form.cleaned_data["before"]),
        "first_page_url": f"{url}?{urlencode(query)}" if query else url,
        "page_size": PAGE_SIZE,
        "rules": [BY_CODE[code] for code in Anomaly.Rule.values],
    }
    response = render(request, "supervision/anomalies.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response
