"""Notifications: an inbox row and, through the outbox (hall.outbox), email and SMS — written in the
transaction of the change they report, sent after commit, retried until sent, never undoing it."""

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from hall import outbox
from hall.models import Notification, User
from hall.sms import backend

PREFIX = "【行政服务中心】"


def notify(user: User | None, *, kind: str, title: str, body: str = "", url: str = "") -> Notification | None:
    """Create an inbox message for ``user``; its email and SMS leave through the outbox."""
    if user is None:
        return None
    note = Notification.objects.create(user=user, kind=kind, title=title[:200], body=body, url=url[:200])
    if user.email:
        outbox.enqueue("hall.notify.send_email", notification_id=note.pk)
    if user.phone:
        outbox.enqueue("hall.notify.send_sms", notification_id=note.pk)
    return note


def send_email(*, notification_id: int) -> None:
    """Outbox handler: the message by email, once (``email_sent_at`` marks it)."""
    note = Notification.objects.select_related("user").filter(pk=notification_id, email_sent_at__isnull=True).first()
    if note is None or not note.user.email:
        return
    text = f"{note.title}\n\n{note.body}".strip()
    send_mail(f"{PREFIX}{note.title}", text, settings.DEFAULT_FROM_EMAIL, [note.user.email])
    Notification.objects.filter(pk=note.pk).update(email_sent_at=timezone.now())


def send_sms(*, notification_id: int) -> None:
    """Outbox handler: the title by SMS, once (``sms_sent_at`` marks it)."""
    note = Notification.objects.select_related("user").filter(pk=notification_id, sms_sent_at__isnull=True).first()
    if note is None or not note.user.phone:
        return
    backend().send(note.user.phone, f"{PREFIX}{note.title}")
    Notification.objects.filter(pk=note.pk).update(sms_sent_at=timezone.now())


def unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
