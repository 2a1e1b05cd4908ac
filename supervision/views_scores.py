"""绩效评估 pages: the month's ranking of departments and windows with each part beside the total, and
the act that publishes (closes) the month or corrects it with a new version. Supervisors only; views
parse and shape, ``supervision.scores`` computes, freezes and audits."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from hall import calendar
from hall.audit import client_ip
from hall.errors import DomainError
from hall.roles import Role
from supervision import scores
from supervision.views import supervisors_only


def previous_month(today: date) -> date:
    first = today.replace(day=1)
    return date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)


def _month(request) -> tuple[date | None, str]:
    text = request.GET.get("month") or request.POST.get("month") or ""
    if not text:
        return previous_month(calendar.local_date(timezone.now())), ""
    try:
        return scores.parse_month(text), ""
    except ValidationError as exc:
        return None, "；".join(exc.messages)


@supervisors_only
def ranking(request):
    """绩效排名: the month (the previous one by default) — published (frozen, its versions listed) or a
    live preview — departments and windows ranked, the formula's parts in columns."""
    month, error = _month(request)
    if month is None:
        return render(request, "supervision/scores.html", {"error": error}, status=400)
    data = scores.month_scores(month)
    labels = [(rule["key"], rule["label"], rule["weight"]) for rule in data["formula"]]
    context = {"data": data, "month": month, "labels": labels, "month_value": f"{month:%Y-%m}",
               "api": f"{reverse('api-supervision-scores')}?month={month:%Y-%m}"}  # fmt: skip
    return render(request, "supervision/scores.html", context)


@login_required
@require_POST
def publish(request):
    """发布 / 更正: freezes the month's scores (a correction needs its reason)."""
    if not request.user.has_role(Role.SUPERVISOR):
        raise PermissionDenied("绩效评估由监察人员发布。")
    month, error = _month(request)
    if month is None:
        messages.error(request, error)
        return redirect("supervision:scores")
    try:
        sheet = scores.publish_month(month=month, by=request.user, reason=request.POST.get("reason", ""),
                                     ip=client_ip(request))  # fmt: skip
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, f"{month:%Y年%m月}绩效评估已发布（第 {sheet.version} 版），此后不再随办件变化。")
    return redirect(f"{reverse('supervision:scores')}?month={month:%Y-%m}")
