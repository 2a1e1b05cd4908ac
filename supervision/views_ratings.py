"""好差评 for supervisors: the appeals (申诉复核) to review, and the ratings' export link. Views parse and
shape; ``approvals.follow_up.review_appeal`` decides and audits (a supervisor's act is a review, not a
change of the case)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from approvals.evaluation import tag_labels
from approvals.follow_up import review_appeal
from approvals.models import RatingAppeal
from hall.audit import client_ip
from hall.errors import DomainError, OutsideScope
from hall.roles import Role
from supervision.views import supervisors_only

LIST_SIZE = 100
PENDING_FIRST = Case(
    When(state=RatingAppeal.State.PENDING, then=Value(0)), default=Value(1), output_field=IntegerField()
)


@supervisors_only
def appeals(request):
    rows = list(
        RatingAppeal.objects.select_related(
            "evaluation", "evaluation__application", "evaluation__window", "evaluation__item", "department", "filed_by"
        ).order_by(PENDING_FIRST, "-filed_at", "-id")[:LIST_SIZE]
    )
    for row in rows:
        row.tag_labels = tag_labels(row.evaluation)
    return render(request, "supervision/appeals.html", {"appeals": rows})


@login_required
@require_POST
def review(request, appeal_id: int):
    if not request.user.has_role(Role.SUPERVISOR):
        raise PermissionDenied("仅供监察人员使用。")
    decision = request.POST.get("decision")
    if decision not in ("uphold", "reject"):
        messages.error(request, "请选择复核结论。")
        return redirect(reverse("supervision:appeals"))
    try:
        review_appeal(appeal_id=appeal_id, by=request.user, uphold=decision == "uphold",
                      note=request.POST.get("note", ""), ip=client_ip(request))  # fmt: skip
        messages.success(request, "已复核。")
    except OutsideScope as exc:
        raise Http404(exc.detail) from exc
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    except DomainError as exc:
        messages.error(request, exc.detail)
    return redirect(reverse("supervision:appeals") + f"#appeal-{appeal_id}")
