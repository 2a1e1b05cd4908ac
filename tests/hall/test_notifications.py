"""Notifications: inbox row in the transaction; email and SMS leave through the outbox after commit,
each sent once, retried on failure however long it takes."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from hall import outbox
from hall.models import Notification, OutboxMessage
from hall.notify import notify
from hall.sms import LoggingBackend
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    LoggingBackend.sent.clear()
    return UserFactory(username="zhang", email="zhang@example.cn", phone="13800000001")


def test_notify_writes_the_channels_to_the_outbox_and_sends_only_after_commit(
    person, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        note = notify(person, kind="accepted", title="申请已受理", body="办件编号 X")
    messages = OutboxMessage.objects.order_by("id")
    assert [m.handler for m in messages] == ["hall.notify.send_email", "hall.notify.send_sms"]
    assert all(m.payload == {"notification_id": note.pk} for m in messages)
    assert len(callbacks) == 2 and mail.outbox == []
    for callback in callbacks:
        callback()  # the doorbell: the (eager) task runs the handler
    assert len(mail.outbox) == 1 and "申请已受理" in mail.outbox[0].subject
    assert LoggingBackend.sent == [("13800000001", "【行政服务中心】申请已受理")]
    assert not OutboxMessage.objects.filter(done_at__isnull=True).exists()


def test_each_channel_is_sent_once_even_if_run_again(person, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        note = notify(person, kind="accepted", title="申请已受理")
    for message in OutboxMessage.objects.all():
        OutboxMessage.objects.filter(pk=message.pk).update(done_at=None)  # as if a worker died before commit
        assert outbox.run(message.pk) == "done"
    assert len(mail.outbox) == 1 and len(LoggingBackend.sent) == 1
    note.refresh_from_db()
    assert note.email_sent_at and note.sms_sent_at


def test_a_failed_email_is_retried_later_and_the_sms_still_goes(
    person, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(*args, **kwargs):
        raise ConnectionError("smtp down")

    monkeypatch.setattr("hall.notify.send_mail", broken)
    with django_capture_on_commit_callbacks(execute=True):
        note = notify(person, kind="x", title="t")
    email = OutboxMessage.objects.get(handler="hall.notify.send_email")
    assert email.done_at is None and email.attempts == 1 and "smtp down" in email.last_error
    assert email.available_at > timezone.now()  # backs off
    assert OutboxMessage.objects.get(handler="hall.notify.send_sms").done_at is not None
    monkeypatch.undo()
    assert outbox.drain(now=timezone.now() + timedelta(minutes=5)) == 1
    note.refresh_from_db()
    assert note.email_sent_at is not None


def test_the_sweep_dispatches_every_pending_message_however_old(person, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):  # the doorbell never rang (broker down)
        notify(person, kind="x", title="long ago")
    OutboxMessage.objects.update(available_at=timezone.now() - timedelta(days=30))
    assert outbox.sweep() == 2
    assert len(mail.outbox) == 1 and not OutboxMessage.objects.filter(done_at__isnull=True).exists()
    assert outbox.sweep() == 0


def test_a_broker_outage_leaves_the_message_for_the_sweep(person, monkeypatch):
    from hall.tasks import run_outbox

    def down(*args, **kwargs):
        raise ConnectionRefusedError("redis down")

    monkeypatch.setattr(run_outbox, "apply_async", down)
    note = Notification.objects.create(user=person, kind="x", title="t")
    message = OutboxMessage.objects.create(
        handler="hall.notify.send_email", payload={"notification_id": note.pk}, available_at=timezone.now()
    )
    assert outbox.dispatch(message.pk) is False
    message.refresh_from_db()
    assert message.done_at is None


def test_retry_delays_grow_to_an_hour():
    assert [outbox.retry_delay(n).total_seconds() for n in (1, 2, 3, 10, 50)] == [30, 60, 120, 3600, 3600]


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


def test_the_inbox_does_not_grow_with_the_messages(client, person):
    """Issue 22: /inbox/, 2 messages then 8, not more statements."""
    from tests.querycount import assert_flat

    def notes(n: int) -> None:
        Notification.objects.bulk_create(Notification(user=person, kind="test", title=f"消息{i}") for i in range(n))

    notes(2)
    client.force_login(person)
    assert_flat(lambda: client.get("/inbox/").context["notes"], lambda: notes(6), len)
