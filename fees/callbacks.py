"""Payment platform notifications (缴费结果通知) that cannot be fooled (issue 15, point 4).

``receive`` is the whole path of ``POST /api/v1/fees/callback/<gateway>`` (and of the built-in simulator's
own notifications). In order:

1. The gateway must be one we know (404 otherwise); the signature (HMAC-SHA256 of the raw bytes) is
   checked before anything is parsed: a bad one → 400, nothing booked.
2. The body is parsed strictly: an unparseable or absurd ``paid_at`` (month 13, far future, before the
   assessment) → 400, never a 500 — a real platform retries a 5xx forever.
3. The assessment of the ``payment_code`` is row-locked; then the ``transaction_id`` is looked up *for
   this gateway*: the same notification again → 200 and the booked payment; the same id with another
   code or amount → 400 and a ``PaymentAnomaly`` (``txn_reused``), nothing booked.
4. An unknown code, a code not payable (paid, cancelled) or an amount other than the outstanding one →
   400 and an anomaly; otherwise one ``Payment`` is booked. Two racing notifications with the same id on
   two different codes lock different rows: the unique constraint ``fee_payment_txn_per_gateway`` stops
   the second, which is then answered as in step 3.
5. Whatever happened, one ``InboundCallback`` row is written *after* the transaction that booked or
   refused, so a 400 leaves its trace (anomalies likewise survive the refusal).
"""

import json
from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from catalog.templatetags.catalog_tags import yuan
from fees.models import Assessment, InboundCallback, Payment, PaymentAnomaly
from hall.errors import DomainError, OutsideScope

GATEWAYS = ("simulator",)
# The gateway's clock and ours differ a little; "far future" is anything beyond this.
CLOCK_SKEW = timedelta(hours=1)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
CANCELLED = "该缴款码已作废（办件已不予许可、撤回或终止办理），不能缴费。"
Outcome = InboundCallback.Outcome


class BadSignature(DomainError):
    code = "bad_signature"


class Refused(ValidationError):
    """A notification refused with an anomaly kept (its outcome in the inbound log is ``refused``)."""


def verify(gateway: str, body: bytes, signature: str) -> bool:
    import hmac

    from fees.services import sign

    return hmac.compare_digest(sign(body), str(signature or "").strip().lower())


def _parse_time(value) -> datetime | None:
    if not isinstance(value, str) or not value or len(value) > 40:
        return None
    try:
        parsed = parse_datetime(value)
    except (ValueError, OverflowError):  # "2026-13-45T99:00:00+08:00" matches the pattern, then fails
        return None
    if parsed is None or timezone.is_naive(parsed):
        return None
    return parsed


def parse_notification(body: bytes) -> dict:
    """``{payment_code, amount_fen, transaction_id, paid_at}`` checked field by field (400 with ``fields``)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise DomainError("请求体须为 JSON。", code="invalid_json") from None
    if not isinstance(data, dict):
        raise DomainError("请求体须为 JSON 对象。", code="invalid_json")
    errors = {}
    code, transaction_id = data.get("payment_code"), data.get("transaction_id")
    code = code if isinstance(code, str) else ""
    transaction_id = transaction_id if isinstance(transaction_id, str) else ""
    amount = data.get("amount_fen")
    paid_at = _parse_time(data.get("paid_at"))
    if not code or len(code) > 40:
        errors["payment_code"] = ["缺少缴款码。"]
    if not transaction_id or len(transaction_id) > 64:
        errors["transaction_id"] = ["缺少交易流水号（不超过 64 位）。"]
    if not isinstance(amount, int) or isinstance(amount, bool) or not 0 < amount < 10**12:
        errors["amount_fen"] = ["金额须为正整数（分）。"]
    if paid_at is None:
        errors["paid_at"] = ["缴费时间须为有效的、带时区的 ISO-8601 时间。"]
    elif not EARLIEST <= paid_at <= timezone.now() + CLOCK_SKEW:
        errors["paid_at"] = ["缴费时间不合理（早于 2000 年或晚于当前时间）。"]
    if errors:
        raise ValidationError(errors)
    return {"payment_code": code, "transaction_id": transaction_id, "amount_fen": amount, "paid_at": paid_at}


def _same(payment: Payment, data: dict) -> bool:
    return payment.assessment.payment_code == data["payment_code"] and payment.amount_fen == data["amount_fen"]


def _refusal(assessment: Assessment | None, data: dict) -> tuple[str, str, str] | None:
    """(anomaly reason, field, message) when ``data`` cannot be booked on ``assessment``."""
    if assessment is None:
        return PaymentAnomaly.Reason.UNKNOWN_CODE, "payment_code", "缴款码不存在。"
    if assessment.status == Assessment.Status.CANCELLED:  # the case was denied, withdrawn or terminated
        return (
            PaymentAnomaly.Reason.CANCELLED_CODE,
            "payment_code",
            "该缴款码已作废（办件已不予许可、撤回或终止办理），不能缴费。",
        )
    if assessment.status in (Assessment.Status.PAID, Assessment.Status.WAIVED):
        return PaymentAnomaly.Reason.ALREADY_PAID, "payment_code", "该缴款码已缴清或已减免。"
    if assessment.status != Assessment.Status.DUE:
        return PaymentAnomaly.Reason.NOT_PAYABLE, "payment_code", "该缴款码不可缴费。"
    if data["paid_at"] < assessment.assessed_at - CLOCK_SKEW:
        raise ValidationError({"paid_at": ["缴费时间早于核定时间。"]})  # a bad message, not money astray
    if data["amount_fen"] != assessment.outstanding_fen:
        outstanding = yuan(assessment.outstanding_fen)
        return PaymentAnomaly.Reason.WRONG_AMOUNT, "amount_fen", f"金额与应缴金额 {outstanding} 元不符。"
    return None


def book_notification(gateway: str, data: dict, *, body: dict, day=None) -> tuple[Payment, bool]:
    """Steps 3–4 for a parsed notification (also the reconciliation's way of booking a statement line:
    with ``day`` set the refusal is raised without an anomaly, the reconciliation records its own)."""
    from fees.services import _book

    refusal = None
    with transaction.atomic():
        assessment = (
            Assessment.objects.select_for_update(of=("self",)).select_related("application")
            .filter(payment_code=data["payment_code"]).first()
        )  # fmt: skip
        existing = _known(gateway, data["transaction_id"])
        if existing is None:
            refusal = _refusal(assessment, data)
        if existing is None and refusal is None:
            try:
                with transaction.atomic():
                    payment = _book(assessment, amount_fen=data["amount_fen"], channel=gateway, by=None,
                                    transaction_id=data["transaction_id"], paid_at=data["paid_at"])  # fmt: skip
                return payment, True
            except IntegrityError:
                # A racing notification with the same id on another code committed first.
                existing = _known(gateway, data["transaction_id"])
                if existing is None:
                    raise
    if existing is not None:
        if _same(existing, data):
            return existing, False
        refusal = (PaymentAnomaly.Reason.TRANSACTION_REUSED, "transaction_id",
                   f"交易流水号已用于缴款码 {existing.assessment.payment_code} 的缴费。")  # fmt: skip
    if day is not None:
        raise Refused({refusal[1]: [refusal[2]]})
    # Kept outside the refused transaction so that it survives the 400.
    PaymentAnomaly.objects.create(
        gateway=gateway, reason=refusal[0], payment_code=data["payment_code"], transaction_id=data["transaction_id"],
        amount_fen=data["amount_fen"], assessment=assessment, body=body, detail=refusal[2][:200],
    )  # fmt: skip
    raise Refused({refusal[1]: [refusal[2]]})


def _known(gateway: str, transaction_id: str) -> Payment | None:
    return (
        Payment.objects.select_related("assessment")
        .filter(channel=gateway, transaction_id=transaction_id).first()
    )  # fmt: skip


def _outcome_of(exc: BaseException) -> tuple[str, int]:
    if isinstance(exc, BadSignature):
        return Outcome.BAD_SIGNATURE, 400
    if isinstance(exc, Refused):
        return Outcome.REFUSED, 400
    if isinstance(exc, ValidationError | DomainError) and getattr(exc, "status_code", 400) == 400:
        return Outcome.INVALID, 400
    if isinstance(exc, OutsideScope):
        return Outcome.UNKNOWN_GATEWAY, 404
    return Outcome.ERROR, 500


def _detail(exc: BaseException) -> str:
    if isinstance(exc, ValidationError) and hasattr(exc, "message_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())[:200]
    return str(getattr(exc, "detail", exc))[:200]


def receive(*, gateway: str, body: bytes, signature: str, ip: str | None = None) -> tuple[Payment, bool]:
    """The platform's notification: book it once or refuse it; always log it. Returns (payment, created)."""
    log = InboundCallback(gateway=str(gateway)[:20], body=body.decode("utf-8", "replace"),
                          signature=str(signature or "")[:200], client_ip=ip or None)  # fmt: skip
    try:
        if gateway not in GATEWAYS:
            raise OutsideScope("没有这个支付渠道。")
        log.signature_ok = verify(gateway, body, signature)
        if not log.signature_ok:
            raise BadSignature("签名无效，未记录。")
        data = parse_notification(body)
        log.payment_code, log.transaction_id = data["payment_code"], data["transaction_id"]
        payment, created = book_notification(gateway, data, body=json.loads(body))
    except BaseException as exc:
        log.outcome, log.http_status = _outcome_of(exc)
        log.detail = _detail(exc)
        _save_log(log)
        raise
    log.outcome, log.http_status = (Outcome.BOOKED, 201) if created else (Outcome.REPEAT, 200)
    log.detail = payment.receipt_number
    _save_log(log)
    return payment, created


def _save_log(log: InboundCallback) -> None:
    # Never inside a transaction the caller may roll back (the API view is not atomic; a caller that
    # is — the simulator button — keeps the row only if it commits, which is what it wants).
    log.save(force_insert=True)
