"""一次一评 pages: the pad at the window (/pad/<window>/), the SMS rating link (/r/<token>/), the clerk's
form that sends the link, and the export of ratings in the provincial shape. Views parse and shape;
``approvals.visits`` and ``approvals.rating_export`` decide."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from approvals import rating_export, visits
from approvals.evaluation import WINDOW_INDICATORS, tag_labels
from approvals.models import Evaluation
from approvals.scope import department_ids
from hall.audit import client_ip
from hall.errors import DomainError, OutsideScope
from hall.roles import DEPARTMENT_ROLES, Role

LEVELS = [(value, label) for value, label in Evaluation.Level.choices]  # 5 … 1, best first


def _errors(exc: ValidationError) -> dict:
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


@login_required
@require_http_methods(["GET", "POST"])
def pad(request, window: str):
    """评价器: the kiosk page at the window. Each screen carries one visit key; after a rating the pad
    thanks the visitor and offers a fresh screen for the next one."""
    try:
        counter = visits.window_for(request.user, window)
    except OutsideScope as exc:
        raise Http404(exc.detail) from exc
    context = {"window": counter, "levels": LEVELS, "indicators": WINDOW_INDICATORS.items()}
    status = 200
    if request.method == "POST":
        try:
            evaluation = visits.rate_visit(
                token=request.POST.get("token", ""), salt=visits.PAD_SALT, level=request.POST.get("level"),
                comment=request.POST.get("comment", ""), tags=request.POST.getlist("tags"),
                channel=Evaluation.Channel.HALL_TABLET, ip=client_ip(request),
            )  # fmt: skip
            return render(request, "approvals/ratings/pad_thanks.html", {**context, "evaluation": evaluation})
        except ValidationError as exc:
            context["errors"], status = _errors(exc), 400
            context["chosen"] = request.POST.get("level", "")
            context["comment"] = request.POST.get("comment", "")
            context["token"] = request.POST.get("token", "")
        except DomainError as exc:
            context["refused"], status = exc.detail, exc.status_code
    if "token" not in context or context.get("refused"):
        try:
            context["token"], context["visit"] = visits.pad_visit(
                counter, case_number=request.GET.get("case", ""), ticket_number=request.GET.get("ticket", "")
            )
        except ValidationError as exc:
            context["errors"], status = _errors(exc), 400
            context["token"], context["visit"] = visits.pad_visit(counter)
    return render(request, "approvals/ratings/pad.html", context, status=status)


@require_http_methods(["GET", "POST"])
def link(request, token: str):
    """The SMS rating link: rate the visit once; afterwards the rating and its follow-up are shown."""
    try:
        given = visits.visit_rating(token)
    except visits.LinkExpired as exc:
        return render(request, "approvals/ratings/link.html", {"expired": exc.detail}, status=410)
    except OutsideScope as exc:
        raise Http404(exc.detail) from exc
    context = {"token": token, "levels": LEVELS, "indicators": WINDOW_INDICATORS.items(), "given": given}
    status = 200
    if request.method == "POST" and given is None:
        try:
            visits.rate_visit(
                token=token, salt=visits.LINK_SALT, level=request.POST.get("level"),
                comment=request.POST.get("comment", ""), tags=request.POST.getlist("tags"),
                channel=Evaluation.Channel.SMS, by=request.user, ip=client_ip(request),
            )  # fmt: skip
            messages.success(request, "感谢您的评价！")
            return redirect(reverse("approvals:rating_link", args=[token]))
        except ValidationError as exc:
            context["errors"], status = _errors(exc), 400
            context["chosen"], context["comment"] = request.POST.get("level", ""), request.POST.get("comment", "")
        except visits.LinkExpired as exc:
            return render(request, "approvals/ratings/link.html", {"expired": exc.detail}, status=410)
        except DomainError as exc:
            context["refused"], status = exc.detail, exc.status_code
    if given is not None:
        context["tags"] = tag_labels(given)
        context["follow_up"] = getattr(given, "follow_up", None)
    return render(request, "approvals/ratings/link.html", context, status=status)


@login_required
@require_POST
def send_link(request, window: str):
    """The clerk sends the visitor the rating link by SMS (from the pad page's staff strip)."""
    try:
        visits.send_rating_link(
            window_number=window, by=request.user, phone=request.POST.get("phone", ""),
            case_number=request.POST.get("case_number", ""), ticket_number=request.POST.get("ticket_number", ""),
            ip=client_ip(request),
        )  # fmt: skip
        messages.success(request, "评价短信已发送。")
    except OutsideScope as exc:
        raise Http404(exc.detail) from exc
    except ValidationError as exc:
        messages.error(request, "；".join(t for texts in _errors(exc).values() for t in texts))
    except DomainError as exc:
        messages.error(request, exc.detail)
    return redirect(reverse("approvals:rating_pad", args=[window]))


def _day(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
@require_GET
def export(request, fmt: str):
    """The ratings in the provincial 好差评 shape: a department's staff their departments', supervisors
    all; ``?from=YYYY-MM-DD&to=YYYY-MM-DD`` by rating day."""
    user = request.user
    if fmt not in ("csv", "xlsx"):
        raise Http404("没有这种格式。")
    if user.has_role(Role.SUPERVISOR) or user.is_superuser:
        scope = None
    elif user.role_names & set(DEPARTMENT_ROLES):
        scope = department_ids(user)
    else:
        raise Http404("没有这个页面。")
    ratings = rating_export.ratings_in(scope, _day(request.GET.get("from", "")), _day(request.GET.get("to", "")))
    if fmt == "csv":
        response = HttpResponse(rating_export.as_csv(ratings), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            rating_export.as_xlsx(ratings),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="haochaping.{fmt}"'
    return response
