"""办件抽查 pages: the draws (抽取 with the month and N per department; each draw's seed and whether it
replays), the drawn cases with their auditors, and the finding form for the auditor's own cases.
Supervisors only; ``supervision.sampling`` draws, records and audits."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from hall.audit import client_ip
from hall.errors import DomainError
from hall.roles import Role
from supervision import sampling, scores
from supervision.models import SampledCase, SamplingDraw
from supervision.views import supervisors_only


class DrawForm(forms.Form):
    month = forms.CharField(label="月份", widget=forms.DateInput(attrs={"type": "month"}))
    per_department = forms.IntegerField(label="每部门抽取件数", min_value=1, max_value=sampling.MAX_PER_DEPARTMENT,
                                        initial=3)  # fmt: skip


def _guard(request):
    if not request.user.has_role(Role.SUPERVISOR):
        raise PermissionDenied("办件抽查由监察人员办理。")


def _act(request, service, **kwargs):
    try:
        return service(by=request.user, ip=client_ip(request), **kwargs)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    except DomainError as exc:
        messages.error(request, exc.detail)
    return None


@supervisors_only
def draws(request):
    """抽查记录: the draws, newest first, with the form for a new one."""
    rows = SamplingDraw.objects.select_related("drawn_by").order_by("-month")[:24]
    return render(request, "supervision/sampling.html", {"draws": rows, "form": DrawForm(auto_id="draw-%s")})


@login_required
@require_POST
def new_draw(request):
    _guard(request)
    form = DrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写月份（YYYY-MM）和 1 至 50 的抽取件数。")
        return redirect("supervision:sampling")
    try:
        month = scores.parse_month(form.cleaned_data["month"])
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("supervision:sampling")
    record = _act(request, sampling.draw, month=month, per_department=form.cleaned_data["per_department"])
    if record is None:
        return redirect("supervision:sampling")
    messages.success(request, f"已抽取 {record.cases.count()} 件，随机种子 {record.seed}。")
    return redirect("supervision:sampling_draw", draw_id=record.pk)


@supervisors_only
def draw_detail(request, draw_id: int):
    """一次抽查: its seed, whether the seed replays to the same sample, the cases and the findings."""
    record = get_object_or_404(SamplingDraw.objects.select_related("drawn_by"), pk=draw_id)
    cases = record.cases.select_related("application", "department", "auditor", "order").order_by("position")
    context = {"draw": record, "cases": cases, "verified": sampling.verify(record),
               "outcomes": [SampledCase.Outcome.COMPLIANT, SampledCase.Outcome.ISSUES]}  # fmt: skip
    return render(request, "supervision/sampling_draw.html", context)


@login_required
@require_POST
def finding(request, sample_id: int):
    _guard(request)
    post = request.POST
    sample = _act(request, sampling.record_finding, sample_id=sample_id, outcome=post.get("outcome", ""),
                  finding=post.get("finding", ""), open_order=post.get("open_order") == "1")  # fmt: skip
    if sample is not None:
        messages.success(request, "检查结论已记录。" + ("已发出督办。" if sample.order_id else ""))
    draw_id = SampledCase.objects.filter(pk=sample_id).values_list("draw_id", flat=True).first()
    return redirect(reverse("supervision:sampling_draw", args=[draw_id]) if draw_id else "supervision:sampling")
