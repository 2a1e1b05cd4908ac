"""Fee pages: the applicant pays, the department assesses, the cashier collects (一口收费).

Views only read and call ``fees.services``; refused actions come back as messages or form errors.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from fees import selectors, services
from hall.errors import DomainError


@login_required
def pay(request, number: str):
    """缴费: the payment notice (lines, amount, 缴款码 with QR) and the way to pay; the receipt once paid."""
    case = selectors.party_case(request.user, number)
    if case is None:
        raise Http404("没有这个办件。")
    return render(request, "fees/pay.html", selectors.pay_context(request, case))


@login_required
@require_POST
def pay_simulator(request, number: str):
    """Pay through the built-in simulator of the unified payment platform (signed callback path)."""
    case = selectors.party_case(request.user, number)
    if case is None:
        raise Http404("没有这个办件。")
    try:
        payment = services.pay_with_simulator(case_id=case.pk, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        amount = services.yuan(payment.amount_fen)
        messages.success(request, f"缴费成功：{amount} 元，票据号码 {payment.receipt_number}。")
    return redirect("fees:pay", number=case.number)
