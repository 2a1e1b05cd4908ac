"""Queue tickets and calling (取号叫号): one function per act at the kiosk or the window.

The calling order (DESIGN.md, "More of the contract"), for a window that calls next:

1. the tickets it may take — its own categories as a primary window; a category it backs up (服务AB角,
   backup window) only while no primary window of that category is open; tickets transferred to it;
2. first the checked-in appointment holders whose slot has begun (in slot order) and tickets transferred
   to this window, then the green lane (绿色通道: the elderly, disabled, pregnant — 国办发〔2020〕45号 keeps
   staffed service for those who cannot use the online path), then everyone else in order of arrival;
3. the chosen ticket is locked with ``SKIP LOCKED``: two windows calling at once never take the same one.

Ticket numbers come from one atomic upsert per (day, category) (``TicketSequence``): they never repeat,
whatever the concurrency, and a unique constraint stands behind it.
"""

import math
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Avg, Case, Exists, F, IntegerField, OuterRef, Q, TimeField, Value, When
from django.utils import timezone

from hall import audit, calendar
from hall.errors import Conflict, DomainError, NotPermitted, OutsideScope
from hall.frontdesk.models import Appointment, CategoryWindow, ServiceCategory, Ticket, TicketCase, WindowState
from hall.identity import clean_id_number
from hall.models import User, Window, mobile_validator

SEQUENCE_SQL = (
    "INSERT INTO hall_ticketsequence (day, category_id, value) VALUES (%s, %s, 1) "
    "ON CONFLICT (day, category_id) DO UPDATE SET value = hall_ticketsequence.value + 1 RETURNING value"
)


def today(now: datetime | None = None):
    return calendar.local_date(now or timezone.now())


def next_seq(day, category_id: int) -> int:
    """The next number of the day for a category: one statement, atomic on PostgreSQL and SQLite."""
    with connection.cursor() as cursor:
        cursor.execute(SEQUENCE_SQL, [day, category_id])
        return cursor.fetchone()[0]


def _clean_visitor(phone: str, id_number: str) -> tuple[str, str]:
    phone, id_number = (phone or "").strip(), (id_number or "").strip().upper()
    fields = {}
    if phone:
        try:
            mobile_validator(phone)
        except ValidationError as exc:
            fields["phone"] = exc.messages
    if id_number:
        try:
            id_number = clean_id_number("person", id_number)
        except ValidationError as exc:
            try:  # an enterprise's unified social credit code will do too
                id_number = clean_id_number("organisation", id_number)
            except ValidationError:
                fields["id_number"] = exc.messages
    if fields:
        raise DomainError("手机号码或证件号码有误，请核对。", fields=fields)
    return phone, id_number


def issue_ticket(
    *,
    category_code: str,
    phone: str = "",
    id_number: str = "",
    green_lane: bool = False,
    appointment_code: str = "",
    by: User | None = None,
) -> Ticket:
    """取号 at the kiosk (or by the API for it). An appointment holder who gives the check-in code, phone
    or ID of a booking for today in this category is checked in and gets priority within the slot."""
    from hall.frontdesk import appointments

    category = ServiceCategory.objects.filter(code=category_code, is_active=True).first()
    if category is None:
        raise DomainError("没有这个业务类别。", fields={"category": ["请选择取号的业务类别。"]})
    phone, id_number = _clean_visitor(phone, id_number)
    now = timezone.now()
    day = today(now)
    with transaction.atomic():
        appointment = appointments.check_in(
            category=category, day=day, code=appointment_code, phone=phone, id_number=id_number, now=now
        )
        seq = next_seq(day, category.pk)
        ticket = Ticket.objects.create(
            day=day,
            category=category,
            seq=seq,
            number=f"{category.prefix}{seq:03d}",
            green_lane=green_lane,
            phone=phone,
            id_number=id_number,
            appointment=appointment,
            issued_at=now,
        )
    # A ticket is its own record (issued_at, no actor): the kiosk is anonymous and the admin audit trail
    # is for staff acts, which are all audited below.
    return ticket


def people_ahead(ticket: Ticket) -> int:
    """Waiting tickets of the same category issued before this one (the printed "前面还有 N 人")."""
    return Ticket.objects.filter(
        day=ticket.day, category_id=ticket.category_id, state=Ticket.State.WAITING, id__lt=ticket.pk
    ).count()


def open_windows_for(category: ServiceCategory) -> int:
    return CategoryWindow.objects.filter(category=category, window__queue_state__is_open=True).count()


def average_serving_minutes(category: ServiceCategory, day) -> float:
    """Today's mean serving time of the category once three were served, else the category's estimate."""
    served = Ticket.objects.filter(
        day=day, category=category, state=Ticket.State.FINISHED, serving_started_at__isnull=False
    )
    if served.count() < 3:
        return float(category.average_minutes)
    mean = served.aggregate(m=Avg(F("finished_at") - F("serving_started_at")))["m"]
    return max(mean.total_seconds() / 60, 1.0)


def estimated_wait_minutes(ticket: Ticket, ahead: int | None = None) -> int:
    ahead = people_ahead(ticket) if ahead is None else ahead
    windows = max(open_windows_for(ticket.category), 1)
    return math.ceil(ahead * average_serving_minutes(ticket.category, ticket.day) / windows)


# --- the window ---------------------------------------------------------------------------------------


def may_serve(user: User, window: Window) -> bool:
    """The window's A/B staff (WindowStaff) and its chief representative call at it."""
    if user.is_superuser or window.chief_representative_id == user.pk:
        return True
    return window.staff.filter(user=user).exists()


def _window_for(code: str, by: User, *, lock: bool = True) -> tuple[Window, WindowState]:
    window = Window.objects.filter(number=code, is_active=True).select_related("department").first()
    if window is None:
        raise OutsideScope("没有这个窗口。")
    if not may_serve(by, window):
        raise NotPermitted("您不是这个窗口的工作人员，不能在此叫号。")
    WindowState.objects.get_or_create(window=window)
    states = WindowState.objects.select_for_update() if lock else WindowState.objects
    return window, states.get(window=window)


def served_categories(window: Window):
    """Category ids the window calls now: its primary categories, and those it backs up while no primary
    window of the category is open (服务AB角)."""
    open_primary = CategoryWindow.objects.filter(
        category=OuterRef("category"), role=CategoryWindow.Role.PRIMARY, window__queue_state__is_open=True
    ).exclude(window=window)
    return (
        CategoryWindow.objects.filter(window=window)
        .filter(Q(role=CategoryWindow.Role.PRIMARY) | ~Exists(open_primary))
        .values("category_id")
    )


def calling_order(window: Window, now: datetime):
    """The waiting tickets the window may call, best first (the module's docstring)."""
    day, clock = today(now), timezone.localtime(now).time()
    in_slot = Q(
        appointment__state=Appointment.State.CHECKED_IN,
        appointment__slot__date=day,
        appointment__slot__start__lte=clock,
    )
    return (
        Ticket.objects.filter(day=day, state=Ticket.State.WAITING)
        .filter(Q(target_window=window) | Q(target_window__isnull=True, category_id__in=served_categories(window)))
        .annotate(
            rank=Case(
                When(in_slot | Q(target_window=window), then=Value(0)),
                When(green_lane=True, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            ),
            # within the first rank, appointment holders in the order of their slots
            slot_start=Case(When(in_slot, then=F("appointment__slot__start")), output_field=TimeField()),
        )
        .order_by("rank", F("slot_start").asc(nulls_last=True), "issued_at", "id")
    )


def current_ticket(window: Window) -> Ticket | None:
    return (
        Ticket.objects.filter(window=window, state=Ticket.State.CALLED)
        .select_related("category", "appointment")
        .order_by("-called_at")
        .first()
    )


def _finish(ticket: Ticket, by: User, now: datetime, *, ip=None) -> None:
    ticket.state, ticket.finished_at = Ticket.State.FINISHED, now
    ticket.save(update_fields=["state", "finished_at"])
    audit.record("queue.finish", ticket, actor=by, ip=ip, window=ticket.window.number if ticket.window else None)


def set_window_open(*, window_code: str, is_open: bool, by: User, ip=None) -> WindowState:
    """开始/暂停叫号: an open window takes its categories; while a primary window is closed its backup
    windows take them."""
    with transaction.atomic():
        window, state = _window_for(window_code, by)
        state.is_open, state.clerk, state.changed_at = is_open, by if is_open else None, timezone.now()
        state.save()
        audit.record("queue.window_open" if is_open else "queue.window_close", window.number, actor=by, ip=ip)
    return state


def call_next(*, window_code: str, by: User, ip=None) -> Ticket | None:
    """叫下一位: the ticket being served at this window is finished, the next one by the calling order is
    called (None when nobody waits). Opens the window if it was closed."""
    now = timezone.now()
    with transaction.atomic():
        window, state = _window_for(window_code, by)
        if not state.is_open:
            state.is_open, state.clerk, state.changed_at = True, by, now
            state.save()
        if (serving := current_ticket(window)) is not None:
            _finish(serving, by, now, ip=ip)
        ticket = calling_order(window, now).select_for_update(skip_locked=True, of=("self",)).first()
        if ticket is None:
            return None
        ticket.state, ticket.window, ticket.served_by, ticket.target_window = Ticket.State.CALLED, window, by, None
        ticket.first_called_at = ticket.first_called_at or now
        ticket.called_at = ticket.serving_started_at = now
        ticket.call_count += 1
        ticket.save()
        audit.record("queue.call", ticket, actor=by, ip=ip, window=window.number)
    return ticket


def _current_or_conflict(window: Window) -> Ticket:
    ticket = current_ticket(window)
    if ticket is None:
        raise Conflict("这个窗口当前没有正在办理的号码。", code="no_current_ticket")
    return Ticket.objects.select_for_update().select_related("category").get(pk=ticket.pk)


def recall(*, window_code: str, by: User, ip=None) -> Ticket:
    """重呼: call the current ticket again (the board chimes and reads it out once more)."""
    with transaction.atomic():
        window, _ = _window_for(window_code, by)
        ticket = _current_or_conflict(window)
        ticket.called_at, ticket.call_count = timezone.now(), ticket.call_count + 1
        ticket.save(update_fields=["called_at", "call_count"])
        audit.record("queue.recall", ticket, actor=by, ip=ip, window=window.number)
    return ticket


def skip(*, window_code: str, by: User, ip=None) -> Ticket:
    """过号: the called visitor did not come; the ticket leaves the queue (a new ticket is needed)."""
    with transaction.atomic():
        window, _ = _window_for(window_code, by)
        ticket = _current_or_conflict(window)
        ticket.state, ticket.serving_started_at = Ticket.State.SKIPPED, None
        ticket.save(update_fields=["state", "serving_started_at"])
        audit.record("queue.skip", ticket, actor=by, ip=ip, window=window.number)
    return ticket


def transfer(*, window_code: str, to_window_code: str, by: User, ip=None) -> Ticket:
    """转窗口: the current ticket waits again, for the other window only, first in its order."""
    with transaction.atomic():
        window, _ = _window_for(window_code, by)
        target = Window.objects.filter(number=to_window_code, is_active=True).first()
        if target is None or target == window:
            raise DomainError("请选择另一个启用的窗口。", fields={"to_window": ["请选择另一个启用的窗口。"]})
        ticket = _current_or_conflict(window)
        ticket.state, ticket.target_window, ticket.window = Ticket.State.WAITING, target, None
        ticket.serving_started_at, ticket.transfers = None, ticket.transfers + 1
        ticket.save(update_fields=["state", "target_window", "window", "serving_started_at", "transfers"])
        audit.record("queue.transfer", ticket, actor=by, ip=ip, window=window.number, to=target.number)
    return ticket


def ticket_of_today(number: str) -> Ticket | None:
    return Ticket.objects.filter(day=today(), number=number).select_related("window", "category").first()


def finish(*, number: str, by: User, ip=None) -> Ticket:
    """办结: the visit at the window is over; its serving time is recorded."""
    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().filter(day=today(), number=number).first()
        if ticket is None or ticket.window is None or not may_serve(by, ticket.window):
            raise OutsideScope("今天没有在您的窗口办理的这个号码。")
        if ticket.state != Ticket.State.CALLED:
            raise Conflict(f"{ticket.number} 号当前{ticket.get_state_display()}，不能办结。", code="not_called")
        _finish(ticket, by, timezone.now(), ip=ip)
    return ticket


def link_case(*, number: str, case_number: str, by: User, ip=None) -> TicketCase:
    """One visit, one record: the case filed or handled at this window visit (its rating is a later act)."""
    from hall.frontdesk import adapter

    with transaction.atomic():
        ticket = Ticket.objects.select_for_update().filter(day=today(), number=number).first()
        if ticket is None or ticket.window is None or not may_serve(by, ticket.window):
            raise OutsideScope("今天没有在您的窗口办理的这个号码。")
        if adapter.case((case_number or "").strip(), by) is None:
            raise OutsideScope("没有这个办件，或不在您的办理范围内。", fields={"case_number": ["办件编号不存在。"]})
        link, created = TicketCase.objects.get_or_create(
            ticket=ticket, case_number=case_number.strip(), defaults={"linked_by": by}
        )
        if created:
            audit.record("queue.link_case", ticket, actor=by, ip=ip, case=link.case_number)
    return link
