"""退费 (refunds) on the workbench: the case's fee page lists what was paid and refunded; a clerk or
cashier of the department requests a refund with a reason, an approver (not the requester) approves
it and it is executed through the gateway (``fees.services``). Staff outside the department get 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from fees import selectors, services
from fees.models import RefundRequest
from fees.money import parse_yuan
from hall import audit
from hall.errors import DomainError
from hall.models import StaffMembership
from hall.roles import Role


def _case(request, number: str):
    case = selectors.staff_case(number)
    if case is None or not StaffMembership.objects.filter(user=request.user, department_id=case.department_id).exists():
        raise Http404("没有这个办件。")
    return case


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def refunds(request, number: str):
    """The page (GET) and a new request (POST: 退款金额（元）, 退款理由)."""
    case = _case(request, number)
    errors = {}
    if request.method == "POST":
        try:
            amount = parse_yuan(request.POST.get("amount", ""))
        except ValueError:
            errors["amount"] = "请填写退款金额（元），如 30 或 30.50。"
            amount = None
        if amount is not None:
            try:
                services.request_refund(case_id=case.pk, by=request.user, amount_fen=amount,
                                        reason=request.POST.get("reason", ""), ip=audit.client_ip(request))  # fmt: skip
            except ValidationError as exc:
                for key, value in exc.message_dict.items():
                    errors["amount" if key == "amount_fen" else key] = " ".join(value)
            except DomainError as exc:
                messages.error(request, exc.detail)
                return redirect("fees:refunds", number=case.number)
            else:
                messages.success(request, "已提交退费申请，待审批人员审批后退款。")
                return redirect("fees:refunds", number=case.number)
    assessment = selectors.assessment_of(case)
    rows = (
        list(assessment.refund_requests.select_related("requested_by", "approved_by").order_by("id"))
        if assessment
        else []
    )
    for row in rows:
        row.executed = getattr(row, "refund", None) if row.status == RefundRequest.Status.EXECUTED else None
    context = {
        "case": case, "assessment": assessment, "rows": rows, "errors": errors, "form": request.POST,
        "may_request": request.user.has_role(Role.CLERK) or request.user.has_role(Role.CASHIER),
        "may_approve": request.user.has_role(Role.APPROVER),
        "work_case_url": reverse("approvals:work_case", args=[case.number]),
    }  # fmt: skip
    response = render(request, "fees/refunds.html", context, status=400 if errors else 200)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def approve(request, number: str, refund_id: int):
    case = _case(request, number)
    try:
        done = services.approve_refund(case_id=case.pk, request_id=refund_id, by=request.user,
                                       ip=audit.client_ip(request))  # fmt: skip
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, f"已批准退款 {services.yuan(done.amount_fen)} 元，已原路退回并通知申请人。")
    return redirect("fees:refunds", number=case.number)
