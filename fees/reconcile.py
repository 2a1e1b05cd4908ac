"""Daily reconciliation (对账, issue 15 point 5): the gateway's statement for a day against the ledger.

``reconcile(day)`` (``manage.py reconcile_payments --date``, and the beat task ``fees.tasks.reconcile_yesterday``):

1. Take (or create) the day's ``ReconciliationRun`` and mark it running; its ``progress`` moves while the
   statement is walked, so the report page can show how far it got.
2. Fetch the statement from the gateway (``Gateway.statement(day)``, ``fees.gateways``; the simulator
   reads its own books, ``SimulatorTransaction``).
3. Each statement line whose transaction id is in the ledger must agree with it (code and amount), else
   a ``stmt_mismatch`` anomaly. A line missing from the ledger is a lost callback: it is booked through
   the callbacks' own path (``fees.callbacks.book_notification``: lock, checks, one payment); a line that
   cannot be booked (unknown or cancelled code, other amount) becomes a ``stmt_unbooked`` anomaly — the
   money waits in the 待处理专户 until someone decides.
4. Poll (``Gateway.query``) the codes still unpaid in the ledger that were assessed up to the end of the
   day (within ``POLL_DAYS``): a payment the platform knows and we do not — its callback lost or still
   in flight, whatever the day it was paid — is booked the same way (``polled_count``).
5. Each ledger payment of that gateway absent from the statement is an orphan (``not_in_stmt``): money
   we say we received and the platform does not know. Our clock and the platform's differ a little and
   a payment at 23:59:58 may be on the next day's statement, so the run of day D looks at the ledger
   payments of [D 00:00 − MARGIN, D+1 00:00 − MARGIN) and at the statements of D and D−1: every payment
   is checked by exactly one run, one that can see both statements it may be on (the last MARGIN of a
   day is checked the next night, when that day's successor statement exists).
6. The totals are written on the run. Anomalies carry ``day`` and are unique per (gateway, day, reason,
   transaction id): a second run books nothing, records nothing new and writes the same totals.

Plugging a real platform: implement ``statement`` and ``query`` on its ``Gateway`` (``fees.gateways``);
nothing here changes.
"""

import json
import secrets
from collections.abc import Iterable
from dataclasses import asdict
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from fees import callbacks, gateways
from fees.gateways import StatementLine, day_bounds
from fees.models import Assessment, Payment, PaymentAnomaly, ReconciliationRun, SimulatorTransaction

PROGRESS_EVERY = 500
POLL_CHUNK = 500
POLL_DAYS = 30  # codes assessed longer ago than this are no longer polled (the statement walk still finds them)
MARGIN = timedelta(minutes=15)  # how far the platform's day may differ from ours at midnight
Reason = PaymentAnomaly.Reason


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
    """The gateway's statement (对账单) for ``day`` (Asia/Shanghai)."""
    return gateways.get(gateway).statement(day)


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


def _book_line(gateway: str, day: date, line: StatementLine, source: str) -> tuple[Payment | None, bool]:
    """Book a payment the platform knows and the ledger does not (a lost callback); a line that cannot
    be booked is a ``stmt_unbooked`` anomaly. Returns (payment or None, created)."""
    data = {"payment_code": line.payment_code, "transaction_id": line.transaction_id,
            "amount_fen": line.amount_fen, "paid_at": line.paid_at}  # fmt: skip
    try:
        return callbacks.book_notification(
            gateway, data, body={**data, "paid_at": line.paid_at.isoformat(), "source": source}, day=day
        )
    except ValidationError as exc:
        detail = "; ".join(" ".join(v) for v in getattr(exc, "message_dict", {"": exc.messages}).values())
        _anomaly(gateway, day, Reason.STATEMENT_UNBOOKED, line, f"对账单款项无法入账：{detail}")
        return None, False


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
            payment, created = _book_line(gateway, day, line, "statement")
            if payment is not None:
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
    polled, polled_fen = _poll_pending(gateway, day)
    _find_orphans(gateway, day, {line.transaction_id for line in lines})
    start, end = day_bounds(day)
    day_ledger = Payment.objects.filter(channel=gateway, paid_at__gte=start, paid_at__lt=end)
    totals = day_ledger.aggregate(fen=Sum("amount_fen"))
    run.progress = len(lines)
    run.statement_count, run.statement_fen = len(lines), sum(line.amount_fen for line in lines)
    run.ledger_count, run.ledger_fen = day_ledger.count(), totals["fen"] or 0
    run.matched_count = matched
    run.booked_count += booked + polled
    run.booked_fen += booked_fen + polled_fen
    run.polled_count += polled
    run.anomaly_count = PaymentAnomaly.objects.filter(gateway=gateway, day=day).count()
    run.status, run.finished_at = ReconciliationRun.Status.DONE, timezone.now()
    run.save()


def _poll_pending(gateway: str, day: date) -> tuple[int, int]:
    """Step 4: ask the platform about the codes still due that were assessed by the end of ``day``.
    Returns (payments booked, their amount)."""
    _, end = day_bounds(day)
    pending = Assessment.objects.filter(
        status=Assessment.Status.DUE, assessed_at__lt=end, assessed_at__gte=end - timedelta(days=POLL_DAYS)
    ).order_by("pk")
    platform = gateways.get(gateway)
    booked = booked_fen = last_pk = 0
    while chunk := list(pending.filter(pk__gt=last_pk).values_list("pk", "payment_code")[:POLL_CHUNK]):
        last_pk = chunk[-1][0]
        for line in platform.query([code for _, code in chunk]):
            if Payment.objects.filter(channel=gateway, transaction_id=line.transaction_id).exists():
                continue  # its callback arrived meanwhile
            payment, created = _book_line(gateway, day, line, "query")
            if created:
                booked, booked_fen = booked + 1, booked_fen + payment.amount_fen
    return booked, booked_fen


def _find_orphans(gateway: str, day: date, in_statement: set[str]) -> None:
    """Step 5: ledger payments of [D − MARGIN, D+1 − MARGIN) on neither the statement of D nor that of D−1."""
    start, end = day_bounds(day)
    window = Payment.objects.select_related("assessment").filter(
        channel=gateway, paid_at__gte=start - MARGIN, paid_at__lt=end - MARGIN
    )
    missing = [p for p in window.exclude(transaction_id__in=in_statement).iterator(chunk_size=2000)]
    if missing:
        previous = {line.transaction_id for line in statement(gateway, day - timedelta(days=1))}
        for payment in missing:
            if payment.transaction_id not in previous:
                _anomaly(gateway, day, Reason.NOT_IN_STATEMENT, payment, "台账有此笔，平台对账单无")
