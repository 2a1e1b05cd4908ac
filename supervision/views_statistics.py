"""统计分析 page (信息服务): the hall's figures for a range, with charts, and their CSV/XLSX export.

Supervisors only (``views.supervisors_only``). A handful of aggregate statements whatever the number
of cases (``supervision.statistics``); the charts (ECharts, ``static/js/statistics.js``) draw the
page's JSON and every chart has its table as text beside it.
"""

from datetime import timedelta
from urllib.parse import urlencode

from django import forms
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from hall import calendar
from hall.models import Department
from supervision import exports, statistics
from supervision.serializers_statistics import MAX_RANGE_DAYS
from supervision.views import supervisors_only

ALL = ("", "全部")
LEVEL_CHOICES = [ALL, ("district", "县（区）级"), ("township", "乡镇（街道）级")]


class StatisticsForm(forms.Form):
    department = forms.ChoiceField(label="部门", required=False,
                                   error_messages={"invalid_choice": "没有这个部门，请从列表中选择。"})  # fmt: skip
    level = forms.ChoiceField(label="层级", required=False, choices=LEVEL_CHOICES,
                              error_messages={"invalid_choice": "层级只能是县（区）级或乡镇（街道）级。"})  # fmt: skip

    def __init__(self, *args, departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [ALL, *((d.code, d.name) for d in departments)]

    def clean(self):
        data = super().clean()
        first, last = data.get("from"), data.get("to")
        if first and last and first > last:
            self.add_error("to", "结束日期不能早于开始日期。")
        elif first and last and last - first > timedelta(days=MAX_RANGE_DAYS):
            self.add_error("to", f"统计区间最长 {MAX_RANGE_DAYS} 天。")
        return data


for _name, _label in (("from", "统计日期自"), ("to", "至")):
    StatisticsForm.base_fields[_name] = forms.DateField(
        label=_label, required=False, widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "请按 YYYY-MM-DD 填写日期。"},
    )  # fmt: skip


def _read(request):
    """The form and, when valid, the period and filters (the current month to date by default)."""
    departments = list(Department.objects.only("code", "name", "sort_order").order_by("sort_order", "code"))
    form = StatisticsForm(request.GET, departments=departments, auto_id="f-%s")
    if not form.is_valid():
        return form, None, {}
    today = calendar.local_date(timezone.now())
    first = form.cleaned_data["from"] or today.replace(day=1)
    last = form.cleaned_data["to"] or max(today, first)
    return form, statistics.Period(first, last), {k: form.cleaned_data[k] for k in ("department", "level")}


def _percent(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _plain(value) -> str:
    return "—" if value is None else str(value)


@supervisors_only
def statistics_page(request):
    """统计分析: received, accepted, finished and the rates for the range, per level and department,
    per day or month, working days per item, the 3550 figures, visitors once recorded."""
    form, period, filters = _read(request)
    if period is None:
        return render(request, "supervision/statistics.html", {"form": form}, status=400)
    figures = statistics.figures(period, **filters)
    query = urlencode({"from": period.first.isoformat(), "to": period.last.isoformat(),
                       **{k: v for k, v in filters.items() if v}})  # fmt: skip
    total = figures["total"]
    cards = [
        ("收件", total["received"], ""), ("受理", total["accepted"], f"其中视为受理 {total['deemed']}"),
        ("办结", total["finished"], f"不予 {total['denied']}"),
        ("办结率", _percent(total["completion_rate"]), "办结 ÷ 受理"),
        ("按时办结率", _percent(total["on_time_rate"]), "特别程序时间不计"),
        ("网上申报率", _percent(total["online_share"]), "目标 80%"),
        ("不见面占比", _percent(total["no_visit_share"]), "网上申报且邮寄或电子送达"),
        ("即办件占比", _percent(total["instant_share"]), ""),
        ("件均补正", _plain(total["corrections_per_case"]), "补正轮次 ÷ 办结"),
        ("平均用时", _plain(total["avg_days_used"]),
         f"承诺 {total['avg_days_committed'] or '—'} 个工作日"),
    ]  # fmt: skip
    chart = {
        "series": figures["series"], "goal": statistics.ONLINE_GOAL,
        "departments": [{"name": d["department"]["name"], "on_time_rate": d["on_time_rate"],
                         "completion_rate": d["completion_rate"], "online_share": d["online_share"]}
                        for d in figures["departments"]],
        "items": figures["items"][:15], "tff": figures["three_five_fifty"],
    }  # fmt: skip
    context = {"form": form, "figures": figures, "period": period, "cards": cards, "chart_data": chart,
               "export_csv": f"{reverse('supervision:statistics_export', args=['csv'])}?{query}",
               "export_xlsx": f"{reverse('supervision:statistics_export', args=['xlsx'])}?{query}"}  # fmt: skip
    return render(request, "supervision/statistics.html", context)


CONTENT_TYPES = {"csv": "text/csv; charset=utf-8",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}  # fmt: skip


@supervisors_only
def statistics_export(request, fmt: str):
    """The same figures as CSV (the summary table) or XLSX (summary, items, 3550, trend)."""
    form, period, filters = _read(request)
    if period is None:
        return render(request, "supervision/statistics.html", {"form": form}, status=400)
    figures = statistics.figures(period, **filters)
    body = exports.as_csv(figures) if fmt == "csv" else exports.as_xlsx(figures)
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="statistics-{period.first}-{period.last}.{fmt}"'
    return response
