"""Pages of the reform modes (issue 17): the applicant signs the 告知承诺书 on the case page; the
department works through its 事后核查 list (reviewers and approvers)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from approvals import commitments
from approvals.forms_reform import CommitmentForm, VerificationForm
from approvals.models import Application, State, Verification
from approvals.scope import case_for
from hall.audit import client_ip
from hall.errors import DomainError, OutsideScope, error_texts

VERIFICATION_ROWS = 100


def commitment_context(case: Application, is_party: bool) -> dict:
    """What the case page shows of 告知承诺制: the text to sign (a draft of a tell-and-commit item, by its
    filer), the materials it may replace, the commitments already signed, a restriction if any."""
    version = case.item_version
    if not version.tell_and_commit or not version.commitment_text:
        return {"tell_and_commit": False}
    committed = commitments.committed_requirement_ids(case)
    choices = [r for r in version.materials.all() if r.commitment_allowed and r.pk not in committed]
    signable = is_party and case.state == State.DRAFT and bool(choices)
    restriction = commitments.active_restriction(case.applicant_id_number, case.item_id) if signable else None
    return {
        "tell_and_commit": True,
        "commitment_text": version.commitment_text,
        "verification_days": version.verification_days,
        "commitment_form": CommitmentForm(requirements=choices) if signable and not restriction else None,
        "commitment_restriction": commitments.restriction_message(restriction) if restriction else "",
        "signed_commitments": getattr(case, "signed_commitments", None) or list(case.commitments.all()),
    }


@login_required
@require_POST
def sign_commitment(request, number: str):
    """签署告知承诺书 (portal): the chosen materials and the applicant's agreement, then the service."""
    try:
        case = case_for(request.user, number)
    except OutsideScope as exc:
        raise Http404(exc.detail) from exc
    choices = case.item_version.materials.filter(commitment_allowed=True)
    form = CommitmentForm(request.POST, requirements=choices)
    if not form.is_valid():
        for errors in form.errors.values():
            for text in errors:
                messages.error(request, text)
    else:
        try:
            commitments.sign_commitment(case_id=case.pk, by=request.user, ip=client_ip(request),
                                        requirement_ids=form.cleaned_data["requirement_ids"])  # fmt: skip
        except (DomainError, ValidationError) as exc:
            for text in error_texts(exc):
                messages.error(request, text)
        else:
            messages.success(request, "已签署告知承诺书；所承诺的材料无需提交，决定后将事后核查。")
    return redirect(reverse("approvals:case", args=[case.number]) + "#commitment")


def _verifier(request) -> None:
    if not request.user.is_authenticated:
        raise PermissionDenied
    if not request.user.role_names & set(commitments.VERIFIERS):
        raise PermissionDenied("承诺核查由本部门审查或审批人员办理。")


@login_required
def verifications(request):
    """事后核查 (workbench): the department's verification tasks, pending first by due instant."""
    _verifier(request)
    rows = list(commitments.open_verifications_for(request.user)[:VERIFICATION_ROWS])
    return render(request, "approvals/workbench/verifications.html", {
        "rows": rows, "form": VerificationForm(), "pending": sum(1 for v in rows if v.outcome == "pending"),
    })  # fmt: skip


@login_required
@require_POST
def verify(request, verification_id: int):
    """核查结论: true closes the task; false tells the approvers, who revoke on the case page."""
    _verifier(request)
    form = VerificationForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择核查结论。")
        return redirect("approvals:work_verifications")
    try:
        verification = commitments.record_verification(
            verification_id=verification_id, by=request.user, ip=client_ip(request), **form.cleaned_data
        )
    except OutsideScope as exc:
        raise Http404(exc.detail) from exc
    except (DomainError, ValidationError) as exc:
        for text in error_texts(exc):
            messages.error(request, text)
        return redirect("approvals:work_verifications")
    if verification.outcome == Verification.Outcome.FALSE:
        messages.warning(
            request, f"已记录：承诺不实。审批人员将在办件 {verification.application.number} 页撤销准予决定。"
        )
    else:
        messages.success(request, f"已记录：办件 {verification.application.number} 承诺属实。")
    return redirect("approvals:work_verifications")
