"""Fees (一口收费): assess what a case owes, collect it once — at the collection window or through the
unified payment platform — and book every payment exactly once.

行政许可法 art. 58: no fee without a law or administrative regulation; art. 59: only the published
standards, all to the treasury. So an assessment only charges standards of the case's own item
version, fixed amounts are not editable, and a payment must match the outstanding amount exactly
(a different amount is refused and kept as an anomaly for reconciliation, 核销).

``approvals`` asks ``is_settled`` before delivering an approved licence and shows ``summary`` as the
case's ``fees``. Applications are loaded through the app registry: fees never imports approvals.
"""

import hashlib
import hmac
import secrets
from datetime import datetime

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from stdnum import luhn

from catalog.models import FeeStandard
from catalog.templatetags.catalog_tags import yuan
from fees import callbacks, gateways, signals
from fees.callbacks import BadSignature as BadSignature
from fees.models import (
    Assessment,
    AssessmentLine,
    Payment,
    PaymentAnomaly,
    ReceiptSequence,
    Refund,
    RefundRequest,
)  # fmt: skip
from hall import audit
from hall.errors import Conflict, NotPermitted, OutsideScope
from hall.errors import DomainError as DomainError  # kept importable from here
from hall.models import StaffMembership, User
from hall.notify import notify
from hall.roles import Role

# Case states (approvals.models.State values) in which fees may be assessed: accepted and not yet delivered.
ASSESSABLE_STATES = {"accepted", "under_review", "suspended", "awaiting_decision", "decided"}
CLOSED_STATES = {"withdrawn", "terminated", "rejected"}
ASSESSORS = (Role.CLERK, Role.REVIEWER, Role.CASHIER)
WAIVERS = (Role.APPROVER,)  # 减免 is approved by an approver (a second person: not the assessor)
REFUND_REQUESTERS = (Role.CLERK, Role.CASHIER)
REFUND_APPROVERS = (Role.APPROVER,)
MAX_QUANTITY = 99
MAX_RULE_AMOUNT_FEN = 100_000_000  # 100 万元: a typo guard for rule-based amounts
CANCELLED_CODE = "该缴款码已作废（办件已不予许可、撤回或终止办理），不能缴费。"
RECEIPT_CODE = "33010026"  # 票据代码: 区划 33 01 + 分类 00 + 种类 26 (one hall's prefix; configurable later)


def _applications():
    return apps.get_model("approvals", "Application")


# --- the seam approvals relies on -------------------------------------------------------------------


def is_settled(application) -> bool:
    """The delivery gate (issue 15): an item that charges fees is settled only by an assessment that is
    paid in full or waived (减免, approved by an approver); an item that charges nothing always is."""
    if not application.item_version.charges_fees:
        return True
    assessment = Assessment.objects.filter(application_id=application.pk).only("status").first()
    return assessment is not None and assessment.status in (Assessment.Status.PAID, Assessment.Status.WAIVED)


def unsettled_reason(application) -> str:
    """Why an approved result may not be delivered yet ("" when its fees are settled)."""
    if is_settled(application):
        return ""
    assessment = Assessment.objects.filter(application_id=application.pk).only("status", "due_fen", "paid_fen").first()
    if assessment is None:
        return "本事项收费，尚未核定收费：请先核定收费并由申请人缴清（或经审批人员批准减免）后送达许可证件。"
    return f"尚有应缴费用 {yuan(assessment.outstanding_fen)} 元未结清，缴费后方可送达许可证件。"


def summary(application) -> dict:
    """The ``fees`` part of the case shape: ``{due_fen, paid_fen, refunded_fen, waived_fen, payment_code,
    status}`` (status ``none`` when nothing is assessed, else the assessment's: due, paid, waived,
    cancelled)."""
    cached = getattr(application, "_fee_summary", None)  # one query per case object and page
    if cached is not None:
        return dict(cached)
    try:
        assessment = application.fee_assessment  # no query when the caller select_related it
    except ObjectDoesNotExist:
        assessment = None
    if assessment is None:
        result = {"due_fen": 0, "paid_fen": 0, "refunded_fen": 0, "waived_fen": 0, "payment_code": None,
                  "status": "none"}  # fmt: skip
    else:
        result = {"due_fen": assessment.due_fen, "paid_fen": assessment.paid_fen,
                  "refunded_fen": assessment.refunded_fen, "waived_fen": assessment.waived_fen,
                  "payment_code": assessment.payment_code, "status": assessment.status}  # fmt: skip
    application._fee_summary = result
    return dict(result)


# --- who may ----------------------------------------------------------------------------------------


def fee_staff_departments(user: User, roles=ASSESSORS):
    return StaffMembership.objects.filter(user=user, role__in=roles).values("department_id")


def _is_fee_staff(user: User, department_id: int, roles=ASSESSORS) -> bool:
    return StaffMembership.objects.filter(user=user, department_id=department_id, role__in=roles).exists()


def _is_party(user: User, case) -> bool:
    return user.pk in (case.owner_id, case.filed_by_id)


def _locked_case(case_id: int, by: User):
    """The case row-locked for an assessment, if ``by`` is fee staff of its department (404 otherwise)."""
    case = (
        _applications().objects.select_for_update(of=("self",))
        .filter(pk=case_id, department_id__in=fee_staff_departments(by)).first()
    )  # fmt: skip
    if case is None:
        raise OutsideScope("没有这个办件。")
    return case


# --- assessment -------------------------------------------------------------------------------------


def _new_payment_code() -> str:
    """20 digits, the last a Luhn check digit so that a mistyped code is caught at the window."""
    body = f"{secrets.randbelow(10**19):019d}"
    return body + luhn.calc_check_digit(body)


def _clean_lines(case, lines) -> list[AssessmentLine]:
    """The assessed lines: published standards of the case's own version (art. 59), fixed amounts ×
    quantity, rule-based amounts entered with their calculation. Errors keyed ``lines.<n>.<field>``."""
    if not isinstance(lines, list | tuple) or not lines:
        raise ValidationError({"lines": ["请至少选择一项收费标准。"]})
    standards = {s.pk: s for s in FeeStandard.objects.filter(version_id=case.item_version_id)}
    errors, cleaned, seen = {}, [], set()
    for n, line in enumerate(lines):
        line = line if isinstance(line, dict) else {}
        try:
            standard = standards.get(int(line.get("standard_id")))
        except (TypeError, ValueError):
            standard = None
        if standard is None:
            errors[f"lines.{n}.standard_id"] = ["不是本事项公布的收费标准（行政许可法第五十九条）。"]
            continue
        if standard.pk in seen:
            errors[f"lines.{n}.standard_id"] = ["同一收费标准只能列一次，请填写数量。"]
            continue
        seen.add(standard.pk)
        try:
            quantity = int(1 if line.get("quantity") in (None, "") else line.get("quantity"))
        except (TypeError, ValueError):
            quantity = 0
        if not 1 <= quantity <= MAX_QUANTITY:
            errors[f"lines.{n}.quantity"] = [f"数量须为 1 至 {MAX_QUANTITY}。"]
            continue
        note = str(line.get("note") or "").strip()[:200]
        if standard.amount_fen is not None:
            amount = standard.amount_fen * quantity
        else:
            try:
                amount = int(line.get("amount_fen"))
            except (TypeError, ValueError):
                amount = 0
            if not 0 < amount <= MAX_RULE_AMOUNT_FEN:
                errors[f"lines.{n}.amount_fen"] = [f"“{standard.name}”按规则计费，请填写核定金额（分）。"]
                continue
            if not note:
                errors[f"lines.{n}.note"] = ["按规则计费的，请写明计算过程。"]
                continue
        cleaned.append(AssessmentLine(standard=standard, name=standard.name, basis=standard.basis,
                                      quantity=quantity, amount_fen=amount, note=note))  # fmt: skip
    if errors:
        raise ValidationError(errors)
    return cleaned


def assessment_refused(case, assessment: Assessment | None) -> str:
    """Why the assessment cannot be made or corrected now ("" when it can): the service refuses with
    these words and the pages show them instead of the form."""
    if not case.item_version.charges_fees:
        return "本事项不收费（行政许可法第五十八条）。"
    if case.decision == "denied":
        return "已作出不予决定的办件不收费。"
    if case.state in CLOSED_STATES:
        return f"办件已{case.get_state_display().removeprefix('已')}，不收费（没有许可结果不应收费）。"
    if assessment is not None and assessment.status == Assessment.Status.WAIVED:
        return "本件收费已经审批减免，不能再更改。"
    if assessment is not None and assessment.status == Assessment.Status.CANCELLED:
        return "本件缴款码已作废。"
    if case.state not in ASSESSABLE_STATES:
        return f"办件当前状态为“{case.get_state_display()}”，不能核定收费：受理后、送达前方可核定。"
    if assessment is not None and assessment.paid_fen:
        return "已缴费，不能再更改核定金额。"
    return ""


def assess_fees(*, case_id: int, by: User, lines: list[dict], ip=None) -> Assessment:
    """核定收费: the department's clerk, reviewer or cashier lists the published standards that apply.
    Until something is paid the assessment may be corrected (it is replaced, with the same 缴款码);
    the applicant is told once, with the amount and the way to pay."""
    with transaction.atomic():
        case = _locked_case(case_id, by)
        assessment = Assessment.objects.select_for_update().filter(application=case).first()
        if refusal := assessment_refused(case, assessment):
            raise Conflict(refusal)
        cleaned = _clean_lines(case, lines)
        total = sum(line.amount_fen for line in cleaned)
        if assessment is None:
            assessment = _create_assessment(case, by, total)
        else:
            assessment.lines.all().delete()
            assessment.due_fen, assessment.assessed_by, assessment.assessed_at = total, by, timezone.now()
            assessment.revision += 1
            assessment.save(update_fields=["due_fen", "assessed_by", "assessed_at", "revision"])
        for line in cleaned:
            line.assessment = assessment
        AssessmentLine.objects.bulk_create(cleaned)
        signals.assessed.send(sender=Assessment, application=case, at=assessment.assessed_at)
        audit.record("fees.assess", case.number, actor=by, ip=ip, due_fen=total,
                     lines=[{"standard_id": x.standard_id, "quantity": x.quantity, "amount_fen": x.amount_fen}
                            for x in cleaned])  # fmt: skip
        notify(case.owner, kind="fees_due", title=f"缴费通知：{case.number} 应缴 {yuan(total)} 元",
               body=f"您的办件“{case.item.name}”需缴费 {yuan(total)} 元，缴款码 {assessment.payment_code}。"
                    "请在网上缴费，或到政务服务中心收费窗口一次缴清。",
               url=reverse("fees:pay", args=[case.number]))  # fmt: skip
    return assessment


def _create_assessment(case, by: User, total: int = 0, **fields) -> Assessment:
    for _ in range(5):
        try:
            with transaction.atomic():
                return Assessment.objects.create(
                    application=case, department_id=case.department_id, payment_code=_new_payment_code(),
                    payer_name=case.applicant_name, assessed_by=by, **{"due_fen": total, **fields},
                )  # fmt: skip
        except IntegrityError:
            if Assessment.objects.filter(application=case).exists():
                raise Conflict("该办件已由他人核定收费，请刷新后查看。") from None
    raise Conflict("缴款码生成冲突，请重试。")


# --- payment ----------------------------------------------------------------------------------------


def _next_receipt_number(year: int) -> str:
    ReceiptSequence.objects.get_or_create(year=year)
    row = ReceiptSequence.objects.select_for_update().get(year=year)
    row.value += 1
    row.save(update_fields=["value"])
    return f"{RECEIPT_CODE[:6]}{year % 100:02d}-{row.value:010d}"


def _book(assessment: Assessment, *, amount_fen: int, channel: str, transaction_id: str, paid_at: datetime,
          by: User | None, ip=None) -> Payment:  # fmt: skip
    """Book one payment of the whole outstanding amount; the assessment is paid and the applicant told."""
    payment = Payment.objects.create(
        assessment=assessment, amount_fen=amount_fen, channel=channel, transaction_id=transaction_id,
        paid_at=paid_at, recorded_by=by, receipt_number=_next_receipt_number(timezone.localdate(paid_at).year),
    )  # fmt: skip
    assessment.paid_fen += amount_fen
    assessment.status, assessment.paid_at = Assessment.Status.PAID, paid_at
    assessment.save(update_fields=["paid_fen", "status", "paid_at"])
    case = assessment.application
    signals.paid.send(sender=Payment, application=case, at=paid_at, payment=payment)
    audit.record("fees.pay", case.number, actor=by, ip=ip, amount_fen=amount_fen, channel=channel,
                 transaction_id=transaction_id, receipt=payment.receipt_number)  # fmt: skip
    notify(case.owner, kind="fees_paid", title=f"缴费成功：{case.number} 已缴 {yuan(amount_fen)} 元",
           body=f"票据号码 {payment.receipt_number}。可在办件页面下载收费票据。",
           url=reverse("fees:pay", args=[case.number]))  # fmt: skip
    return payment


def collect_at_window(*, payment_code: str, by: User, amount_fen, channel: str, ip=None) -> Payment:
    """收费窗口 (一口收费): any cashier of the hall collects the whole outstanding amount of any department's
    缴款码 by cash, card or QR code."""
    if channel not in (Payment.Channel.CASH, Payment.Channel.CARD, Payment.Channel.QR):
        raise ValidationError({"channel": ["请选择现金、银行卡或扫码支付。"]})
    with transaction.atomic():
        assessment = (
            Assessment.objects.select_for_update(of=("self",)).select_related("application")
            .filter(payment_code=str(payment_code or "").strip()).first()
        )  # fmt: skip
        # 一口收费: the hall's collection point takes every department's codes; departments limit who assesses.
        if not by.has_role(Role.CASHIER):
            raise OutsideScope("收费窗口仅供收费人员使用。")
        if assessment is None:
            raise OutsideScope("没有这个缴款码。")
        if assessment.status in (Assessment.Status.PAID, Assessment.Status.WAIVED):
            raise Conflict("该缴款码已缴清，请勿重复收费。")
        if assessment.status != Assessment.Status.CANCELLED:
            if amount_fen != assessment.outstanding_fen:
                raise ValidationError({"amount_fen": [f"须一次缴清应缴金额 {yuan(assessment.outstanding_fen)} 元。"]})
            transaction_id = f"W{timezone.now():%Y%m%d%H%M%S}{secrets.token_hex(4).upper()}"
            return _book(assessment, amount_fen=amount_fen, channel=channel, transaction_id=transaction_id,
                         paid_at=timezone.now(), by=by, ip=ip)  # fmt: skip
    # A cancelled code (the case was denied, withdrawn or terminated): refused and kept as an anomaly.
    PaymentAnomaly.objects.create(
        gateway="window", reason=PaymentAnomaly.Reason.CANCELLED_CODE, payment_code=assessment.payment_code,
        amount_fen=amount_fen if isinstance(amount_fen, int) else None, assessment=assessment,
        body={"channel": channel, "cashier": by.username},
    )  # fmt: skip
    raise ValidationError({"payment_code": [CANCELLED_CODE]})


def sign(body: bytes) -> str:
    """The simulator gateway's signature: hex HMAC-SHA256 of the raw body keyed by FEES_SIMULATOR_SECRET."""
    return hmac.new(settings.FEES_SIMULATOR_SECRET.encode(), body, hashlib.sha256).hexdigest()


def record_gateway_payment(*, gateway: str, body: bytes, signature: str, ip=None) -> tuple[Payment, bool]:
    """A payment notification from the platform (``POST /api/v1/fees/callback/<gateway>``): signed,
    idempotent per transaction id, checked, and logged whatever the outcome (``fees.callbacks``)."""
    return callbacks.receive(gateway=gateway, body=body, signature=signature, ip=ip)


def pay_with_simulator(*, case_id: int, by: User) -> Payment:
    """The applicant pays online: the built-in simulator stands in for the unified payment platform
    (统一公共支付平台) and posts its signed notification through the same path as the real one."""
    case = _applications().objects.filter(pk=case_id).first()
    if case is None or not _is_party(by, case):
        raise OutsideScope("没有这个办件。")
    assessment = Assessment.objects.filter(application=case).first()
    if assessment is None or assessment.status != Assessment.Status.DUE:
        raise Conflict("没有待缴的费用。")
    from fees import reconcile

    return reconcile.simulator_pay(assessment.payment_code, assessment.outstanding_fen)


def may_assess(user: User, case) -> bool:
    return _is_fee_staff(user, case.department_id)


def may_waive(user: User, case) -> bool:
    """减免 is decided by an approver of the case's department (``waive_fees`` checks it again)."""
    return _is_fee_staff(user, case.department_id, WAIVERS)


# --- the gate: waivers (减免) and closing a case ------------------------------------------------------


def _locked_case_for(case_id: int, by: User, roles, refusal: str):
    """The case row-locked, if ``by`` is staff of its department (404 otherwise) holding one of ``roles``
    (403 otherwise: they see the case but may not do this)."""
    case = (
        _applications().objects.select_for_update(of=("self",))
        .filter(pk=case_id, department_id__in=StaffMembership.objects.filter(user=by).values("department_id"))
        .first()
    )  # fmt: skip
    if case is None:
        raise OutsideScope("没有这个办件。")
    if not _is_fee_staff(by, case.department_id, roles):
        raise NotPermitted(refusal)
    return case


def waive_fees(
    *, case_id: int, by: User, reason: str, basis: str, lines: list[dict] | None = None, ip=None
) -> Assessment:
    """减免: an approver of the department waives the case's fees with the legal reason and basis. The
    lines waived are ``lines`` if given, else the current (unpaid) assessment's; the assessment is then
    settled at 0 (``waived``), audited, and its receipt (收费票据) reads 实收 0 元 with the waiver."""
    reason, basis = str(reason or "").strip(), str(basis or "").strip()
    errors = {}
    if not reason:
        errors["waiver.reason"] = ["请写明减免理由。"]
    if not basis:
        errors["waiver.basis"] = ["请写明减免依据（法律、法规或规章条款）。"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        case = _locked_case_for(case_id, by, WAIVERS, "减免须经审批人员批准：只有本部门的审批人员可以决定减免。")
        assessment = Assessment.objects.select_for_update().filter(application=case).first()
        if refusal := assessment_refused(case, assessment):
            raise Conflict(refusal)
        if assessment is not None and assessment.assessed_by_id == by.pk:
            raise NotPermitted("减免须由核定人以外的审批人员批准（双人复核）。")
        cleaned = _clean_lines(case, lines) if lines else None
        now = timezone.now()
        if cleaned is None:
            waived = assessment.due_fen if assessment is not None else 0
        else:
            waived = sum(line.amount_fen for line in cleaned)
        fields = {"status": Assessment.Status.WAIVED, "due_fen": 0, "waived_fen": waived, "waiver_reason": reason,
                  "waiver_basis": basis, "waived_by": by, "waived_at": now}  # fmt: skip
        if assessment is None:
            assessment = _create_assessment(case, by, **fields)
        else:
            for name, value in fields.items():
                setattr(assessment, name, value)
            assessment.save(update_fields=[*fields])
        if cleaned is not None:
            assessment.lines.all().delete()
            for line in cleaned:
                line.assessment = assessment
            AssessmentLine.objects.bulk_create(cleaned)
        signals.paid.send(sender=Assessment, application=case, at=now, payment=None)
        audit.record("fees.waive", case.number, actor=by, ip=ip, waived_fen=waived, reason=reason, basis=basis)
        notify(case.owner, kind="fees_waived", title=f"收费减免：{case.number}",
               body=f"您的办件“{case.item.name}”应缴费用 {yuan(waived)} 元经审批予以减免，无需缴费。依据：{basis}",
               url=reverse("fees:pay", args=[case.number]))  # fmt: skip
    return assessment


def close_fees(case, *, by: User | None, action: str, reason: str = "", ip=None) -> None:
    """Called by ``approvals`` inside the transaction that denies, withdraws or terminates ``case`` (its
    row locked): no licence, no fee (arts. 58, 59, 75). An unpaid assessment is cancelled — its 缴款码
    then refuses payment (400 + anomaly); what was paid is refunded at once through the gateway
    (a mandatory refund: no discretion is left, so no second approval is waited for)."""
    assessment = Assessment.objects.select_for_update().filter(application=case).first()
    if assessment is None:
        return
    why = {"deny": "办件已作出不予决定", "withdraw": "申请人已撤回申请", "terminate": "办件已终止办理"}.get(
        action, "办件已办结"
    )
    if assessment.status == Assessment.Status.DUE and not assessment.paid_fen:
        assessment.status, assessment.cancelled_at, assessment.cancel_reason = (
            Assessment.Status.CANCELLED,
            timezone.now(),
            why,
        )
        assessment.save(update_fields=["status", "cancelled_at", "cancel_reason"])
        audit.record("fees.cancel", case.number, actor=by, ip=ip, payment_code=assessment.payment_code, reason=why)
        notify(case.owner, kind="fees_cancelled", title=f"缴款码已作废：{case.number}",
               body=f"{why}，本件不再收费，缴款码 {assessment.payment_code} 已作废，请勿缴费。",
               url=reverse("fees:pay", args=[case.number]))  # fmt: skip
        return
    pending = assessment.refundable_fen - _requested_fen(assessment)
    if pending > 0:
        request = RefundRequest.objects.create(
            assessment=assessment, amount_fen=pending, automatic=True, requested_by=by,
            reason=f"{why}，依法退还已缴费用（行政许可法第七十五条）。",
        )  # fmt: skip
        _execute_refund(assessment, request, approved_by=None, ip=ip)


# --- refunds ----------------------------------------------------------------------------------------


def _requested_fen(assessment: Assessment) -> int:
    return sum(
        assessment.refund_requests.filter(status=RefundRequest.Status.REQUESTED).values_list("amount_fen", flat=True)
    )


def _amount(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationError({"amount_fen": ["退款金额须为正整数（分）。"]})
    try:
        amount = int(value)
    except ValueError:
        raise ValidationError({"amount_fen": ["退款金额须为正整数（分）。"]}) from None
    if amount <= 0:
        raise ValidationError({"amount_fen": ["退款金额须大于 0。"]})
    return amount


def request_refund(*, case_id: int, by: User, amount_fen, reason: str, ip=None) -> RefundRequest:
    """退费申请 by a clerk or cashier of the case's department, with a reason; never more than was paid
    net of earlier refunds and of requests still awaiting approval (400)."""
    amount = _amount(amount_fen)
    reason = str(reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["请写明退款理由。"]})
    with transaction.atomic():
        case = _locked_case_for(case_id, by, REFUND_REQUESTERS, "退费须由本部门窗口工作人员或收费人员申请。")
        assessment = Assessment.objects.select_for_update().filter(application=case).first()
        if assessment is None or not assessment.paid_fen:
            raise Conflict("本件没有缴费记录，无可退款项。")
        available = assessment.refundable_fen - _requested_fen(assessment)
        if amount > available:
            raise ValidationError({"amount_fen": [
                f"退款金额不能超过已缴金额扣除已退及待审批退款后的 {yuan(max(available, 0))} 元。"]})  # fmt: skip
        request = RefundRequest.objects.create(assessment=assessment, amount_fen=amount, reason=reason[:1000],
                                               requested_by=by)  # fmt: skip
        audit.record("fees.refund_request", case.number, actor=by, ip=ip, refund_request=request.pk,
                     amount_fen=amount, reason=reason)  # fmt: skip
    return request


def approve_refund(*, case_id: int, request_id: int, by: User, ip=None) -> RefundRequest:
    """审批退费 by an approver of the department who is not the requester (双人复核); executed at once
    through the gateway; 409 if already executed."""
    with transaction.atomic():
        case = _locked_case_for(case_id, by, REFUND_APPROVERS, "退费须由本部门审批人员审批。")
        assessment = Assessment.objects.select_for_update().filter(application=case).first()
        request = (
            RefundRequest.objects.select_for_update().filter(pk=request_id, assessment=assessment).first()
            if assessment is not None else None
        )  # fmt: skip
        if request is None:
            raise OutsideScope("没有这个退费申请。")
        if request.status != RefundRequest.Status.REQUESTED:
            raise Conflict(f"该退费申请{request.get_status_display()}，不能再次审批。")
        if request.requested_by_id == by.pk:
            raise NotPermitted("审批人不能是退费申请人（双人复核）：请由另一位审批人员审批。")
        if request.amount_fen > assessment.refundable_fen:
            raise ValidationError({"amount_fen": [f"退款金额超过可退金额 {yuan(assessment.refundable_fen)} 元。"]})
        _execute_refund(assessment, request, approved_by=by, ip=ip)
    return request


def _next_refund_number(year: int) -> str:
    sequences = apps.get_model("approvals", "NumberSequence")
    key = f"fees-refund-{year}"
    sequences.objects.get_or_create(key=key)
    row = sequences.objects.select_for_update().get(key=key)
    row.value += 1
    row.save(update_fields=["value"])
    return f"{RECEIPT_CODE[:6]}{year % 100:02d}-T{row.value:09d}"


def _execute_refund(assessment: Assessment, request: RefundRequest, *, approved_by: User | None, ip=None) -> Refund:
    """Move the money back through the gateway of the (last) payment, then book the immutable ledger row.
    A gateway refusal is a 409 and nothing is booked (the request stays to be approved again)."""
    payment = assessment.payments.order_by("created_at", "id").last()
    try:
        gateway = gateways.for_payment_channel(payment.channel)
        result = gateway.refund(transaction_id=payment.transaction_id, amount_fen=request.amount_fen,
                                reference=f"RF{request.pk}", reason=request.reason)  # fmt: skip
    except gateways.GatewayError as exc:
        raise Conflict(f"退款渠道未能退款：{exc}") from None
    refund = Refund.objects.create(
        assessment=assessment, request=request, amount_fen=request.amount_fen, gateway=gateway.name,
        refund_id=result.refund_id, refunded_at=result.refunded_at, approved_by=approved_by,
        receipt_number=_next_refund_number(timezone.localdate(result.refunded_at).year),
    )  # fmt: skip
    assessment.refunded_fen += request.amount_fen
    assessment.save(update_fields=["refunded_fen"])
    request.status, request.approved_by, request.approved_at = (
        RefundRequest.Status.EXECUTED,
        approved_by,
        timezone.now(),
    )
    request.save(update_fields=["status", "approved_by", "approved_at"])
    case = assessment.application
    signals.refunded.send(sender=Refund, application=case, at=result.refunded_at, refund=refund)
    audit.record("fees.refund", case.number, actor=approved_by, ip=ip, refund_request=request.pk,
                 amount_fen=refund.amount_fen, gateway=gateway.name, refund_id=refund.refund_id,
                 receipt=refund.receipt_number, automatic=request.automatic)  # fmt: skip
    notify(case.owner, kind="fees_refunded", title=f"退款通知：{case.number} 退还 {yuan(refund.amount_fen)} 元",
           body=f"{request.reason} 退款凭证号 {refund.receipt_number}，款项将原路退回。可在办件页面下载退款凭证。",
           url=reverse("fees:pay", args=[case.number]))  # fmt: skip
    return refund
