"""Payment platform gateways (统一公共支付平台): the interface ``fees`` moves money back through.

``fees.services`` never talks to a platform directly: it asks ``get(name)`` for a ``Gateway`` and
calls its methods inside the refund's transaction (the assessment row is locked, so two approvals of
one request cannot both reach the platform). The built-in ``SimulatorGateway`` stands in for the real
platform in development, tests and the demo.

Plugging a real platform (docs/fees.md, "Gateways"):

1. Write a class with the methods of ``Gateway`` (``name``; ``refund``, ``statement``, ``query``), e.g.
   ``fees.gateways_gd.GdPayGateway``. ``statement(day)`` downloads and parses the platform's 对账单 for the
   day; ``query(codes)`` asks the platform's order query (订单查询) about codes we still see unpaid; both
   yield ``StatementLine`` rows and are read by the daily reconciliation (``fees.reconcile``).
   ``refund`` calls the platform's refund (退付) endpoint with ``reference`` as the idempotency key (the
   same reference twice must return the same refund, never pay twice), waits for its synchronous answer
   and returns a ``RefundResult``; it raises ``GatewayError`` with the platform's Chinese message when the
   platform refuses (nothing is booked, the request stays 待审批 and can be approved again).
2. Register it: ``FEES_GATEWAYS = {"gdpay": "fees.gateways_gd.GdPayGateway", ...}`` in settings; a
   payment booked by that gateway (``Payment.channel``) is refunded through it. Payments taken at the
   window (cash, card, QR) are refunded through ``FEES_REFUND_GATEWAY`` (default ``simulator``).
3. Its payment callbacks use ``POST /api/v1/fees/callback/<name>`` (see ``fees.api``).
"""

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

DEFAULT_GATEWAYS = {"simulator": "fees.gateways.SimulatorGateway"}


class GatewayError(Exception):
    """The platform refused or failed: nothing was refunded (message in Chinese, shown to staff)."""


@dataclass(frozen=True)
class RefundResult:
    refund_id: str  # the platform's refund serial number (退款流水号), unique per gateway
    refunded_at: datetime  # aware


@dataclass(frozen=True)
class StatementLine:
    """One payment as the platform reports it (a line of its 对账单, or an answer to a query)."""

    transaction_id: str
    payment_code: str
    amount_fen: int
    paid_at: datetime  # aware


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of ``day`` in the hall's time zone (Asia/Shanghai)."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


class Gateway:
    """What a payment platform adapter implements."""

    name: str = ""

    def statement(self, day: date) -> Iterable[StatementLine]:
        """The platform's statement (对账单) of ``day``: every payment it collected that day."""
        raise NotImplementedError

    def query(self, payment_codes: Sequence[str]) -> Iterable[StatementLine]:
        """The platform's payments of these codes, whatever the day (订单查询: the poll of codes still
        unpaid in the ledger, whose notification may be lost or late). An adapter whose platform queries
        one order at a time loops here."""
        raise NotImplementedError

    def refund(self, *, transaction_id: str, amount_fen: int, reference: str, reason: str) -> RefundResult:
        """Refund ``amount_fen`` of the payment ``transaction_id`` (partial refunds allowed).
        ``reference`` is ours (one per refund request) and makes the call idempotent."""
        raise NotImplementedError


class SimulatorGateway(Gateway):
    """The built-in stand-in: every refund succeeds at once with a ``SIMR…`` serial number."""

    name = "simulator"

    def statement(self, day: date) -> Iterable[StatementLine]:
        from fees.models import SimulatorTransaction

        start, end = day_bounds(day)
        rows = SimulatorTransaction.objects.filter(paid_at__gte=start, paid_at__lt=end).order_by("paid_at", "id")
        for row in rows.values_list(*self.FIELDS).iterator(chunk_size=2000):
            yield StatementLine(*row)

    def query(self, payment_codes: Sequence[str]) -> Iterable[StatementLine]:
        from fees.models import SimulatorTransaction

        rows = SimulatorTransaction.objects.filter(payment_code__in=list(payment_codes)).order_by("paid_at", "id")
        for row in rows.values_list(*self.FIELDS):
            yield StatementLine(*row)

    FIELDS = ("transaction_id", "payment_code", "amount_fen", "paid_at")

    def refund(self, *, transaction_id: str, amount_fen: int, reference: str, reason: str) -> RefundResult:
        if amount_fen <= 0:
            raise GatewayError("退款金额须大于 0。")
        now = timezone.now()
        return RefundResult(refund_id=f"SIMR{now:%Y%m%d%H%M%S}{secrets.token_hex(6).upper()}", refunded_at=now)


def registry() -> dict[str, str]:
    return {**DEFAULT_GATEWAYS, **getattr(settings, "FEES_GATEWAYS", {})}


def get(name: str) -> Gateway:
    path = registry().get(name)
    if path is None:
        raise GatewayError(f"没有支付渠道“{name}”。")
    return import_string(path)()


def for_payment_channel(channel: str) -> Gateway:
    """The gateway a payment is refunded through: its own platform, else the hall's refund gateway."""
    if channel in registry():
        return get(channel)
    return get(getattr(settings, "FEES_REFUND_GATEWAY", "simulator"))
