"""Outbox retention: done messages older than OUTBOX_RETENTION_DAYS are deleted by the daily beat task;
a message not done is never deleted, however old."""

from datetime import timedelta

import pytest
from django.utils import timezone

from hall import tasks
from hall.models import OutboxMessage

pytestmark = pytest.mark.django_db


def _message(*, done_days_ago: int | None, created_days_ago: int = 60) -> OutboxMessage:
    now = timezone.now()
    done_at = None if done_days_ago is None else now - timedelta(days=done_days_ago)
    since = now - timedelta(days=created_days_ago)
    return OutboxMessage.objects.create(handler="hall.notifications.deliver", payload={}, available_at=since,
                                        done_at=done_at)  # fmt: skip


def test_old_done_messages_are_purged_and_nothing_else(settings):
    settings.OUTBOX_RETENTION_DAYS = 30
    old = [_message(done_days_ago=31 + n) for n in range(3)]
    recent = _message(done_days_ago=29)
    stuck = _message(done_days_ago=None, created_days_ago=400)  # never done: kept, the sweep still sends it

    assert tasks.purge_outbox.apply().get() == 3

    left = set(OutboxMessage.objects.values_list("pk", flat=True))
    assert left == {recent.pk, stuck.pk} and not left & {m.pk for m in old}
    assert tasks.purge_outbox.apply().get() == 0  # idempotent


def test_the_purge_works_in_batches(settings):
    from hall import outbox

    for _ in range(7):
        _message(done_days_ago=40)
    assert outbox.purge_done(older_than=timedelta(days=30), batch=3) == 7
    assert not OutboxMessage.objects.exists()
