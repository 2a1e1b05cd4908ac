"""Keep role groups and their permissions present after every migrate; the calendar reads its shared
version once per request."""

from django.db.models.signals import post_migrate
from django.dispatch import receiver


@receiver(post_migrate)
def create_role_groups(sender, **kwargs):
    # Runs once per migrated app; cheap and idempotent, so later apps' permissions are picked up too.
    from hall.services import ensure_role_groups

    ensure_role_groups()


def _connect_calendar_to_requests() -> None:
    from django.core.signals import request_finished, request_started

    from hall import calendar

    request_started.connect(calendar.request_started, dispatch_uid="hall-calendar-request-started")
    request_finished.connect(calendar.request_finished, dispatch_uid="hall-calendar-request-finished")


_connect_calendar_to_requests()
