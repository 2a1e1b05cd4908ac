"""Appointments (预约): slots made from each category's templates on the working-day calendar, booked
online, cancelled or moved, checked in at the kiosk, recorded as no-shows, reminded the day before.

Holiday appointments (节假日预约制): on a day the calendar says is not a working day, only the holiday slots
the hall configured exist, and only items on the holiday item list (节假日事项目录, ``HolidayItem``) may be
booked in them — anything else is refused with a reason (400). The calendar is asked again at booking
time: a day that became a working day (or a holiday) after its slots were made follows the calendar.
"""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from hall import audit, calendar, notify
from hall.errors import Conflict, DomainError, NotPermitted, OutsideScope
from hall.frontdesk import adapter
from hall.frontdesk.models import Appointment, AppointmentSlot, AppointmentTemplate, HolidayItem, ServiceCategory
from hall.models import User
from hall.roles import Role


def _local_now(now: datetime | None = None) -> datetime:
    return timezone.localtime(now or timezone.now(), calendar.SHANGHAI)


# --- slots ----------------------------------------------------------------------------------------------


def templates_for(day: date):
    """The active templates that make slots on ``day``: working-day templates on working days; holiday
    templates on non-working days (only the listed dates when a template lists any)."""
    working = calendar.is_working_day(day)
    templates = AppointmentTemplate.objects.filter(is_active=True, for_holidays=not working, category__is_active=True)
    if working:
        return list(templates)
    return [t for t in templates if not t.holiday_dates or day.isoformat() in t.holiday_dates]


def make_slots(*, first: date, days: int) -> int:
    """Create the slots of ``days`` days from ``first`` (one bulk insert; existing slots are kept as they
    are, bookings and all). Returns how many rows the insert offered."""
    rows = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        rows += [
            AppointmentSlot(
                category_id=t.category_id, date=day, start=t.start, end=t.end, capacity=t.capacity,
                for_holidays=t.for_holidays,
            )
            for t in templates_for(day)
        ]  # fmt: skip
    AppointmentSlot.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def category_for_item(item: dict) -> ServiceCategory | None:
    """The category an item is booked under: its holiday-list entry's, else its department's."""
    listed = HolidayItem.objects.filter(item_code=item["code"]).select_related("category").first()
    if listed is not None:
        return listed.category
    return ServiceCategory.objects.filter(department__code=item["department_code"], is_active=True).first()


def holiday_refusal(slot: AppointmentSlot, item_code: str) -> str:
    """Why this slot may not be booked for this item under the holiday rule ('' when it may)."""
    if calendar.is_working_day(slot.date):
        if slot.for_holidays:
            return f"{slot.date:%Y年%m月%d日}已调整为工作日，节假日时段不再开放，请预约当天的工作日时段。"
        return ""
    if not slot.for_holidays:
        return f"{slot.date:%Y年%m月%d日}是法定节假日或休息日，只开放节假日预约时段。"
    if not item_code:
        return "节假日只能预约节假日事项目录中的事项，请选择要办理的事项。"
    listed = HolidayItem.objects.filter(item_code=item_code, is_active=True).select_related("category").first()
    if listed is None:
        return "该事项不在节假日事项目录中，节假日不能预约办理，请预约工作日。"
    if listed.category_id != slot.category_id:  # the list names the category whose holiday slots serve it
        return f"该事项的节假日预约属于“{listed.category.name}”，请在该业务类别的节假日时段预约。"
    return ""


def _slot_is_past(slot: AppointmentSlot, now: datetime) -> bool:
    local = _local_now(now)
    return slot.date < local.date() or (slot.date == local.date() and slot.end <= local.time())


# --- booking --------------------------------------------------------------------------------------------


def no_show_ban(user: User, now: datetime | None = None) -> date | None:
    """Until when ``user`` may not book online (爽约限制), or None: FRONTDESK_NO_SHOW_LIMIT no-shows within
    FRONTDESK_NO_SHOW_DAYS days stop booking for FRONTDESK_NO_SHOW_BAN_DAYS days after the last one."""
    now = now or timezone.now()
    recent = list(
        Appointment.objects.filter(
            user=user, state=Appointment.State.NO_SHOW,
            no_show_at__gte=now - timedelta(days=settings.FRONTDESK_NO_SHOW_DAYS),
        ).order_by("-no_show_at").values_list("no_show_at", flat=True)[: settings.FRONTDESK_NO_SHOW_LIMIT]
    )  # fmt: skip
    if len(recent) < settings.FRONTDESK_NO_SHOW_LIMIT:
        return None
    until = calendar.local_date(recent[0]) + timedelta(days=settings.FRONTDESK_NO_SHOW_BAN_DAYS)
    return until if until >= calendar.local_date(now) else None


def _may_book(user: User) -> None:
    if not user.is_authenticated:
        raise NotPermitted("请先登录再预约。")
    if not user.role_names & {Role.APPLICANT, Role.AGENT}:
        raise NotPermitted("只有办事群众和代办员可以在线预约。")


def _book_locked(slot: AppointmentSlot, *, by: User, item_code: str, now: datetime) -> Appointment:
    """The checks and the booking, with ``slot`` already locked by the caller."""
    item = None
    if item_code:
        item = adapter.item(item_code)
        if item is None:
            raise DomainError("没有这个已发布的事项。", fields={"item_code": ["事项编码不存在或未发布。"]})
    if _slot_is_past(slot, now):
        raise DomainError("这个时段已经过去，请选择以后的时段。", fields={"slot_id": ["时段已过。"]})
    if reason := holiday_refusal(slot, item_code):
        raise DomainError(reason, fields={"slot_id": [reason]}, code="not_bookable")
    if Appointment.objects.filter(slot=slot, user=by, state__in=Appointment.ACTIVE).exists():
        raise Conflict("您已经预约了这个时段。", code="already_booked")
    if slot.booked >= slot.capacity:
        raise Conflict("这个时段已约满，请选择其他时段。", code="slot_full")
    AppointmentSlot.objects.filter(pk=slot.pk).update(booked=F("booked") + 1)
    slot.booked += 1
    return Appointment.objects.create(
        slot=slot, user=by, item_code=item_code, item_name=item["name"] if item else "", created_at=now
    )


def _confirm(appointment: Appointment, title: str) -> None:
    slot = appointment.slot
    what = appointment.item_name or slot.category.name
    notify.notify(
        appointment.user,
        kind="appointment",
        title=title,
        body=(
            f"{what}：{slot.date:%Y年%m月%d日} {slot.start:%H:%M}-{slot.end:%H:%M}，签到码 {appointment.code}。"
            "请按时到大厅取号机签到取号；未到且未取消的记爽约。"
        ),
        url="/frontdesk/appointments/",
    )


def book(*, slot_id: int, by: User, item_code: str = "", ip=None) -> Appointment:
    """预约: one place in a slot, for an item (its code) or for the slot's category only."""
    _may_book(by)
    if until := no_show_ban(by):
        raise NotPermitted(
            f"您近期爽约已达 {settings.FRONTDESK_NO_SHOW_LIMIT} 次，{until:%Y年%m月%d日}前不能在线预约，"
            "可到大厅现场取号。",
            code="no_show_limit",
        )
    now = timezone.now()
    with transaction.atomic():
        slot = AppointmentSlot.objects.select_for_update().select_related("category").filter(pk=slot_id).first()
        if slot is None:
            raise OutsideScope("没有这个预约时段。")
        appointment = _book_locked(slot, by=by, item_code=(item_code or "").strip(), now=now)
        audit.record("appointment.book", appointment.pk, actor=by, ip=ip, slot=slot.pk, item=item_code)
        _confirm(appointment, "预约成功")
    return appointment


def _own_booked(appointment_id: int, by: User) -> Appointment:
    appointment = (
        Appointment.objects.select_for_update()
        .select_related("slot__category")
        .filter(pk=appointment_id, user=by)
        .first()
    )
    if appointment is None:
        raise OutsideScope("没有这个预约。")
    if appointment.state != Appointment.State.BOOKED:
        raise Conflict(f"预约{appointment.get_state_display()}，不能再更改。", code="not_booked")
    return appointment


def cancel(*, appointment_id: int, by: User, ip=None) -> Appointment:
    """取消预约 (before the slot begins): the place goes back to the slot."""
    now = timezone.now()
    with transaction.atomic():
        appointment = _own_booked(appointment_id, by)
        slot = appointment.slot
        local = _local_now(now)
        if slot.date < local.date() or (slot.date == local.date() and slot.start <= local.time()):
            raise Conflict("预约时段已开始，不能再取消。", code="slot_started")
        AppointmentSlot.objects.filter(pk=slot.pk).update(booked=F("booked") - 1)
        appointment.state, appointment.cancelled_at = Appointment.State.CANCELLED, now
        appointment.save(update_fields=["state", "cancelled_at"])
        audit.record("appointment.cancel", appointment.pk, actor=by, ip=ip)
    return appointment


def reschedule(*, appointment_id: int, slot_id: int, by: User, ip=None) -> Appointment:
    """改约: the booking moves to another slot (same item), under the same rules as a new booking."""
    now = timezone.now()
    with transaction.atomic():
        old = _own_booked(appointment_id, by)
        # both slots locked in id order: two people swapping slots cannot deadlock
        slots = {
            s.pk: s
            for s in AppointmentSlot.objects.select_for_update()
            .select_related("category")
            .filter(pk__in={old.slot_id, slot_id})
            .order_by("pk")
        }
        if slot_id not in slots or slot_id == old.slot_id:
            raise DomainError("请选择另一个预约时段。", fields={"slot_id": ["请选择另一个时段。"]})
        new = _book_locked(slots[slot_id], by=by, item_code=old.item_code, now=now)
        AppointmentSlot.objects.filter(pk=old.slot_id).update(booked=F("booked") - 1)
        old.state, old.cancelled_at = Appointment.State.CANCELLED, now
        old.save(update_fields=["state", "cancelled_at"])
        audit.record("appointment.reschedule", new.pk, actor=by, ip=ip, previous=old.pk, slot=slot_id)
        _confirm(new, "预约已改期")
    return new


def check_in(*, category, day: date, code: str = "", phone: str = "", id_number: str = "", now=None):
    """签到 at the kiosk (called inside ``issue_ticket``'s transaction): today's booking in this category,
    found by its code, else by the holder's ID number or phone. None when there is no such booking; a
    wrong code is an error (the visitor meant to check in)."""
    code = (code or "").strip()
    if not (code or phone or id_number):
        return None
    bookings = Appointment.objects.select_for_update(of=("self",)).filter(
        state=Appointment.State.BOOKED, slot__date=day, slot__category=category
    )
    if code:
        bookings = bookings.filter(code=code)
    elif id_number:
        bookings = bookings.filter(user__id_number=id_number)
    else:
        bookings = bookings.filter(user__phone=phone)
    appointment = bookings.order_by("slot__start").first()
    if appointment is None:
        if code:
            wrong = "没有找到今天这个业务的预约，请核对签到码。"
            raise DomainError(wrong, fields={"appointment_code": [wrong]})
        return None
    appointment.state, appointment.checked_in_at = Appointment.State.CHECKED_IN, now or timezone.now()
    appointment.save(update_fields=["state", "checked_in_at"])
    audit.record("appointment.check_in", appointment.pk, actor=None, category=category.code)
    return appointment


# --- beat -----------------------------------------------------------------------------------------------


def record_no_shows(*, now: datetime | None = None) -> int:
    """爽约: every booking not checked in FRONTDESK_NO_SHOW_GRACE_MINUTES after its slot ended, in one
    UPDATE (set-based; a missed run is caught up by the next)."""
    now = now or timezone.now()
    cutoff = _local_now(now - timedelta(minutes=settings.FRONTDESK_NO_SHOW_GRACE_MINUTES))
    ended = Q(slot__date__lt=cutoff.date()) | Q(slot__date=cutoff.date(), slot__end__lte=cutoff.time())
    return Appointment.objects.filter(ended, state=Appointment.State.BOOKED).update(
        state=Appointment.State.NO_SHOW, no_show_at=now
    )


def send_reminders(*, now: datetime | None = None) -> int:
    """The evening before: one notification per booking of tomorrow not yet reminded. The bookings are
    claimed by one UPDATE of ``reminded_at`` (a second run, or a second beat, finds none)."""
    now = now or timezone.now()
    tomorrow = _local_now(now).date() + timedelta(days=1)
    with transaction.atomic():
        due = Appointment.objects.select_for_update(skip_locked=True, of=("self",)).filter(
            state=Appointment.State.BOOKED, slot__date=tomorrow, reminded_at__isnull=True
        )
        ids = list(due.values_list("pk", flat=True))
        Appointment.objects.filter(pk__in=ids).update(reminded_at=now)
        for appointment in Appointment.objects.filter(pk__in=ids).select_related("slot__category", "user"):
            _confirm(appointment, "预约提醒：明天请按时到大厅办理")
    return len(ids)
