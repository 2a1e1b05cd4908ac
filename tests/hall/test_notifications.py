"""Notifications: inbox row in the transaction, email and SMS after commit, retried on failure."""

import pytest
from django.core import mail

from hall.models import Notification
from hall.notify import notify
from hall.sms import LoggingBackend
from hall.tasks import resend_pending_notifications, send_notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    return UserFactory(username="zhang", email="zhang@example.cn", phone="13800000001")


def test_notify_queues_the_send_only_after_commit(person, django_capture_on_commit_callbacks, monkeypatch):
    queued = []
    monkeypatch.setattr(send_notification, "delay", lambda pk: queued.append(pk))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        note = notify(person, kind="accepted", title="申请已受理", body="办件编号 X")
    assert queued == [] and len(callbacks) == 1
    callbacks[0]()
    assert queued == [note.pk]


def test_the_task_sends_email_and_sms_once(person, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    LoggingBackend.sent.clear()
    note = Notification.objects.create(user=person, kind="accepted", title="申请已受理", body="正文")
    assert send_notification.run(note.pk) == "sent"
    assert send_notification.run(note.pk) == "sent"
    assert len(mail.outbox) == 1 and "申请已受理" in mail.outbox[0].subject
    assert LoggingBackend.sent == [("13800000001", "【行政服务中心】申请已受理")]
    note.refresh_from_db()
    assert note.email_sent_at and note.sms_sent_at


def test_a_failed_email_is_retried_and_sms_still_pending(person, settings, monkeypatch):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    def broken(*args, **kwargs):
        raise ConnectionError("smtp down")

    monkeypatch.setattr("django.core.mail.send_mail", broken)
    note = Notification.objects.create(user=person, kind="x", title="t")
    with pytest.raises(ConnectionError):
        send_notification.run(note.pk)
    assert send_notification.autoretry_for == (Exception,) and send_notification.max_retries >= 5
    note.refresh_from_db()
    assert note.email_sent_at is None


def test_sweep_requeues_old_unsent_messages(person, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    queued = []
    monkeypatch.setattr(send_notification, "delay", lambda pk: queued.append(pk))
    old = Notification.objects.create(user=person, kind="x", title="old")
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(minutes=30))
    Notification.objects.create(user=person, kind="x", title="fresh")
    assert resend_pending_notifications.run() == 1 and queued == [old.pk]


def test_inbox_lists_and_marks_read(client, person):
    Notification.objects.create(user=person, kind="x", title="请补正材料", body="1. 身份证明：不清晰")
    Notification.objects.create(user=UserFactory(username="other"), kind="x", title="别人的消息")
    client.force_login(person)
    assert '<span class="count">1</span>' in client.get("/").content.decode()
    html = client.get("/inbox/").content.decode()
    assert "请补正材料" in html and "别人的消息" not in html
    assert not Notification.objects.filter(user=person, read_at__isnull=True).exists()


def test_inbox_needs_login(client):
    assert client.get("/inbox/").status_code == 302
