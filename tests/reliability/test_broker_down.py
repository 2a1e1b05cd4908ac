"""The broker (Redis) stopped while the hall works: every transition succeeds, its notifications wait in
the outbox, and when the broker is back the beat sweep and a real Celery worker deliver every one
(issue 12, point 1; CONVENTIONS §4: the broker is only a doorbell).

A redis-server of the test's own (tests/reliability/conftest.py) is the broker; the worker is Celery's
own test worker in a thread (``celery.contrib.testing.worker.start_worker``, solo pool).
"""

import time
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from approvals import services
from approvals.models import State
from hall import outbox
from hall.models import Notification, OutboxMessage
from tests.approvals import helpers

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
CASES = 20


@pytest.fixture
def broker(redis_server):
    """The Celery app pointed at the test's redis-server, tasks sent for real (not eagerly)."""
    from hall.celery import app

    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager", "broker_connection_retry_on_startup")}
    app.conf.update(broker_url=redis_server.url, task_always_eager=False, broker_connection_retry_on_startup=False)
    _reset_pool(app)
    # Celery's test worker makes the app it runs current and default; an earlier test's own app
    # (tests/hall/test_celery.py) would otherwise receive the shared tasks the outbox sends.
    app.set_current()
    app.set_default()
    yield app
    app.conf.update(saved)
    _reset_pool(app)


def _reset_pool(app) -> None:
    """Forget connections to the previous broker URL (the producer pool caches the connection pool)."""
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None


def _wait_until_done(messages, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while messages.filter(done_at__isnull=True).exists():
        left = list(messages.filter(done_at__isnull=True).values_list("handler", "attempts", "last_error")[:5])
        assert time.monotonic() < deadline, f"timed out; not done: {left}"
        time.sleep(0.2)


def test_transitions_succeed_with_the_broker_down_and_every_notification_follows_its_return(
    broker, redis_server, settings, tmp_path, monkeypatch
):
    settings.MEDIA_ROOT = tmp_path
    people = helpers.load_demo()
    drafts = [helpers.file_case(people.applicant) for _ in range(CASES)]
    before = OutboxMessage.objects.order_by("-id").values_list("id", flat=True).first() or 0

    redis_server.stop()
    started = time.perf_counter()
    submitted = [services.submit_application(case_id=case.pk, by=people.applicant) for case in drafts]
    elapsed = time.perf_counter() - started
    assert [case.state for case in submitted] == [State.SUBMITTED] * CASES  # 20 of 20 transitions succeeded
    waiting = OutboxMessage.objects.filter(handler="approvals.notifications.send_for_event", done_at__isnull=True)
    assert waiting.count() == CASES  # nothing sent, nothing lost
    assert not Notification.objects.filter(kind="new_case").exists()
    assert elapsed < CASES * 1.0, elapsed  # a refused doorbell costs little (it cost ~6 s a request)

    redis_server.start()
    monkeypatch.setattr(outbox, "_broker_down_until", 0.0)  # beat's sweep comes a minute later
    assert outbox.sweep(now=timezone.now() + timedelta(minutes=2)) == CASES  # beat's sweep after the outage
    with start_worker(broker, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        _wait_until_done(OutboxMessage.objects.filter(pk__gt=before))
    # Every clerk message (新办件待受理) arrived, and its own email/SMS went out through the outbox too.
    assert Notification.objects.filter(kind="new_case", user=people.clerk).count() == CASES
    assert OutboxMessage.objects.filter(handler="hall.notify.send_sms", done_at__isnull=False).count() >= CASES
