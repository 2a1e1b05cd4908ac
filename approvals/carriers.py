"""Express delivery (邮寄送达) through a carrier interface, and the carrier's signed tracking callbacks.

``approvals`` never talks to a courier directly: ``get(name)`` gives a ``Carrier`` whose
``create_waybill`` books a pickup and returns the waybill number (运单号). The built-in
``SimulatorCarrier`` stands in for a real courier (EMS 政务专递 and the like) in development, tests and
the demo; its ``report`` posts the events a courier would (揽收/运输中, 签收) to our own callback path,
signed like the payment platform's (``fees.callbacks``).

``receive`` is the whole path of ``POST /api/v1/delivery/callback/<carrier>``:

1. the carrier must be one we know (404); the signature — hex HMAC-SHA256 of the raw body keyed by
   ``DELIVERY_CALLBACK_SECRET`` — is checked before anything is parsed: a bad one → 400, nothing kept;
2. the body ``{waybill, event_id, status: in_transit|delivered|failed, at, location?, signed_by?}``
   is parsed strictly (400 with ``fields``; an ``at`` in the future or before the waybill → 400);
3. the shipment is row-locked; an ``event_id`` already received → 200 and nothing changes (a replay);
4. otherwise the event is kept and the shipment moves on; ``delivered`` delivers the case through the
   ``deliver`` transition as the carrier, **dated by the carrier's signing time**: the art. 44 check
   (``delivery_due``, the supervision scan's late-delivery card) measures the real delivery date.
"""

import hashlib
import hmac
import json
import secrets
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.module_loading import import_string

from approvals.models import Shipment, ShipmentEvent
from hall.errors import DomainError, OutsideScope

CLOCK_SKEW = timedelta(minutes=10)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
DEFAULT_CARRIERS = {"simulator": "approvals.carriers.SimulatorCarrier"}
STATUSES = (Shipment.Status.IN_TRANSIT, Shipment.Status.DELIVERED, Shipment.Status.FAILED)


class CarrierError(Exception):
    """The courier refused the order (message in Chinese, shown to the clerk); nothing was booked."""


class BadSignature(DomainError):
    code = "bad_signature"


class Carrier:
    """What a courier adapter implements (plug one in with ``DELIVERY_CARRIERS = {name: dotted path}``)."""

    name: str = ""
    label: str = ""

    def create_waybill(self, *, reference: str, recipient: str, phone: str, address: str) -> str:
        """Book the pickup of one envelope; ``reference`` (the case number) makes it idempotent."""
        raise NotImplementedError


class SimulatorCarrier(Carrier):
    """The built-in stand-in: every order is accepted with an ``SF…``-like number; ``report`` sends the
    courier's signed events to the hall's callback, as a real courier's webhook would."""

    name = "simulator"
    label = "模拟快递（政务专递）"

    def create_waybill(self, *, reference: str, recipient: str, phone: str, address: str) -> str:
        if not address.strip():
            raise CarrierError("收件地址为空，快递公司不能下单。")
        return f"SIM{timezone.localdate():%y%m%d}{secrets.randbelow(10**8):08d}"

    def report(self, shipment: Shipment, status: str, *, at: datetime | None = None, signed_by: str = "") -> tuple:
        """The courier's callback for ``shipment`` (in-process: the same ``receive`` as the HTTP path)."""
        at = at or timezone.now()
        body = json.dumps({
            "waybill": shipment.waybill, "event_id": f"{shipment.waybill}-{status}", "status": status,
            "at": at.isoformat(), "location": "区行政服务中心" if status == "in_transit" else shipment.address[:100],
            "signed_by": signed_by or (shipment.recipient if status == "delivered" else ""),
        }, ensure_ascii=False).encode()  # fmt: skip
        return receive(carrier=self.name, body=body, signature=sign(body))


def carriers() -> dict[str, str]:
    return getattr(settings, "DELIVERY_CARRIERS", None) or DEFAULT_CARRIERS


def get(name: str) -> Carrier:
    if name not in carriers():
        raise OutsideScope("没有这个快递渠道。")
    return import_string(carriers()[name])()


def sign(body: bytes) -> str:
    return hmac.new(settings.DELIVERY_CALLBACK_SECRET.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(body), str(signature or "").strip().lower())


def _parse_time(value) -> datetime | None:
    if not isinstance(value, str) or not value or len(value) > 40:
        return None
    try:
        parsed = parse_datetime(value)
    except (ValueError, OverflowError):
        return None
    return parsed if parsed is not None and not timezone.is_naive(parsed) else None


def parse(body: bytes) -> dict:
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise DomainError("请求体须为 JSON。", code="invalid_json") from None
    if not isinstance(data, dict):
        raise DomainError("请求体须为 JSON 对象。", code="invalid_json")
    errors, cleaned = {}, {}
    for field, longest in (("waybill", 40), ("event_id", 64)):
        value = data.get(field)
        if not isinstance(value, str) or not value.strip() or len(value) > longest:
            errors[field] = [f"缺少 {field}（不超过 {longest} 位）。"]
        else:
            cleaned[field] = value.strip()
    if data.get("status") not in STATUSES:
        errors["status"] = ["status 须为 in_transit、delivered 或 failed。"]
    cleaned["status"] = data.get("status")
    at = _parse_time(data.get("at"))
    if at is None:
        errors["at"] = ["at 须为有效的、带时区的 ISO-8601 时间。"]
    elif not EARLIEST <= at <= timezone.now() + CLOCK_SKEW:
        errors["at"] = ["事件时间不合理（晚于当前时间）。"]
    cleaned["at"] = at
    for field, longest in (("location", 100), ("signed_by", 50)):
        value = data.get(field) or ""
        cleaned[field] = value[:longest] if isinstance(value, str) else ""
    if errors:
        raise ValidationError(errors)
    return cleaned


def receive(*, carrier: str, body: bytes, signature: str, ip: str | None = None) -> tuple[ShipmentEvent, bool]:
    """One courier event: kept once, or refused (400); a replay answers with the event kept before.
    Returns (event, created)."""
    from approvals.services import deliver_by_carrier

    if carrier not in carriers():
        raise OutsideScope("没有这个快递渠道。")
    if not verify(body, signature):
        raise BadSignature("签名无效，未记录。")
    data = parse(body)
    with transaction.atomic():
        shipment = Shipment.objects.select_for_update().filter(carrier=carrier, waybill=data["waybill"]).first()
        if shipment is None:
            raise ValidationError({"waybill": ["没有这个运单。"]})
        known = ShipmentEvent.objects.filter(carrier=carrier, event_id=data["event_id"]).first()
        if known is not None:
            return known, False
        if data["at"] < shipment.created_at - CLOCK_SKEW:
            raise ValidationError({"at": ["事件时间早于下单时间。"]})
        if shipment.status in (Shipment.Status.DELIVERED, Shipment.Status.FAILED):
            raise ValidationError({"status": [f"运单已{shipment.get_status_display()}，不再接收新的事件。"]})
        try:
            with transaction.atomic():
                event = ShipmentEvent.objects.create(
                    shipment=shipment, carrier=carrier, event_id=data["event_id"], kind=data["status"],
                    at=data["at"], location=data["location"], note=data["signed_by"],
                )  # fmt: skip
        except IntegrityError:  # the same event racing in on another connection
            return ShipmentEvent.objects.get(carrier=carrier, event_id=data["event_id"]), False
        shipment.status = data["status"]
        if data["status"] == Shipment.Status.DELIVERED:
            shipment.delivered_at, shipment.signed_by = data["at"], data["signed_by"]
            deliver_by_carrier(case_id=shipment.application_id, shipment=shipment, at=data["at"], ip=ip)
        shipment.save(update_fields=["status", "delivered_at", "signed_by"])
    return event, True
