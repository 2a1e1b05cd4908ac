"""月度报告 pages: the reports generated (by the beat task on a month's first working day, or on
demand), their download, and the form that generates one now. Supervisors only."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from hall import calendar
from hall.audit import client_ip
from hall.roles import Role
from supervision import report, scores
from supervision.models import MonthlyReport
from supervision.views import supervisors_only
from supervision.views_scores import previous_month


@supervisors_only
def reports(request):
    rows = MonthlyReport.objects.select_related("generated_by").order_by("-month", "-generated_at")[:36]
    default = previous_month(calendar.local_date(timezone.now()))
    return render(request, "supervision/reports.html", {"reports": rows, "default_month": f"{default:%Y-%m}"})


@login_required
@require_POST
def generate(request):
    if not request.user.has_role(Role.SUPERVISOR):
        raise PermissionDenied("月度报告由监察人员生成。")
    try:
        month = scores.parse_month(request.POST.get("month", ""))
        row = report.generate_report(month=month, by=request.user, ip=client_ip(request))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, f"{row.month:%Y年%m月}月度报告已生成。")
    return redirect("supervision:reports")


@supervisors_only
def download(request, report_id: int):
    row = get_object_or_404(MonthlyReport, pk=report_id)
    try:
        handle = row.pdf.open("rb")
    except OSError as exc:
        raise Http404("报告文件缺失。") from exc
    response = FileResponse(handle, content_type="application/pdf", filename=f"月报-{row.month:%Y-%m}.pdf")
    response["X-Content-Type-Options"] = "nosniff"
    return response
