"""审批与监管信息双向推送 (decision push to the regulators, and their findings back).

1. ``push`` — called by every deciding act (approve, deny, 秒批, 即办件, revoke) inside its transaction:
   the item version's regulating department (``ItemVersion.regulator``) gets a ``DecisionPush`` in its
   inbox (``/regulator/``), and when it has an active ``RegulatorEndpoint`` an outbox message to POST it.
2. ``deliver`` — the outbox handler: POSTs the JSON payload with ``X-Signature: <hex HMAC-SHA256 of the
   raw body>`` (the department's secret), ``X-Push-Id`` and ``X-Delivery-Attempt``; every attempt is a
   ``PushDelivery`` row (the delivery log). A failure schedules the next attempt through the outbox
   after ``hall.outbox.retry_delay`` (30 s, 1 min, 2 min … ≤ 1 h); after ``REGULATOR_PUSH_MAX_ATTEMPTS``
   the push is marked failed (still in the inbox). 2xx is success; the receiver de-duplicates by
   ``X-Push-Id`` (a crash between its 200 and our commit resends once).
3. ``record_finding`` — the regulator's staff push back a finding on a decided case (API and the inbox
   form): it reaches the deciding department (its approvers and clerks are notified, the workbench
   case page lists it) and supervision (``regulator_finding`` signal → a feed entry).
"""

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from approvals.intake import required_text
from approvals.models import Application, DecisionPush, Event, PushDelivery, RegulatorEndpoint, RegulatorFinding
from approvals.scope import department_ids
from approvals.signals import regulator_finding
from hall import audit, outbox
from hall.errors import NotPermitted, OutsideScope
from hall.models import User
from hall.notify import notify
from hall.roles import DEPARTMENT_ROLES, Role

PUSHED_ACTIONS = ("approve", "deny", "instant_approve", "decide_on_the_spot", "revoke")
USER_AGENT = "service-hall-regulator-push/1"


def payload_for(case: Application, event: Event) -> dict:
    version = case.item_version
    return {
        "push": "decision" if event.action != "revoke" else "revocation",
        "case_number": case.number,
        "action": event.action,
        "decision": case.decision or None,
        "decision_name": case.decision_label,
        "state": case.state,
        "at": event.at.isoformat(),
        "reason": event.reason,
        "item": {"code": case.item.code, "name": case.item.name, "version": version.number,
                 "result_name": version.result_name},
        "department": {"code": case.department.code, "name": case.department.name},
        # the licensee: the regulator supervises them (no phone or address)
        "holder": {"type": case.applicant_type, "name": case.applicant_name, "id_number": case.applicant_id_number},
        "event_id": event.pk,
    }  # fmt: skip


def push(case: Application, event: Event) -> DecisionPush | None:
    """In the deciding act's transaction: the regulator's inbox row and, with an endpoint, its webhook."""
    regulator_id = case.item_version.regulator_id
    if event.action not in PUSHED_ACTIONS or regulator_id is None:
        return None
    endpoint = RegulatorEndpoint.objects.filter(department_id=regulator_id, is_active=True).first()
    row = DecisionPush.objects.create(
        application=case, regulator_id=regulator_id, event=event, action=event.action,
        payload=payload_for(case, event),
        webhook=DecisionPush.Webhook.PENDING if endpoint else DecisionPush.Webhook.NONE,
    )  # fmt: skip
    if endpoint:
        outbox.enqueue("approvals.regulators.deliver", push_id=row.pk)
    return row


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _post(url: str, body: bytes, headers: dict) -> tuple[int | None, str]:
    if not url.lower().startswith(("http://", "https://")):  # never file:// or other schemes
        return None, "接收地址须为 http(s)"
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=settings.REGULATOR_PUSH_TIMEOUT) as response:
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return None, f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}"[:500]


def deliver(*, push_id: int) -> str:
    """Outbox handler: one attempt to POST the push; logged; the next attempt scheduled on failure."""
    row = DecisionPush.objects.select_for_update().filter(pk=push_id).first()
    if row is None or row.webhook != DecisionPush.Webhook.PENDING:
        return "skipped"
    endpoint = RegulatorEndpoint.objects.filter(department_id=row.regulator_id, is_active=True).first()
    if endpoint is None:
        row.webhook = DecisionPush.Webhook.NONE
        row.save(update_fields=["webhook"])
        return "no endpoint"
    body = json.dumps(row.payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    row.attempts += 1
    headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
               "X-Signature": sign(endpoint.secret, body), "X-Push-Id": str(row.pk),
               "X-Delivery-Attempt": str(row.attempts)}  # fmt: skip
    started = time.monotonic()
    status, error = _post(endpoint.url, body, headers)
    ok = status is not None and 200 <= status < 300
    PushDelivery.objects.create(
        push=row, attempt=row.attempts, url=endpoint.url[:300], status_code=status, error=error, ok=ok,
        duration_ms=int((time.monotonic() - started) * 1000),
    )  # fmt: skip
    if ok:
        row.webhook, row.delivered_at = DecisionPush.Webhook.DELIVERED, timezone.now()
    elif row.attempts >= settings.REGULATOR_PUSH_MAX_ATTEMPTS:
        row.webhook = DecisionPush.Webhook.FAILED
    else:
        outbox.enqueue_later("approvals.regulators.deliver", timezone.now() + outbox.retry_delay(row.attempts),
                             push_id=row.pk)  # fmt: skip
    row.save(update_fields=["webhook", "attempts", "delivered_at"])
    return "delivered" if ok else "failed"


# --- the regulator's side ---------------------------------------------------------------------------


def is_regulator_staff(user: User) -> bool:
    return bool(user.is_authenticated and user.role_names & set(DEPARTMENT_ROLES))


def inbox_for(user: User) -> QuerySet[DecisionPush]:
    """The pushes to the departments where ``user`` is staff, newest first (index ``push_inbox``)."""
    return (
        DecisionPush.objects.filter(regulator_id__in=department_ids(user))
        .select_related("application__item", "application__department", "regulator", "read_by")
        .order_by("-created_at", "-id")
    )


def _push_for(user: User, push_id: int, *, lock: bool = False) -> DecisionPush:
    rows = inbox_for(user)
    if lock:
        rows = rows.select_for_update(of=("self",))
    row = rows.filter(pk=push_id).first()
    if row is None:
        raise OutsideScope("没有这条推送。")
    return row


def mark_read(*, push_id: int, by: User, ip=None) -> DecisionPush:
    """阅知: the regulator's staff acknowledge a pushed decision (once; audited)."""
    with transaction.atomic():
        row = _push_for(by, push_id, lock=True)
        if row.read_at is None:
            row.read_at, row.read_by = timezone.now(), by
            row.save(update_fields=["read_at", "read_by"])
            audit.record("approvals.push_read", row.application.number, actor=by, ip=ip, push=row.pk)
    return row


def record_finding(*, push_id: int, by: User, text: str, ip=None) -> RegulatorFinding:
    """监管反馈: a finding of the regulating department on the decided case it was pushed; the deciding
    department's approvers and clerks are told, supervision receives it in the event feed."""
    text = required_text(text, "text", "请写明监管中发现的情况。")[:2000]
    if not is_regulator_staff(by):
        raise NotPermitted("只有监管部门工作人员可以反馈。")
    with transaction.atomic():
        row = _push_for(by, push_id, lock=True)
        case = row.application
        finding = RegulatorFinding.objects.create(push=row, application=case, department_id=row.regulator_id,
                                                  text=text, by=by)  # fmt: skip
        if row.read_at is None:
            row.read_at, row.read_by = finding.at, by
            row.save(update_fields=["read_at", "read_by"])
        audit.record("approvals.regulator_finding", case.number, actor=by, ip=ip, finding=finding.pk)
        recipients = User.objects.filter(memberships__department_id=case.department_id,
                                         memberships__role__in=(Role.APPROVER, Role.CLERK)).distinct()  # fmt: skip
        for user in recipients:
            notify(user, kind="regulator_finding", title=f"监管反馈：{case.number}",
                   body=f"{row.regulator.name}：{text}", url=f"/workbench/cases/{case.number}/")  # fmt: skip
        regulator_finding.send(sender=RegulatorFinding, finding=finding)
    return finding
