"""Thin Celery wrappers over hall services."""

from celery import shared_task

from hall import services


@shared_task(name="hall.tasks.beat_heartbeat")
def beat_heartbeat() -> str:
    """Run by beat every BEAT_INTERVAL_SECONDS: proves scheduler, broker and a worker are alive."""
    return services.record_heartbeat("beat").at.isoformat()


@shared_task(
    name="hall.tasks.send_notification",
    autoretry_for=(Exception,),
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=8,
)
def send_notification(notification_id: int) -> str:
    """Email and SMS for one inbox message; each channel is marked when sent, so a retry resends
    only what failed."""
    from django.conf import settings
    from django.core.mail import send_mail
    from django.utils import timezone

    from hall.models import Notification
    from hall.sms import backend

    note = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if note is None:
        return "gone"
    text = f"{note.title}\n\n{note.body}".strip()
    if note.user.email and note.email_sent_at is None:
        send_mail(f"【行政服务中心】{note.title}", text, settings.DEFAULT_FROM_EMAIL, [note.user.email])
        Notification.objects.filter(pk=note.pk).update(email_sent_at=timezone.now())
    if note.user.phone and note.sms_sent_at is None:
        backend().send(note.user.phone, f"【行政服务中心】{note.title}")
        Notification.objects.filter(pk=note.pk).update(sms_sent_at=timezone.now())
    return "sent"


@shared_task(name="hall.tasks.resend_pending_notifications")
def resend_pending_notifications() -> int:
    """Beat sweep: messages whose email/SMS never went out (broker was down when enqueuing)."""
    from datetime import timedelta

    from django.db.models import Q
    from django.utils import timezone

    from hall.models import Notification

    cutoff = timezone.now() - timedelta(minutes=10)
    pending = Notification.objects.filter(created_at__lt=cutoff, created_at__gt=cutoff - timedelta(days=2)).filter(
        Q(email_sent_at__isnull=True, user__email__gt="") | Q(sms_sent_at__isnull=True, user__phone__gt="")
    )
    ids = list(pending.values_list("pk", flat=True)[:500])
    for pk in ids:
        send_notification.delay(pk)
    return len(ids)
