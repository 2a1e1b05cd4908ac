"""The applicant rates the service on the portal's case page (好差评, "一事一评").

A good POST redirects back to the case page (PRG); form errors re-render the case page with the
messages next to the fields (400); a refused rating (not delivered yet, already rated: 409) comes back
as a message. Nothing a browser can send answers 500.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from approvals import selectors, services
from approvals.evaluation import (
    ALREADY_RATED,
    CASE_STAGES,
    change_evaluation,
    ensure_open_for_rating,
    is_rater,
    may_change,
)
from approvals.forms_evaluation import EvaluationForm
from approvals.models import Application, Evaluation
from approvals.views_portal import case_context
from hall.audit import client_ip
from hall.errors import Conflict, DomainError, OutsideScope

THANKS = "感谢您的评价！"
THANKS_BAD = "感谢您的评价。我们已转交承办部门核实整改，并将回访您。"


def _back(case: Application):
    return redirect(reverse("approvals:case", args=[case.number]) + "#rating")


def _render_with_errors(request, case: Application, form: EvaluationForm):
    context = case_context(request.user, case, True)
    context["evaluation_form"] = form
    return render(request, "approvals/portal/case.html", context, status=400)


@login_required
@require_POST
def evaluate(request, number: str):
    """服务评价: the case's applicant (or its filing agent) rates a stage of the case once, or changes that
    rating once within the edit window."""
    try:
        case = selectors.case_detail(request.user, number)
    except OutsideScope as exc:
        raise Http404(exc.detail) from exc
    if not is_rater(request.user, case):
        raise Http404("没有这个办件。")
    stage = request.POST.get("stage") or Evaluation.Stage.RESULT
    given = case.rating_for(stage) if stage in CASE_STAGES else None
    try:
        if given is None:
            ensure_open_for_rating(case, stage)  # the form is not on the page: say why instead of its errors
        elif not may_change(request.user, given):
            raise Conflict(ALREADY_RATED, code="already_rated")
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return _back(case)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return _back(case)
    form = EvaluationForm(request.POST, auto_id=f"rating-{stage}-%s")
    if not form.is_valid():
        return _render_with_errors(request, case, form)
    data = form.cleaned_data
    try:
        if given is None:
            evaluation = services.evaluate_service(
                case_id=case.pk, by=request.user, level=data["level"], comment=data["comment"], stage=stage,
                tags=data["tags"], channel=Evaluation.Channel.PC, ip=client_ip(request),
            )  # fmt: skip
        else:
            evaluation = change_evaluation(
                evaluation_id=given.pk, by=request.user, level=data["level"], comment=data["comment"],
                tags=data["tags"], ip=client_ip(request),
            )  # fmt: skip
    except ValidationError as exc:
        form.add_service_errors(exc)
        return _render_with_errors(request, case, form)
    except OutsideScope as exc:
        raise Http404(exc.detail) from exc
    except DomainError as exc:
        messages.error(request, exc.detail)
        return _back(case)
    messages.success(request, THANKS_BAD if evaluation.is_bad else THANKS)
    return _back(case)
