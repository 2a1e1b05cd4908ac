"""Staff fee pages: the department assesses (核定收费), the cashier collects (收费窗口, 一口收费).

Who may open them:
- ``assess``: the clerk, reviewer or cashier of the case's department (``services.may_assess``);
  anyone else gets 404 — outside one's scope a case does not exist (DESIGN.md, Permissions).
- ``cashier``: users with the cashier role; anyone else gets 403. The page names no object (a
  role's page, like the workbench queue), so refusing openly reveals nothing. It is the hall's single
  collection point (一口收费): every department's 缴款码 is collected there; departments only limit who
  assesses.

Views parse, pick the object in the user's scope and call ``fees.services``; a ``ValidationError``
comes back next to its field (400), any other refusal as a message on the refreshed page. Cases are
reached through the app registry and URL names only: fees does not import approvals.
"""

from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from fees import selectors, services, till
from fees.forms import AssessForm, CollectForm, SearchForm, TillCloseForm
from fees.models import Assessment, Payment
from fees.money import capital_yuan
from hall import audit
from hall.errors import DomainError, OutsideScope
from hall.roles import Role

CASHIER_ROLES = (Role.CASHIER,)


# --- 核定收费 ---------------------------------------------------------------------------------------------


def _assess_page(request, case, assessment, form, *, status: int = 200):
    context = {
        "case": case,
        "assessment": assessment,
        "lines": list(assessment.lines.all()) if assessment else [],
        "blocked": services.assessment_refused(case, assessment),
        "form": form,
        "rows": form.rows() if form is not None else [],
        "work_case_url": reverse("approvals:work_case", args=[case.number]),
    }
    response = render(request, "fees/assess.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def assess(request, number: str):
    """核定收费: tick the published standards that apply (quantities; amounts for rule-based ones).
    Until something is paid the assessment may be corrected; the applicant is notified each time."""
    case = selectors.staff_case(number)
    if case is None or not services.may_assess(request.user, case):
        raise Http404("没有这个办件。")
    assessment = selectors.assessment_of(case)
    standards = case.item_version.fees.all()
    blocked = services.assessment_refused(case, assessment)
    if request.method == "GET":
        form = None if blocked else AssessForm(standards=standards, assessment=assessment, auto_id="fee-%s")
        return _assess_page(request, case, assessment, form)
    if blocked:
        messages.error(request, blocked)
        return redirect("fees:assess", number=case.number)
    form = AssessForm(request.POST, standards=standards, assessment=assessment, auto_id="fee-%s")
    if form.is_valid():
        try:
            saved = services.assess_fees(
                case_id=case.pk, by=request.user, lines=form.cleaned_data["lines"], ip=audit.client_ip(request)
            )
        except ValidationError as exc:
            form.apply_service_errors(exc)
        except OutsideScope as exc:
            raise Http404(exc.detail) from exc
        except DomainError as exc:
            messages.error(request, exc.detail)
            return redirect("fees:assess", number=case.number)
        else:
            due = services.yuan(saved.due_fen)
            messages.success(request, f"已核定收费：应缴 {due} 元，缴款码 {saved.payment_code}，已通知申请人。")
            return redirect(reverse("approvals:work_case", args=[case.number]))
    return _assess_page(request, case, assessment, form, status=400)


# --- 收费窗口 ---------------------------------------------------------------------------------------------


def _today_bounds():
    start = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    return start, start + timedelta(days=1)


def _cashier_url(query: str = "") -> str:
    url = reverse("fees:cashier")
    return f"{url}?{urlencode({'q': query})}" if query else url


def _found_context(found: Assessment | None) -> dict:
    if found is None:
        return {"found": None}
    payments = list(found.payments.all())
    return {
        "found": found,
        "found_lines": list(found.lines.all()),
        "found_payments": payments,
        "capital": capital_yuan(found.due_fen),
        "receipt_url": reverse("approvals:notice", args=[found.application.number, "receipt"]) if payments else None,
        "payment_notice_url": reverse("approvals:notice", args=[found.application.number, "payment"]),
    }


def _cashier_page(request, *, search: SearchForm, found=None, collect=None, close=None, status: int = 200):
    start, end = _today_bounds()
    me = request.user
    totals = selectors.collections_total(start, end, by=me)
    day = timezone.localdate()
    closing = till.closing_of(me, day)
    context = {
        "search": search,
        "collect": collect,
        "today": list(selectors.collections_between(start, end, by=me)),
        "today_count": totals["count"] or 0,
        "today_total": totals["total"] or 0,
        "till": till.ledger_of(me, day),
        "closing": closing,
        "close": None if closing else (close or TillCloseForm(auto_id="till-%s")),
        "outstanding": list(selectors.outstanding()),
        **_found_context(found),
    }
    response = render(request, "fees/cashier.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def cashier(request):
    """收费窗口 (一口收费): find any department's 缴款码 or case number (typed or scanned), collect the whole
    outstanding amount by cash, card or QR code, hand over the receipt; my collections today, the till's
    日结, and what is still due in the hall."""
    if not request.user.has_role(Role.CASHIER):
        raise PermissionDenied("收费窗口仅供收费人员使用。")
    if request.method == "POST" and request.POST.get("action") == "close_till":
        return _close_till(request)
    if request.method == "POST":
        return _collect(request)
    search = SearchForm(request.GET if "q" in request.GET else None, auto_id="search-%s")
    found, collect = None, None
    if search.is_bound and search.is_valid():
        found = selectors.window_assessment(search.query())
        if found is None:
            search.add_error("q", "没有这个缴款码或办件编号。")
        elif found.status == Assessment.Status.DUE:
            # Cash is the common case at the window; the cashier changes it for card or QR code.
            initial = {"payment_code": found.payment_code, "channel": Payment.Channel.CASH,
                       "amount": services.yuan(found.outstanding_fen)}  # fmt: skip
            collect = CollectForm(initial=initial, auto_id="collect-%s")
    return _cashier_page(request, search=search, found=found, collect=collect)


def _close_till(request):
    """日结 (POST): the counted cash, card and QR amounts against my ledger of today."""
    close = TillCloseForm(request.POST, auto_id="till-%s")
    if close.is_valid():
        try:
            closing = till.close_till(by=request.user, day=timezone.localdate(), **close.amounts(),
                                      note=close.cleaned_data["note"], ip=audit.client_ip(request))  # fmt: skip
        except DomainError as exc:
            messages.error(request, exc.detail)
        else:
            diff = closing.difference_fen
            kind = "长款" if diff > 0 else "短款"
            amount = services.yuan(abs(diff))
            text = "实点与台账一致。" if diff == 0 else f"实点与台账相差 {amount} 元（{kind}），已记录。"
            messages.success(request, "已日结。" + text)
        return redirect(_cashier_url())
    return _cashier_page(request, search=SearchForm(auto_id="search-%s"), close=close, status=400)


def _collect(request):
    """收款 (POST): the service checks scope, the amount (the whole outstanding one) and double payment."""
    collect = CollectForm(request.POST, auto_id="collect-%s")
    code = "".join(str(collect.data.get("payment_code", ""))[:40].split())
    if collect.is_valid():
        try:
            payment = services.collect_at_window(
                payment_code=collect.cleaned_data["payment_code"], by=request.user,
                amount_fen=collect.cleaned_data["amount"], channel=collect.cleaned_data["channel"],
                ip=audit.client_ip(request),
            )  # fmt: skip
        except ValidationError as exc:
            collect.apply_service_errors(exc)
        except DomainError as exc:  # not found / not ours (404), already paid (409)
            messages.error(request, exc.detail)
            return redirect(_cashier_url(code) if exc.status_code != 404 else _cashier_url())
        else:
            messages.success(
                request, f"已收款 {services.yuan(payment.amount_fen)} 元（{payment.get_channel_display()}），"
                f"票据号码 {payment.receipt_number}。",
            )  # fmt: skip
            return redirect(_cashier_url(code))
    found = selectors.window_assessment(code) if code else None
    if found is None or found.status != Assessment.Status.DUE:
        messages.error(request, "没有待收费的缴款码，请重新查询。")
        return redirect(_cashier_url(code) if found else _cashier_url())
    search = SearchForm({"q": code}, auto_id="search-%s")
    search.is_valid()
    return _cashier_page(request, search=search, found=found, collect=collect, status=400)
