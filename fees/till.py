"""日结 (closing the till) at the hall's single collection point (issue 15, point 6).

At the end of the day the cashier counts what the till holds — cash, card slips, QR collections — and
``close_till`` sets the count against the ledger rows the cashier recorded that day (``Payment`` rows with
``recorded_by`` = the cashier, by channel). The record keeps both figures and the difference; it is never
adjusted (a miscount is explained in ``note``, and the difference stays visible to finance).
"""

from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from fees.models import Payment, TillClosing
from hall import audit
from hall.errors import Conflict, NotPermitted
from hall.models import User
from hall.roles import Role

WINDOW_CHANNELS = (Payment.Channel.CASH, Payment.Channel.CARD, Payment.Channel.QR)


def _bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=1)


def ledger_of(by: User, day: date) -> dict:
    """The cashier's collections of ``day`` by channel: ``{cash, card, qr, count, total}`` in fen."""
    start, end = _bounds(day)
    sums = Payment.objects.filter(recorded_by=by, created_at__gte=start, created_at__lt=end).aggregate(
        count=Count("id"),
        **{c.value: Sum("amount_fen", filter=Q(channel=c)) for c in WINDOW_CHANNELS},
    )
    result = {c.value: sums[c.value] or 0 for c in WINDOW_CHANNELS}
    result["count"] = sums["count"] or 0
    result["total"] = sum(result[c.value] for c in WINDOW_CHANNELS)
    return result


def closing_of(by: User, day: date) -> TillClosing | None:
    return TillClosing.objects.filter(cashier=by, day=day).first()


def close_till(*, by: User, day: date, cash_fen: int, card_fen: int, qr_fen: int, note: str = "", ip=None):
    """The cashier's 日结 for ``day``: once per day; the counted amounts against the ledger."""
    if not by.has_role(Role.CASHIER):
        raise NotPermitted("仅收费人员可以日结。")
    counted = {"cash_fen": cash_fen, "card_fen": card_fen, "qr_fen": qr_fen}
    errors = {k: ["请填写不小于 0 的金额。"] for k, v in counted.items() if not isinstance(v, int) or v < 0}
    if errors:
        raise ValidationError(errors)
    ledger = ledger_of(by, day)
    try:
        with transaction.atomic():
            closing = TillClosing.objects.create(
                cashier=by, day=day, cash_fen=cash_fen, card_fen=card_fen, qr_fen=qr_fen,
                ledger_cash_fen=ledger["cash"], ledger_card_fen=ledger["card"], ledger_qr_fen=ledger["qr"],
                ledger_count=ledger["count"], note=str(note or "")[:200],
            )  # fmt: skip
            audit.record("fees.till_close", f"{by.username} {day}", actor=by, ip=ip, counted_fen=cash_fen + card_fen
                         + qr_fen, ledger_fen=ledger["total"], difference_fen=closing.difference_fen)  # fmt: skip
    except IntegrityError:
        raise Conflict("今日已日结。") from None
    return closing
