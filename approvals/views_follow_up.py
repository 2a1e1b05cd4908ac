"""差评整改 pages of the workbench: the department's ratings and follow-ups, the verification and
rectification forms, the appeal form (/workbench/follow-ups/, /workbench/ratings/). Views parse and
shape; ``approvals.follow_up`` decides and audits."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from approvals import follow_up as services
from approvals import rating_stats
from approvals.evaluation import tag_labels
from approvals.models import FollowUp, RatingAppeal
from approvals.scope import department_ids
from hall.audit import client_ip
from hall.errors import DomainError, OutsideScope
from hall.roles import DEPARTMENT_ROLES, Role

LIST_SIZE = 100
OPEN_FIRST = Case(
    When(state=FollowUp.State.OPEN, then=Value(0)), When(state=FollowUp.State.VERIFIED, then=Value(1)),
    default=Value(2), output_field=IntegerField(),
)  # fmt: skip


def _staff_only(user) -> None:
    if not (user.role_names & set(DEPARTMENT_ROLES) or user.has_role(Role.SUPERVISOR)):
        raise Http404("没有这个页面。")


def _message(request, exc: Exception) -> None:
    if isinstance(exc, ValidationError):
        texts = exc.message_dict.values() if hasattr(exc, "error_dict") else [exc.messages]
        messages.error(request, "；".join(t for group in texts for t in group))
    else:
        messages.error(request, exc.detail)


@login_required
@require_GET
def follow_ups(request):
    """The department's follow-ups, open ones first (by due), then the closed ones."""
    _staff_only(request.user)
    rows = services.follow_ups_for(request.user).order_by(OPEN_FIRST, "rectify_due", "-id")[:LIST_SIZE]
    return render(request, "approvals/workbench/follow_ups.html", {"follow_ups": list(rows)})


@login_required
@require_GET
def follow_up(request, follow_up_id: int):
    _staff_only(request.user)
    row = (
        services.follow_ups_for(request.user)
        .select_related("verified_by", "rectified_by")
        .filter(pk=follow_up_id)
        .first()
    )
    if row is None:
        raise Http404("没有这条差评整改。")
    appeal = RatingAppeal.objects.filter(evaluation_id=row.evaluation_id).first()
    context = {
        "f": row, "e": row.evaluation, "tags": tag_labels(row.evaluation), "appeal": appeal,
        "contact_methods": services.CONTACT_METHODS.items(), "grounds": RatingAppeal.Ground.choices,
        "may_act": services.is_department_staff(request.user, row.department_id),
    }  # fmt: skip
    return render(request, "approvals/workbench/follow_up.html", context)


def _back(follow_up_id: int):
    return redirect(reverse("approvals:follow_up", args=[follow_up_id]))


def _act(request, follow_up_id: int, call, success: str):
    """One department POST on a follow-up: the service call, then back with its outcome as a message."""
    try:
        call()
    except OutsideScope as exc:
        raise Http404(exc.detail) from exc
    except (DomainError, ValidationError) as exc:
        _message(request, exc)
    else:
        messages.success(request, success)
    return _back(follow_up_id)


@login_required
@require_POST
def verify(request, follow_up_id: int):
    post = request.POST
    return _act(request, follow_up_id, lambda: services.record_verification(
        follow_up_id=follow_up_id, by=request.user, contact_method=post.get("contact_method", ""),
        note=post.get("note", ""), ip=client_ip(request),
    ), "已登记回访核实情况。")  # fmt: skip


@login_required
@require_POST
def rectify(request, follow_up_id: int):
    post = request.POST
    return _act(request, follow_up_id, lambda: services.record_rectification(
        follow_up_id=follow_up_id, by=request.user, result=post.get("result", ""), ip=client_ip(request)
    ), "已登记整改结果，并告知评价人。")  # fmt: skip


@login_required
@require_POST
def appeal(request, follow_up_id: int):
    row = FollowUp.objects.filter(pk=follow_up_id).only("evaluation_id", "department_id").first()
    if row is None or not services.is_department_staff(request.user, row.department_id):
        raise Http404("没有这条差评整改。")
    post = request.POST
    return _act(request, follow_up_id, lambda: services.file_appeal(
        evaluation_id=row.evaluation_id, by=request.user, ground=post.get("ground", ""),
        reason=post.get("reason", ""), ip=client_ip(request),
    ), "申诉已提交，等待监察人员复核。")  # fmt: skip


@login_required
@require_GET
def ratings(request):
    """The ratings of the user's departments (好差评 visible to the department), newest first."""
    _staff_only(request.user)
    rows = rating_stats.ratings_for_departments(department_ids(request.user))[:LIST_SIZE]
    return render(request, "approvals/workbench/ratings.html", {"ratings": list(rows)})
