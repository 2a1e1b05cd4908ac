"""Daily reconciliation (对账, issue 15 point 5): the gateway's statement for a day against the ledger.

``reconcile(day)`` (``manage.py reconcile_payments --date``, and the beat task ``fees.tasks.reconcile_yesterday``):

1. Take (or create) the day's ``ReconciliationRun`` and mark it running; its ``progress`` moves while the
   statement is walked, so the report page can show how far it got.
2. Fetch the statement (``statement(gateway, day)``: for the simulator its own books, ``SimulatorTransaction``).
3. Each statement line whose transaction id is in the ledger must agree with it (code and amount), else
   a ``stmt_mismatch`` anomaly. A line missing from the ledger is a lost callback: it is booked through
   the callbacks' own path (``fees.callbacks.book_notification``: lock, checks, one payment); a line that
   cannot be booked (unknown or cancelled code, other amount) becomes a ``stmt_unbooked`` anomaly — the
   money waits in the 待处理专户 until someone decides.
4. Each ledger payment of that gateway paid that day and absent from the statement is an orphan
   (``not_in_stmt``): money we say we received and the platform does not know.
5. The totals are written on the run. Anomalies carry ``day`` and are unique per (gateway, day, reason,
   transaction id): a second run books nothing, records nothing new and writes the same totals.

Plugging a real platform: give ``statement`` a branch (or, once ``fees.gateways`` carries it, a
``statement(day)`` method on the gateway) that downloads the platform's 对账单 for the day and yields
``StatementLine`` rows; nothing else changes.
"""

import json
import secrets
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from fees import callbacks
from fees.models import Payment, PaymentAnomaly, ReconciliationRun, SimulatorTransaction

PROGRESS_EVERY = 500
Reason = PaymentAnomaly.Reason


@dataclass(frozen=True)
class StatementLine:
    transaction_id: str
    payment_code: str
    amount_fen: int
    paid_at: datetime


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


# --- the simulator: its books, its payments, its statement ------------------------------------------


def simulator_pay(payment_code: str, amount_fen: int, *, lost: bool = False, paid_at: datetime | None = None,
                  transaction_id: str | None = None) -> Payment | None:  # fmt: skip
    """The simulated platform collects ``amount_fen`` for ``payment_code``: it writes its own record (what
    its statement will show), then posts its signed notification — unless ``lost`` (the callback never
    arrives; only the reconciliation will find the payment)."""
    paid_at = paid_at or timezone.now()
    transaction_id = transaction_id or f"SIM{paid_at:%Y%m%d%H%M%S}{secrets.token_hex(6).upper()}"
    SimulatorTransaction.objects.create(transaction_id=transaction_id, payment_code=payment_code,
                                        amount_fen=amount_fen, paid_at=paid_at, notified=not lost)  # fmt: skip
    if lost:
        return None
    body = json.dumps({"payment_code": payment_code, "amount_fen": amount_fen, "transaction_id": transaction_id,
                       "paid_at": paid_at.isoformat()}).encode()  # fmt: skip
    from fees.services import sign

    payment, _ = callbacks.receive(gateway="simulator", body=body, signature=sign(body))
    return payment


def statement(gateway: str, day: date) -> Iterable[StatementLine]:
    """The gateway's statement (对账单) for ``day`` (Asia/Shanghai). A real platform's adapter downloads
    and parses its file here; the simulator reads its own books."""
    if gateway != "simulator":
        raise ValueError(f"no statement source for gateway {gateway!r}")
    start, end = day_bounds(day)
    rows = SimulatorTransaction.objects.filter(paid_at__gte=start, paid_at__lt=end).order_by("paid_at", "id")
    for row in rows.values_list("transaction_id", "payment_code", "amount_fen", "paid_at").iterator(chunk_size=2000):
        yield StatementLine(*row)


# --- the run ----------------------------------------------------------------------------------------


def _anomaly(gateway: str, day: date, reason: str, line_or_payment, detail: str, assessment=None) -> bool:
    """Record one difference once (rerun-safe); True when it is new."""
    if isinstance(line_or_payment, Payment):
        p = line_or_payment
        code, txid, amount, body = p.assessment.payment_code, p.transaction_id, p.amount_fen, {"ledger": p.pk}
        assessment = p.assessment
    else:
        line = line_or_payment
        code, txid, amount = line.payment_code, line.transaction_id, line.amount_fen
        body = {**asdict(line), "paid_at": line.paid_at.isoformat()}
    try:
        with transaction.atomic():
            _, created = PaymentAnomaly.objects.get_or_create(
                gateway=gateway, day=day, reason=reason, transaction_id=txid,
                defaults={"payment_code": code, "amount_fen": amount, "assessment": assessment, "body": body,
                          "detail": detail[:200]},
            )  # fmt: skip
    except IntegrityError:  # a concurrent run recorded it
        return False
    return created


def reconcile(day: date, gateway: str = "simulator") -> ReconciliationRun:
    """Reconcile one gateway's day (steps in the module docstring). Idempotent."""
    run, _ = ReconciliationRun.objects.get_or_create(gateway=gateway, day=day)
    run.status, run.started_at, run.finished_at, run.progress, run.error = (
        ReconciliationRun.Status.RUNNING, timezone.now(), None, 0, "")  # fmt: skip
    run.runs += 1
    run.save()
    try:
        _walk(run, gateway, day)
    except Exception as exc:
        failed = ReconciliationRun.Status.FAILED
        ReconciliationRun.objects.filter(pk=run.pk).update(
            status=failed, error=repr(exc)[:2000], finished_at=timezone.now()
        )
        raise
    return run


def _walk(run: ReconciliationRun, gateway: str, day: date) -> None:
    lines = list(statement(gateway, day))
    ledger = {
        p.transaction_id: p
        for p in Payment.objects.select_related("assessment").filter(
            channel=gateway, transaction_id__in=[line.transaction_id for line in lines]
        )
    }
    booked = booked_fen = matched = 0
    for n, line in enumerate(lines, 1):
        payment = ledger.get(line.transaction_id)
        if payment is None:
            data = {"payment_code": line.payment_code, "transaction_id": line.transaction_id,
                    "amount_fen": line.amount_fen, "paid_at": line.paid_at}  # fmt: skip
            try:
                payment, created = callbacks.book_notification(
                    gateway, data, body={**data, "paid_at": line.paid_at.isoformat(), "source": "statement"}, day=day
                )
            except ValidationError as exc:
                detail = "; ".join(" ".join(v) for v in getattr(exc, "message_dict", {"": exc.messages}).values())
                _anomaly(gateway, day, Reason.STATEMENT_UNBOOKED, line, f"对账单款项无法入账：{detail}")
                payment = None
            else:
                ledger[line.transaction_id] = payment
                if created:
                    booked, booked_fen = booked + 1, booked_fen + payment.amount_fen
        if payment is not None:
            if payment.assessment.payment_code == line.payment_code and payment.amount_fen == line.amount_fen:
                matched += 1
            else:
                _anomaly(gateway, day, Reason.STATEMENT_MISMATCH, line,
                         f"台账为缴款码 {payment.assessment.payment_code}、{payment.amount_fen} 分",
                         payment.assessment)  # fmt: skip
        if n % PROGRESS_EVERY == 0:
            ReconciliationRun.objects.filter(pk=run.pk).update(progress=n)
    in_statement = {line.transaction_id for line in lines}
    start, end = day_bounds(day)
    day_ledger = Payment.objects.select_related("assessment").filter(channel=gateway, paid_at__gte=start,
                                                                     paid_at__lt=end)  # fmt: skip
    for payment in day_ledger.exclude(transaction_id__in=in_statement).iterator(chunk_size=2000):
        _anomaly(gateway, day, Reason.NOT_IN_STATEMENT, payment, "台账有此笔，平台对账单无")
    totals = day_ledger.aggregate(fen=Sum("amount_fen"))
    run.progress = len(lines)
    run.statement_count, run.statement_fen = len(lines), sum(line.amount_fen for line in lines)
    run.ledger_count, run.ledger_fen = day_ledger.count(), totals["fen"] or 0
    run.matched_count = matched
    run.booked_count += booked
    run.booked_fen += booked_fen
    run.anomaly_count = PaymentAnomaly.objects.filter(gateway=gateway, day=day).count()
    run.status, run.finished_at = ReconciliationRun.Status.DONE, timezone.now()
    run.save()
