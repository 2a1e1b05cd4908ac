"""Beat tasks of the front desk: thin wrappers over ``hall.frontdesk.appointments`` (set-based, idempotent)."""

from celery import shared_task
from django.conf import settings

from hall import calendar
from hall.frontdesk import appointments


@shared_task(name="hall.frontdesk.tasks.make_slots")
def make_slots() -> int:
    """Daily: the slots of the next FRONTDESK_BOOKING_DAYS days from the templates (existing ones kept)."""
    from django.utils import timezone

    return appointments.make_slots(first=calendar.local_date(timezone.now()), days=settings.FRONTDESK_BOOKING_DAYS)


@shared_task(name="hall.frontdesk.tasks.record_no_shows")
def record_no_shows() -> int:
    """Every ten minutes: bookings not checked in after their slot ended become no-shows (爽约)."""
    return appointments.record_no_shows()


@shared_task(name="hall.frontdesk.tasks.send_reminders")
def send_reminders() -> int:
    """The evening before: one reminder per booking of tomorrow."""
    return appointments.send_reminders()
