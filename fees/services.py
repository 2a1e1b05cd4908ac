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
import json
import secrets
from datetime import datetime

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from stdnum import luhn

from catalog.models import FeeStandard
from catalog.templatetags.catalog_tags import yuan
from fees import signals
from fees.models import Assessment, AssessmentLine, Payment, PaymentAnomaly, ReceiptSequence
from hall import audit
from hall.errors import Conflict, DomainError, OutsideScope
from hall.models import StaffMembership, User
from hall.notify import notify
from hall.roles import Role

# Case states (approvals.models.State values) in which fees may be assessed: accepted and not yet delivered.
ASSESSABLE_STATES = {"accepted", "under_review", "suspended", "awaiting_decision", "decided"}
ASSESSORS = (Role.CLERK, Role.REVIEWER, Role.CASHIER)
MAX_QUANTITY = 99
MAX_RULE_AMOUNT_FEN = 100_000_000  # 100 万元: a typo guard for rule-based amounts
RECEIPT_CODE = "33010026"  # 票据代码: 区划 33 01 + 分类 00 + 种类 26 (one hall's prefix; configurable later)


class BadSignature(DomainError):
    code = "bad_signature"


def _applications():
    return apps.get_model("approvals", "Application")


# --- the seam approvals relies on -------------------------------------------------------------------


def is_settled(application) -> bool:
    """Nothing assessed, or everything assessed paid."""
    assessment = Assessment.objects.filter(application_id=application.pk).only("due_fen", "paid_fen").first()
    return assessment is None or assessment.paid_fen >= assessment.due_fen


def summary(application) -> dict:
    """The ``fees`` part of the case shape: ``{due_fen, paid_fen, payment_code, status}``
    (status ``none`` when nothing is assessed, else ``due`` or ``paid``)."""
    cached = getattr(application, "_fee_summary", None)  # one query per case object and page
    if cached is not None:
        return dict(cached)
    try:
        assessment = application.fee_assessment  # no query when the caller select_related it
    except ObjectDoesNotExist:
        assessment = None
    if assessment is None:
        result = {"due_fen": 0, "paid_fen": 0, "payment_code": None, "status": "none"}
    else:
        result = {"due_fen": assessment.due_fen, "paid_fen": assessment.paid_fen,
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


def _create_assessment(case, by: User, total: int) -> Assessment:
    for _ in range(5):
        try:
            with transaction.atomic():
                return Assessment.objects.create(
                    application=case, department_id=case.department_id, payment_code=_new_payment_code(),
                    payer_name=case.applicant_name, due_fen=total, assessed_by=by,
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
    """收费窗口 (一口收费): the cashier collects the whole outstanding amount by cash, card or QR code."""
    if channel not in (Payment.Channel.CASH, Payment.Channel.CARD, Payment.Channel.QR):
        raise ValidationError({"channel": ["请选择现金、银行卡或扫码支付。"]})
    with transaction.atomic():
        assessment = (
            Assessment.objects.select_for_update(of=("self",)).select_related("application")
            .filter(payment_code=str(payment_code or "").strip(),
                    department_id__in=fee_staff_departments(by, roles=(Role.CASHIER,))).first()
        )  # fmt: skip
        if assessment is None:
            raise OutsideScope("没有这个缴款码，或不属于本收费窗口。")
        if assessment.status == Assessment.Status.PAID:
            raise Conflict("该缴款码已缴清，请勿重复收费。")
        if amount_fen != assessment.outstanding_fen:
            raise ValidationError({"amount_fen": [f"须一次缴清应缴金额 {yuan(assessment.outstanding_fen)} 元。"]})
        transaction_id = f"W{timezone.now():%Y%m%d%H%M%S}{secrets.token_hex(4).upper()}"
        return _book(assessment, amount_fen=amount_fen, channel=channel, transaction_id=transaction_id,
                     paid_at=timezone.now(), by=by, ip=ip)  # fmt: skip


def sign(body: bytes) -> str:
    """The simulator gateway's signature: hex HMAC-SHA256 of the raw body keyed by FEES_SIMULATOR_SECRET."""
    return hmac.new(settings.FEES_SIMULATOR_SECRET.encode(), body, hashlib.sha256).hexdigest()


def _parse_notification(body: bytes) -> dict:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise DomainError("请求体须为 JSON。", code="invalid_json") from None
    if not isinstance(data, dict):
        raise DomainError("请求体须为 JSON 对象。", code="invalid_json")
    errors = {}
    code, transaction_id = str(data.get("payment_code") or ""), str(data.get("transaction_id") or "")
    amount = data.get("amount_fen")
    paid_at = parse_datetime(str(data.get("paid_at") or "")) if data.get("paid_at") else None
    if not code or len(code) > 40:
        errors["payment_code"] = ["缺少缴款码。"]
    if not transaction_id or len(transaction_id) > 64:
        errors["transaction_id"] = ["缺少交易流水号（不超过 64 位）。"]
    if not isinstance(amount, int) or isinstance(amount, bool) or not 0 < amount < 10**12:
        errors["amount_fen"] = ["金额须为正整数（分）。"]
    if paid_at is None or timezone.is_naive(paid_at):
        errors["paid_at"] = ["缴费时间须为带时区的 ISO-8601 时间。"]
    if errors:
        raise ValidationError(errors)
    return {"payment_code": code, "transaction_id": transaction_id, "amount_fen": amount, "paid_at": paid_at}


def record_gateway_payment(*, gateway: str, body: bytes, signature: str) -> tuple[Payment, bool]:
    """A payment notification from the platform (``POST /api/v1/fees/callback/<gateway>``).

    Signed (HMAC-SHA256 of the raw body) or refused with nothing recorded; the same ``transaction_id``
    again returns the booked payment (idempotent); an unknown code or an amount other than the
    outstanding one is refused (400) and kept as a ``PaymentAnomaly``. Returns (payment, created)."""
    if gateway != "simulator":
        raise OutsideScope("没有这个支付渠道。")
    if not hmac.compare_digest(sign(body), str(signature or "").strip().lower()):
        raise BadSignature("签名无效，未记录。")
    data = _parse_notification(body)
    with transaction.atomic():
        assessment = (
            Assessment.objects.select_for_update(of=("self",)).select_related("application")
            .filter(payment_code=data["payment_code"]).first()
        )  # fmt: skip
        # Checked after the lock: a repeated notification racing the first one sees it booked.
        existing = Payment.objects.filter(transaction_id=data["transaction_id"]).first()
        if existing is not None:
            return existing, False
        refusal = None
        if assessment is None:
            refusal = (PaymentAnomaly.Reason.UNKNOWN_CODE, "缴款码不存在。")
        elif assessment.status == Assessment.Status.PAID:
            refusal = (PaymentAnomaly.Reason.ALREADY_PAID, "该缴款码已缴清。")
        elif data["amount_fen"] != assessment.outstanding_fen:
            outstanding = yuan(assessment.outstanding_fen)
            refusal = (PaymentAnomaly.Reason.WRONG_AMOUNT, f"金额与应缴金额 {outstanding} 元不符。")
        if refusal is None:
            payment = _book(assessment, amount_fen=data["amount_fen"], channel=Payment.Channel.SIMULATOR,
                            transaction_id=data["transaction_id"], paid_at=data["paid_at"], by=None)  # fmt: skip
            return payment, True
    # The anomaly is kept outside the refused transaction so that it survives the 400.
    PaymentAnomaly.objects.create(
        gateway=gateway, reason=refusal[0], payment_code=data["payment_code"], transaction_id=data["transaction_id"],
        amount_fen=data["amount_fen"], assessment=assessment, body=json.loads(body),
    )  # fmt: skip
    raise ValidationError({"amount_fen" if refusal[0] == PaymentAnomaly.Reason.WRONG_AMOUNT else "payment_code":
                           [refusal[1]]})  # fmt: skip


def pay_with_simulator(*, case_id: int, by: User) -> Payment:
    """The applicant pays online: the built-in simulator stands in for the unified payment platform
    (统一公共支付平台) and posts its signed notification through the same path as the real one."""
    case = _applications().objects.filter(pk=case_id).first()
    if case is None or not _is_party(by, case):
        raise OutsideScope("没有这个办件。")
    assessment = Assessment.objects.filter(application=case).first()
    if assessment is None or assessment.status == Assessment.Status.PAID:
        raise Conflict("没有待缴的费用。")
    body = json.dumps({
        "payment_code": assessment.payment_code, "amount_fen": assessment.outstanding_fen,
        "transaction_id": f"SIM{timezone.now():%Y%m%d%H%M%S}{secrets.token_hex(6).upper()}",
        "paid_at": timezone.now().isoformat(),
    }).encode()  # fmt: skip
    payment, _ = record_gateway_payment(gateway="simulator", body=body, signature=sign(body))
    return payment


def may_assess(user: User, case) -> bool:
    return _is_fee_staff(user, case.department_id)
