"""The 12345 hotline (12345政务服务便民热线): work orders in through a signed call, answers back out.

Inbound: ``POST /api/v1/hotline/work-orders`` with the JSON body ``{work_order_number, text, contact: {name,
phone}, department_code, case_number?}`` and ``X-Signature: <hex HMAC-SHA256 of the raw body>`` keyed by
``HOTLINE_SECRET`` (like the fees callbacks). A bad signature is 400 and nothing is stored. 12345 has taken
the call (受理) and dispatched it (派单): the complaint is assigned to that department at once, due in
``COMPLAINT_DUE_DAYS`` working days. The same work order number again is the same complaint (200, nothing new).

Outbound, following 12345's loop (受理 → 派单 → 办理 → 答复 → 回访 → 评价): the department's answer (答复) and
the supervisor's call-back and satisfaction (回访, 评价) go back through the outbox (``push``): each attempt is
written to ``HotlineDelivery`` (the delivery log); a failed one is tried again after a growing delay
(``hall.outbox.retry_delay``), however long 12345 is away.
"""

import hashlib
import hmac
import json
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from hall import audit, calendar, outbox
from hall.errors import DomainError
from hall.models import OutboxMessage
from supervision import complaints
from supervision.models import Complaint, HotlineDelivery

logger = logging.getLogger(__name__)


class BadSignature(DomainError):
    code = "bad_signature"


def sign(body: bytes) -> str:
    return hmac.new(settings.HOTLINE_SECRET.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(body), str(signature or "").strip().lower())


def parse(body: bytes) -> dict:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ValidationError({"body": ["请求体须为 JSON。"]}) from None
    if not isinstance(data, dict):
        raise ValidationError({"body": ["请求体须为 JSON 对象。"]})
    number = str(data.get("work_order_number") or "").strip()
    errors = {}
    if not number or len(number) > 40:
        errors["work_order_number"] = ["工单号必填，不超过 40 个字符。"]
    if not str(data.get("department_code") or "").strip():
        errors["department_code"] = ["请给出派单的承办部门编码。"]
    contact = data.get("contact") or {}
    if not isinstance(contact, dict):
        errors["contact"] = ["contact 须为 {name, phone}。"]
        contact = {}
    if errors:
        raise ValidationError(errors)
    return {
        "work_order_number": number, "text": data.get("text"), "department_code": str(data["department_code"]).strip(),
        "case_number": str(data.get("case_number") or ""), "contact_name": contact.get("name") or "",
        "contact_phone": contact.get("phone") or "",
    }  # fmt: skip


def receive(*, body: bytes, signature: str, ip: str | None = None) -> tuple[Complaint, bool]:
    """A signed work order: (complaint, created). Unsigned or badly signed: nothing is stored."""
    if not verify(body, signature):
        raise BadSignature("签名无效，未记录。")
    data = parse(body)
    known = Complaint.objects.filter(work_order_number=data["work_order_number"]).first()
    if known is not None:  # the same work order again (12345 retried): idempotent
        return known, False
    try:
        complaint = _file(data, ip)
    except IntegrityError:  # the same work order arrived twice at once: the other request stored it
        return Complaint.objects.get(work_order_number=data["work_order_number"]), False
    return complaint, True


def _file(data: dict, ip: str | None) -> Complaint:
    with transaction.atomic():
        complaint = complaints.file_complaint(
            text=data["text"], case_number=data["case_number"], department_code=data["department_code"],
            contact_name=data["contact_name"], contact_phone=data["contact_phone"], ip=ip,
            source=Complaint.Source.HOTLINE, work_order_number=data["work_order_number"],
        )  # fmt: skip
        if complaint.state == Complaint.State.RECEIVED:  # dispatched by 12345 already (派单)
            complaints.assign(complaint, complaint.department, settings.COMPLAINT_DUE_DAYS, at=complaint.received_at)
            complaint.save()
            audit.record(
                "supervision.complaint_assigned", complaint.tracking_number, ip=ip, by="12345",
                department=complaint.department.code, due_days=settings.COMPLAINT_DUE_DAYS,
            )  # fmt: skip
            complaints._tell_department(complaint)
    return complaint


def payload(complaint: Complaint, stage: str) -> dict:
    """What goes back to 12345 for a work order: the answer (答复) or the call-back and rating (回访, 评价)."""
    data = {
        "work_order_number": complaint.work_order_number, "stage": stage, "tracking_number": complaint.tracking_number,
        "department_code": complaint.assigned_department.code if complaint.assigned_department_id else "",
        "answer": complaint.answer,
        "answered_at": timezone.localtime(complaint.answered_at).isoformat() if complaint.answered_at else None,
    }  # fmt: skip
    if stage == "close":
        data.update(
            callback_note=complaint.callback_note, satisfaction=complaint.satisfaction,
            closed_at=timezone.localtime(complaint.closed_at).isoformat() if complaint.closed_at else None,
        )  # fmt: skip
    return data


class LoggingBackend:
    """Logs what would go to 12345 (embedded default, tests); ``sent`` keeps it for inspection."""

    sent: list[dict] = []

    def send(self, data: dict) -> str:
        logger.info("12345 ← %s", data)
        self.sent.append(data)
        return "logged"


class HttpBackend:
    """POSTs the JSON to ``HOTLINE_URL`` signed like the inbound calls (``X-Signature``); raises on failure."""

    def send(self, data: dict) -> str:
        import urllib.request

        body = json.dumps(data, ensure_ascii=False).encode()
        request = urllib.request.Request(
            settings.HOTLINE_URL, data=body, method="POST",
            headers={"Content-Type": "application/json", "X-Signature": sign(body)},
        )  # fmt: skip
        with urllib.request.urlopen(request, timeout=10) as response:
            return f"HTTP {response.status}"


def push(*, complaint_id: int, stage: str, attempt: int = 1) -> None:
    """Outbox handler: send one stage to 12345 and log the attempt. A failure is logged and the push is
    queued again after ``retry_delay`` (a new outbox row), so that the log of the failure survives."""
    complaint = Complaint.objects.select_related("assigned_department").get(pk=complaint_id)
    data = payload(complaint, stage)
    try:
        detail = import_string(settings.HOTLINE_BACKEND)().send(data)
        ok = True
    except Exception as exc:  # any failure of the far side: logged and retried, never lost
        detail, ok = f"{type(exc).__name__}: {exc}"[:2000], False
    HotlineDelivery.objects.create(complaint=complaint, stage=stage, payload=data, at=timezone.now(), ok=ok,
                                   detail=detail)  # fmt: skip
    if not ok:
        OutboxMessage.objects.create(
            handler="supervision.hotline.push", payload={"complaint_id": complaint_id, "stage": stage,
                                                         "attempt": attempt + 1},
            available_at=timezone.now() + outbox.retry_delay(attempt),
        )  # fmt: skip


def due_label(complaint: Complaint) -> str:
    return f"{calendar.local_date(complaint.due):%Y-%m-%d}" if complaint.due else ""
