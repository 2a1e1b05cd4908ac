"""Notifications: inbox row in the transaction; email and SMS leave through the outbox after commit,
each sent once, retried on failure however long it takes."""

from contextlib import suppress
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
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
    assert len(callbacks) == 1 and mail.outbox == []  # one doorbell for the transaction's two messages
    for callback in callbacks:
        callback()  # the doorbell: the (eager) tasks run the handlers
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


@pytest.fixture
def published(monkeypatch):
    """What the doorbells hand the broker: ``[(task name, args)]``; the (eager) tasks still run."""
    from hall import tasks

    sent = []
    for task in (tasks.run_outbox, tasks.run_outbox_batch):
        real = task.apply_async

        def record(args, *, _real=real, _name=task.name, **kwargs):
            sent.append((_name, args))
            return _real(args, **kwargs)

        monkeypatch.setattr(task, "apply_async", record)
    return sent


def test_one_doorbell_rings_for_a_transaction_and_a_worker_rings_each_message_on(
    person, published, django_capture_on_commit_callbacks
):
    """Issue 22: each doorbell is a broker round trip in the request; the messages of one transaction
    share one, and the worker hands each message on as its own task (run, failed and retried alone)."""
    with django_capture_on_commit_callbacks(execute=True):
        notify(person, kind="accepted", title="申请已受理")
    email, sms = OutboxMessage.objects.order_by("id").values_list("pk", flat=True)
    assert published == [
        ("hall.tasks.run_outbox_batch", ([email, sms],)),  # the request's one doorbell
        ("hall.tasks.run_outbox", (email,)),  # the worker's, one per message
        ("hall.tasks.run_outbox", (sms,)),
    ]
    assert len(mail.outbox) == 1 and len(LoggingBackend.sent) == 1
    assert not OutboxMessage.objects.filter(done_at__isnull=True).exists()


def test_a_rolled_back_savepoint_takes_its_messages_out_of_the_doorbell(person, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        first = outbox.enqueue("hall.notify.send_email", notification_id=1)
        with suppress(RuntimeError), transaction.atomic():
            outbox.enqueue("hall.notify.send_email", notification_id=2)
            raise RuntimeError("the savepoint rolls back")
        with transaction.atomic():  # a released savepoint: its message commits, with its own doorbell
            inner = outbox.enqueue("hall.notify.send_email", notification_id=3)
        last = outbox.enqueue("hall.notify.send_sms", notification_id=1)
    assert [bell.message_ids for bell in callbacks] == [[first.pk, last.pk], [inner.pk]]
    assert OutboxMessage.objects.count() == 3


def test_a_large_transaction_rings_in_batches(person, published, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(outbox, "DOORBELL_BATCH", 2)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ids = [outbox.enqueue("hall.notify.send_email", notification_id=0).pk for _ in range(5)]
    monkeypatch.setattr(outbox, "dispatch", lambda message_id: True)  # the worker's side is not under test here
    callbacks[0]()
    assert published == [("hall.tasks.run_outbox_batch", (ids[:2],)), ("hall.tasks.run_outbox_batch", (ids[2:4],)),
                         ("hall.tasks.run_outbox", (ids[4],))]  # fmt: skip


def test_a_refused_doorbell_leaves_the_transaction_s_messages_for_the_sweep(
    person, monkeypatch, django_capture_on_commit_callbacks
):
    from hall.tasks import run_outbox_batch

    def down(*args, **kwargs):
        raise ConnectionRefusedError("redis down")

    monkeypatch.setattr(run_outbox_batch, "apply_async", down)
    with django_capture_on_commit_callbacks(execute=True):
        notify(person, kind="x", title="t")
    assert OutboxMessage.objects.filter(done_at__isnull=True).count() == 2 and mail.outbox == []
    assert outbox.dispatch(OutboxMessage.objects.first().pk) is False  # the process pauses its doorbells
    monkeypatch.setattr(outbox, "_broker_down_until", 0.0)
    assert outbox.sweep(now=timezone.now() + timedelta(minutes=2)) == 2
    assert len(mail.outbox) == 1 and not OutboxMessage.objects.filter(done_at__isnull=True).exists()


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
