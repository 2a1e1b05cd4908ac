"""The cases behind the dashboard's numbers (电子监察 · 办件列表): read-only, supervisors only.

Every number on the dashboard links here with its filters (department, state, due today / within 3
working days / overdue, an item, the day a case was received or finished). Rows open the read-only
case page. One page is one query of ``PAGE_SIZE + 1`` rows along an index (no COUNT): open cases by
their running deadline (``case_state_due_at``), received or finished ones newest first
(``case_submitted_at``, ``case_decided_at``).
"""

from datetime import date, datetime

from django import forms
from django.db.models import F
from django.shortcuts import render
from django.utils import timezone

from approvals.models import OPEN_STATES, Application, State
from approvals.selectors import due_by_q, due_soon_until, is_overdue, overdue_q
from approvals.serializers import mask_name
from approvals.views_workbench import DUE_KINDS, WorkingDaysFrom, deadline_badge
from hall import calendar
from hall.models import Department
from supervision.forms import TIERS
from supervision.selectors import in_tier
from supervision.views import supervisors_only

PAGE_SIZE = 50
DUE = [("", "不限"), ("overdue", "已超期"), ("today", "今日到期"), ("soon", "三个工作日内到期")]


class CaseFilterForm(forms.Form):
    department = forms.ChoiceField(label="承办部门", required=False,
                                   error_messages={"invalid_choice": "没有这个部门，请从列表中选择。"})  # fmt: skip
    tier = forms.ChoiceField(label="层级", required=False, choices=[("", "全部"), *TIERS],
                             error_messages={"invalid_choice": "层级只能是区级部门或乡镇（街道）。"})  # fmt: skip
    state = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部在办"), *((s, State(s).label) for s in OPEN_STATES)],
        error_messages={"invalid_choice": "没有这个在办状态，请从列表中选择。"},
    )  # fmt: skip
    due = forms.ChoiceField(label="期限", required=False, choices=DUE,
                            error_messages={"invalid_choice": "期限只能从列表中选择。"})  # fmt: skip
    item = forms.RegexField(label="事项编码", required=False, max_length=36, regex=r"^[A-Za-z0-9][A-Za-z0-9-]*$",
                            error_messages={"invalid": "事项编码只含字母、数字和连字符。"})  # fmt: skip
    received = forms.DateField(label="收件日", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    finished = forms.DateField(label="办结日", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    finished_from = forms.DateField(label="办结日起", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000, widget=forms.HiddenInput)

    def __init__(self, *args, departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", "全部"), *((d.code, d.name) for d in departments)]
        for name in ("received", "finished", "finished_from"):
            self.fields[name].error_messages["invalid"] = "请按 YYYY-MM-DD 填写日期。"

    def clean(self):
        data = super().clean()
        closed = data.get("received") or data.get("finished") or data.get("finished_from")
        if closed and (data.get("state") or data.get("due")):
            raise forms.ValidationError("按收件日、办结日查询时包括已办结的办件，不能再按在办状态或期限筛选。")
        return data

    def query(self) -> dict:
        """The filters as they stay in the paging links."""
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in self.cleaned_data.items()
                if v not in ("", None) and k != "page"}  # fmt: skip


def _day(d: date) -> tuple[datetime, datetime]:
    return datetime(d.year, d.month, d.day, tzinfo=calendar.SHANGHAI), calendar.end_of_day(d)


def cases_for(data: dict, now: datetime):
    """The filtered cases in the order of their index, and the column the order is by."""
    cases = Application.objects.select_related("item", "department").only(
        "id", "number", "state", "decision", "applicant_name", "submitted_at", "decided_at", "due_at",
        "accept_due", "decision_due", "delivery_due", "deadline_provisional", "item__code", "item__name",
        "department__name",
    )  # fmt: skip
    if data["department"]:
        cases = cases.filter(department__code=data["department"])
    if data["tier"]:  # 两级大厅: the township halls' cases, or the district departments'
        cases = cases.filter(department_id__in=in_tier(data["tier"]))
    if data["item"]:
        cases = cases.filter(item__code=data["item"])
    if data["received"]:
        start, end = _day(data["received"])
        return cases.filter(submitted_at__range=(start, end)).order_by("-submitted_at", "-id"), "received"
    if data["finished"] or data["finished_from"]:
        if data["finished"]:
            start, end = _day(data["finished"])
            cases = cases.filter(decided_at__range=(start, end))
        else:
            cases = cases.filter(decided_at__gte=_day(data["finished_from"])[0], decided_at__lte=now)
        return cases.order_by("-decided_at", "-id"), "finished"
    states = [data["state"]] if data["state"] else list(OPEN_STATES)
    cases = cases.filter(state=states[0]) if len(states) == 1 else cases.filter(state__in=states)
    if data["due"] == "overdue":
        cases = cases.filter(overdue_q(now))  # the one definition (approvals.selectors)
    elif data["due"]:
        until = due_soon_until(now) if data["due"] == "soon" else calendar.end_of_day(calendar.local_date(now))
        cases = cases.filter(due_by_q(now, until))
    return cases.order_by(F("due_at").asc(nulls_last=True), "id"), "due"


@supervisors_only
def cases(request):
    """办件列表: the cases behind a dashboard number, 50 a page, read-only."""
    now = timezone.now()
    departments = list(Department.objects.only("code", "name", "sort_order").order_by("sort_order", "code"))
    form = CaseFilterForm(request.GET, departments=departments, auto_id="c-%s")
    rows, more, order, status = [], False, "due", 200
    if form.is_valid():
        data = form.cleaned_data
        page = data["page"] or 1
        listed, order = cases_for(data, now)
        rows = list(listed[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
        more, rows = len(rows) > PAGE_SIZE, rows[:PAGE_SIZE]
        working_days = WorkingDaysFrom(calendar.local_date(now))
        for case in rows:
            case.masked_name = mask_name(case.applicant_name)
            case.due_kind = DUE_KINDS.get(case.state, "")
            case.overdue = is_overdue(case, now)
            running = case.state != State.SUSPENDED
            case.badge = deadline_badge(
                case.due_at, provisional=case.deadline_provisional, running=running, now=now, working_days=working_days
            )
    else:
        status, page = 400, 1
    context = {
        "form": form,
        "rows": rows,
        "order": order,
        "page": page,
        "query": form.query() if form.is_valid() else {},
        "more": more,
        "open_only": order == "due",
    }
    return render(request, "supervision/cases.html", context, status=status)
