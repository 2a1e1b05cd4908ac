"""Notifications: an inbox row now, email and SMS after commit via Celery (a failed send is retried
and never undoes the change that caused it)."""

from django.db import transaction

from hall.models import Notification, User


def notify(user: User | None, *, kind: str, title: str, body: str = "", url: str = "") -> Notification | None:
    """Create an inbox message for ``user`` and send it by email/SMS once the transaction commits."""
    if user is None:
        return None
    note = Notification.objects.create(user=user, kind=kind, title=title[:200], body=body, url=url[:200])
    from hall.tasks import send_notification

    # robust: a broker outage is logged, not raised; resend_pending_notifications catches up.
    transaction.on_commit(lambda: send_notification.delay(note.pk), robust=True)
    return note


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
