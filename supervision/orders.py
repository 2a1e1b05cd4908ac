"""督办 (supervision orders): one function per act, each one transaction, each audited.

A supervisor issues an order to a department — about a case, one of its warnings, or the
department's work — to be answered within N working days (``hall.calendar``). The department's
staff answer it; the supervisor closes it or sends it back with a reason (open again, a new due
date). An open order past its due escalates to level 2 (约谈) in the deadline scan: a red card
(``Warning`` kind ``order``) on its case, resolved by the answer, and the department's head (its
approvers) is told. Supervisors change no case: orders are their acts. Every act is also an item of
the event feed (``supervision.feed``), in its transaction.
"""

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from approvals.intake import required_text
from approvals.materials import check_upload, clean_name
from approvals.models import Application
from hall import audit, calendar
from hall.errors import Conflict, DomainError, NotPermitted, OutsideScope
from hall.models import Department, StaffMembership, User
from hall.notify import notify
from hall.roles import DEPARTMENT_ROLES, Role
from supervision import feed
from supervision.models import Anomaly, FeedEntry, Order, OrderAttachment, Warning

MAX_DUE_DAYS = 30


def _ensure_supervisor(user: User) -> None:
    if not user.has_role(Role.SUPERVISOR):
        raise NotPermitted("督办由监察人员发出和办结。")


def visible_orders(user: User):
    """Supervisors: every order; department staff: their departments' orders; others: none."""
    orders = Order.objects.select_related("department", "application", "created_by")
    if user.has_role(Role.SUPERVISOR):
        return orders
    departments = StaffMembership.objects.filter(user=user, role__in=DEPARTMENT_ROLES).values("department_id")
    return orders.filter(department_id__in=departments)


def _feed_entry(order: Order, act: str, at, actor_role: str) -> FeedEntry:
    """The act as an item of the event feed: ``order.<act>`` with the order's state after it."""
    return FeedEntry(
        kind=FeedEntry.Kind.ORDER, action=f"order.{act}", at=at, ref_id=order.pk,
        case_number=order.application.number if order.application_id else "",
        data={"id": order.pk, "department": {"code": order.department.code, "name": order.department.name},
              "state": order.state, "level": order.level, "due": order.due.isoformat(), "actor_role": actor_role},
    )  # fmt: skip


def _publish(order: Order, act: str, at, by: User) -> None:
    role = Role.SUPERVISOR if by.has_role(Role.SUPERVISOR) else "staff"
    feed.publish_many([_feed_entry(order, act, at, role)])


def _resolve_card(order: Order, at) -> None:
    """The answer resolves the order's red card, unless another escalated order on the case is open."""
    if order.application_id is None:
        return
    others = Order.objects.filter(application_id=order.application_id, state=Order.State.OPEN, level=2).exclude(
        pk=order.pk
    )
    if not others.exists():
        Warning.objects.filter(
            application_id=order.application_id, kind=Warning.Kind.ORDER, resolved_at__isnull=True
        ).update(resolved_at=at)


def _staff(department_id: int, role: str) -> list[User]:
    """The department's staff in ``role``: its approvers are its head for an order (负责人)."""
    return list(User.objects.filter(memberships__department_id=department_id, memberships__role=role).distinct())


def _due(days: int, at):
    return calendar.deadline_instant(at, days)


def _clean_days(due_days) -> int:
    if not isinstance(due_days, int) or isinstance(due_days, bool) or not 1 <= due_days <= MAX_DUE_DAYS:
        raise ValidationError({"due_days": [f"答复时限须为 1 至 {MAX_DUE_DAYS} 个工作日。"]})
    return due_days


def _found(model, pk, field: str, message: str):
    """The row named by an id from a form or a body, or a field error."""
    row = model.objects.filter(pk=pk if str(pk).isdecimal() else 0).first()
    if row is None:
        raise ValidationError({field: [message]})
    return row


def issue_order(
    *,
    by: User,
    department_code: str,
    text: str,
    due_days,
    case_number: str = "",
    warning_id=None,
    anomaly_id=None,
    ip=None,
) -> Order:
    """督办: the department must answer within ``due_days`` working days; it is told at once. About a
    case, one of its warnings or an anomaly (异常行为, ``supervision.rules``) — the case follows from them."""
    _ensure_supervisor(by)
    text = required_text(text, "text", "请写明督办内容。")
    due_days = _clean_days(due_days)
    department = Department.objects.filter(code=str(department_code or "").strip()).first()
    if department is None:
        raise ValidationError({"department_code": ["没有这个部门。"]})
    case = Application.objects.filter(number=str(case_number or "").strip()).first() if case_number else None
    if case_number and case is None:
        raise ValidationError({"case_number": ["没有这个办件。"]})
    warning = anomaly = None
    if warning_id not in (None, ""):
        warning = _found(Warning, warning_id, "warning_id", "没有这条预警。")
        case = case or warning.application
    if anomaly_id not in (None, ""):
        anomaly = _found(Anomaly, anomaly_id, "anomaly_id", "没有这条异常行为记录。")
        case = case or anomaly.application
    now = timezone.now()
    with transaction.atomic():
        order = Order.objects.create(
            application=case, warning=warning, anomaly=anomaly, department=department, text=text, due_days=due_days,
            due=_due(due_days, now), created_by=by, created_at=now,
        )  # fmt: skip
        audit.record("supervision.issue_order", f"order {order.pk}", actor=by, ip=ip, department=department.code,
                     case=case.number if case else "", anomaly=anomaly.pk if anomaly else None,
                     due=order.due.isoformat())  # fmt: skip
        _publish(order, "issue", now, by)
        for head in {*_staff(department.pk, Role.APPROVER), *_staff(department.pk, Role.CLERK)}:
            notify(head, kind="order", title=f"督办：{department.name}",
                   body=f"{text}\n请于 {timezone.localtime(order.due):%Y-%m-%d %H:%M} 前答复。",
                   url="/workbench/orders/")  # fmt: skip
    return order


def _locked(order_id, user: User) -> Order:
    order = visible_orders(user).select_for_update(of=("self",)).filter(pk=order_id).first()
    if order is None:
        raise OutsideScope("没有这条督办。")
    return order


MAX_ATTACHMENTS = 5


def _checked(files) -> list[tuple]:
    """Each file checked like a case material (by content; 413/415 naming the file), before anything is
    written."""
    files = list(files or [])
    if len(files) > MAX_ATTACHMENTS:
        raise ValidationError({"files": [f"每次答复最多附 {MAX_ATTACHMENTS} 个文件。"]})
    checked = []
    for upload in files:
        name = clean_name(getattr(upload, "name", ""), default="attachment")
        try:
            content_type, sha256 = check_upload(upload)
        except DomainError as exc:
            exc.detail = f"附件“{name}”：{exc.detail}"
            raise
        checked.append((upload, name, content_type, sha256))
    return checked


def answer_order(*, order_id: int, by: User, text: str, files=(), ip=None) -> Order:
    """答复: staff of the ordered department answer, with up to ``MAX_ATTACHMENTS`` files (整改材料);
    the supervisor who issued it is told."""
    text = required_text(text, "text", "请填写答复内容。")
    checked = _checked(files)
    with transaction.atomic():
        order = _locked(order_id, by)
        if by.has_role(Role.SUPERVISOR) and not by.role_names & set(DEPARTMENT_ROLES):
            raise NotPermitted("督办由被督办部门答复。")
        if order.state != Order.State.OPEN:
            raise Conflict(f"督办当前状态为“{order.get_state_display()}”，不能答复。")
        order.state, order.response, order.responded_by, order.responded_at = (
            Order.State.ANSWERED, text, by, timezone.now(),
        )  # fmt: skip
        order.save(update_fields=["state", "response", "responded_by", "responded_at"])
        for upload, name, content_type, sha256 in checked:
            OrderAttachment.objects.create(
                order=order, file=upload, original_name=name, content_type=content_type, size=upload.size,
                sha256=sha256, uploaded_by=by, uploaded_at=order.responded_at,
            )  # fmt: skip
        audit.record("supervision.answer_order", f"order {order.pk}", actor=by, ip=ip,
                     attachments=[sha256 for *_, sha256 in checked])  # fmt: skip
        _resolve_card(order, order.responded_at)
        _publish(order, "answer", order.responded_at, by)
        notify(order.created_by, kind="order_answered", title=f"督办已答复：{order.department.name}", body=text,
               url="/supervision/orders/")  # fmt: skip
    return order


def close_order(*, order_id: int, by: User, ip=None) -> Order:
    """办结: the supervisor accepts the answer."""
    _ensure_supervisor(by)
    with transaction.atomic():
        order = _locked(order_id, by)
        if order.state != Order.State.ANSWERED:
            raise Conflict("只有已答复的督办可以办结。")
        order.state, order.closed_by, order.closed_at = Order.State.CLOSED, by, timezone.now()
        order.save(update_fields=["state", "closed_by", "closed_at"])
        audit.record("supervision.close_order", f"order {order.pk}", actor=by, ip=ip)
        _publish(order, "close", order.closed_at, by)
    return order


def return_order(*, order_id: int, by: User, reason: str, ip=None) -> Order:
    """退回: the answer does not suffice; the department answers again within the same number of days."""
    _ensure_supervisor(by)
    reason = required_text(reason, "reason", "请说明退回理由。")
    with transaction.atomic():
        order = _locked(order_id, by)
        if order.state != Order.State.ANSWERED:
            raise Conflict("只有已答复的督办可以退回。")
        now = timezone.now()
        order.state, order.returned_reason, order.due = Order.State.OPEN, reason, _due(order.due_days, now)
        order.save(update_fields=["state", "returned_reason", "due"])
        audit.record("supervision.return_order", f"order {order.pk}", actor=by, ip=ip, reason=reason)
        _publish(order, "return", now, by)
        for clerk in _staff(order.department_id, Role.CLERK):
            notify(clerk, kind="order", title=f"督办退回：{order.department.name}", body=reason,
                   url="/workbench/orders/")  # fmt: skip
    return order


def escalate_overdue(at) -> int:
    """In the deadline scan: every open level-1 order past its due becomes level 2 (约谈) in one
    statement; the department heads of the escalated ones are told."""
    table = connection.ops.quote_name(Order._meta.db_table)
    value = connection.ops.adapt_datetimefield_value(at)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET level = 2, escalated_at = %s WHERE state = %s AND level = 1 AND due < %s RETURNING id",
            [value, Order.State.OPEN, value],
        )
        escalated = [row[0] for row in cursor.fetchall()]
        orders = list(Order.objects.filter(pk__in=escalated).select_related("department", "application"))
        # 红牌: one per case (unique per case, kind and level), due at the order's due instant
        Warning.objects.bulk_create(
            [Warning(application_id=o.application_id, department_id=o.department_id, kind=Warning.Kind.ORDER,
                     level=Warning.Level.RED, due_at=o.due, raised_at=at) for o in orders if o.application_id],
            ignore_conflicts=True,
        )  # fmt: skip
        Warning.objects.filter(
            application_id__in=[o.application_id for o in orders if o.application_id],
            kind=Warning.Kind.ORDER,
            resolved_at__isnull=False,
        ).update(resolved_at=None, raised_at=at)  # a new episode on a case whose earlier order card was resolved
        feed.publish_many([_feed_entry(o, "escalate", at, "system") for o in orders])
        for order in orders:
            for head in _staff(order.department_id, Role.APPROVER):
                notify(head, kind="order_escalated", title=f"督办逾期升级（约谈）：{order.department.name}",
                       body=order.text, url="/workbench/orders/")  # fmt: skip
    return len(escalated)
