"""The demo hall's front desk (frontdesk.yaml): categories, their windows, appointment templates and slots,
the holiday item list, and — on a working day — some tickets of the day, a few already served."""

from datetime import time, timedelta
from pathlib import Path

import yaml
from django.utils import timezone

from hall import calendar
from hall.frontdesk import appointments
from hall.frontdesk.models import (
    AppointmentTemplate,
    CategoryWindow,
    HolidayItem,
    ServiceCategory,
    Ticket,
    TicketSequence,
    WindowState,
)
from hall.models import Department, Window

DATA = Path(__file__).with_name("frontdesk.yaml")


def _time(text: str) -> time:
    return time.fromisoformat(text)


def seed(*, log) -> None:
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    for order, row in enumerate(data["categories"]):
        category, _ = ServiceCategory.objects.update_or_create(
            code=row["code"],
            defaults={
                "name": row["name"], "prefix": row["prefix"], "average_minutes": row["minutes"],
                "department": Department.objects.get(code=row["department"]), "description": row["description"],
                "sort_order": order * 10,
            },
        )  # fmt: skip
        for number, role in row["windows"]:
            CategoryWindow.objects.update_or_create(
                category=category, window=Window.objects.get(number=number), defaults={"role": role}
            )
    categories = {c.code: c for c in ServiceCategory.objects.all()}
    for code, start, end, capacity in data["templates"]:
        AppointmentTemplate.objects.update_or_create(
            category=categories[code], start=_time(start), for_holidays=False,
            defaults={"end": _time(end), "capacity": capacity},
        )  # fmt: skip
    for code, start, end, capacity, dates in data["holiday_templates"]:
        AppointmentTemplate.objects.update_or_create(
            category=categories[code], start=_time(start), for_holidays=True,
            defaults={"end": _time(end), "capacity": capacity, "holiday_dates": dates},
        )  # fmt: skip
    for item_code, name, code in data["holiday_items"]:
        HolidayItem.objects.update_or_create(item_code=item_code, defaults={"name": name, "category": categories[code]})
    now = timezone.now()
    today = calendar.local_date(now)
    slots = appointments.make_slots(first=today, days=14)
    tickets = _tickets_of_the_day(data["tickets"], categories, now) if calendar.is_working_day(today) else 0
    log(
        f"front desk: {len(categories)} categories, {AppointmentTemplate.objects.count()} appointment templates, "
        f"{slots} slots offered for 14 days, {HolidayItem.objects.count()} holiday items, {tickets} tickets today"
    )


def _tickets_of_the_day(rows, categories, now) -> int:
    """Some visitors of the morning (once a day: idempotent), the first of them already served."""
    today = calendar.local_date(now)
    if Ticket.objects.filter(day=today).exists():
        return Ticket.objects.filter(day=today).count()
    for code, minutes_ago, green in rows:
        category = categories[code]
        seq = (
            TicketSequence.objects.filter(day=today, category=category).values_list("value", flat=True).first() or 0
        ) + 1
        TicketSequence.objects.update_or_create(day=today, category=category, defaults={"value": seq})
        Ticket.objects.create(
            day=today, category=category, seq=seq, number=f"{category.prefix}{seq:03d}", green_lane=green,
            issued_at=now - timedelta(minutes=minutes_ago),
        )  # fmt: skip
    # the first four were served: called 10 minutes after they came, 8 minutes at the window
    for ticket in Ticket.objects.filter(day=today).order_by("issued_at")[:4]:
        link = CategoryWindow.objects.filter(category=ticket.category, role="primary").select_related("window").first()
        called = ticket.issued_at + timedelta(minutes=10)
        ticket.state, ticket.window = Ticket.State.FINISHED, link.window
        ticket.first_called_at = ticket.called_at = ticket.serving_started_at = called
        ticket.finished_at, ticket.call_count = called + timedelta(minutes=8), 1
        ticket.save()
    for number in ("B01", "C01", "E01"):
        WindowState.objects.update_or_create(window=Window.objects.get(number=number), defaults={"is_open": True})
    return Ticket.objects.filter(day=today).count()
