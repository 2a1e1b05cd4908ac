"""Payment platform gateways (统一公共支付平台): the interface ``fees`` moves money back through.

``fees.services`` never talks to a platform directly: it asks ``get(name)`` for a ``Gateway`` and
calls its methods inside the refund's transaction (the assessment row is locked, so two approvals of
one request cannot both reach the platform). The built-in ``SimulatorGateway`` stands in for the real
platform in development, tests and the demo.

Plugging a real platform (docs/fees.md, "Gateways"):

1. Write a class with the methods of ``Gateway`` (``name``; ``refund``), e.g. ``fees.gateways_gd.GdPayGateway``:
   ``refund`` calls the platform's refund (退付) endpoint with ``reference`` as the idempotency key (the
   same reference twice must return the same refund, never pay twice), waits for its synchronous
   answer and returns a ``RefundResult``; it raises ``GatewayError`` with the platform's Chinese
   message when the platform refuses (nothing is booked, the request stays 待审批 and can be approved again).
2. Register it: ``FEES_GATEWAYS = {"gdpay": "fees.gateways_gd.GdPayGateway", ...}`` in settings; a
   payment booked by that gateway (``Payment.channel``) is refunded through it. Payments taken at the
   window (cash, card, QR) are refunded through ``FEES_REFUND_GATEWAY`` (default ``simulator``).
3. Its payment callbacks use ``POST /api/v1/fees/callback/<name>`` (see ``fees.api``).
"""

import secrets
from dataclasses import dataclass
from datetime import datetime

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


class Gateway:
    """What a payment platform adapter implements."""

    name: str = ""

    def refund(self, *, transaction_id: str, amount_fen: int, reference: str, reason: str) -> RefundResult:
        """Refund ``amount_fen`` of the payment ``transaction_id`` (partial refunds allowed).
        ``reference`` is ours (one per refund request) and makes the call idempotent."""
        raise NotImplementedError


class SimulatorGateway(Gateway):
    """The built-in stand-in: every refund succeeds at once with a ``SIMR…`` serial number."""

    name = "simulator"

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
