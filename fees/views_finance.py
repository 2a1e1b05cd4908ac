"""Finance pages (财务): the day's reconciliation report (对账报告) and the treasury view (国库报表, CSV/XLSX).

Who may open them: the finance office (the ``fees.view_treasury`` permission, given to its group), the
hall's cashiers and supervisors; anyone else gets 403 (role pages: they name no object).
"""

from datetime import date, timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from fees import treasury
from fees.models import PaymentAnomaly, ReconciliationRun
from hall.roles import Role

MAX_DAYS = 366


def _may_read(user) -> bool:
    return user.has_role(Role.CASHIER) or user.has_role(Role.SUPERVISOR) or user.has_perm("fees.view_treasury")


def _day(text: str | None, default: date) -> date:
    if not text:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Http404("日期格式应为 YYYY-MM-DD。") from None


@never_cache
@login_required
@require_GET
def reconciliation(request, day: str | None = None):
    """对账报告 for one day: the run's totals and progress, collections by department, item and channel,
    and the differences (anomalies found that day)."""
    if not _may_read(request.user):
        raise PermissionDenied("对账报告仅供财务、收费和监察人员查看。")
    the_day = _day(day or request.GET.get("date"), timezone.localdate() - timedelta(days=1))
    runs = list(ReconciliationRun.objects.filter(day=the_day))
    data = treasury.rows(the_day, the_day)
    context = {
        "day": the_day, "runs": runs, "totals": treasury.totals(data),
        "running": any(r.status == ReconciliationRun.Status.RUNNING for r in runs),
        "differences": list(PaymentAnomaly.objects.filter(day=the_day).select_related("assessment").order_by("id")),
        "previous": the_day - timedelta(days=1), "next": the_day + timedelta(days=1),
    }  # fmt: skip
    response = render(request, "fees/reconciliation.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@login_required
@require_GET
def treasury_view(request):
    """国库报表: totals per department, item, channel and day with the legal basis per fee line; ``?format=csv``
    or ``xlsx`` downloads the same rows."""
    if not _may_read(request.user):
        raise PermissionDenied("国库报表仅供财务、收费和监察人员查看。")
    today = timezone.localdate()
    end = _day(request.GET.get("to"), today)
    start = _day(request.GET.get("from"), end.replace(day=1))
    if start > end or (end - start).days > MAX_DAYS:
        raise Http404("日期范围无效（起日不晚于止日，至多一年）。")
    data = treasury.rows(start, end)
    fmt = request.GET.get("format", "")
    name = f"treasury-{start:%Y%m%d}-{end:%Y%m%d}"
    if fmt == "csv":
        response = HttpResponse(treasury.as_csv(data), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    if fmt == "xlsx":
        body = treasury.as_xlsx(data, title=f"收费汇总 {start} 至 {end}")
        response = HttpResponse(body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    context = {"start": start, "end": end, "rows": data, "totals": treasury.totals(data)}
    response = render(request, "fees/treasury.html", context)
    response["Cache-Control"] = "private, no-store"
    return response
