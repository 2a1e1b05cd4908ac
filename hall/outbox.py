"""The transactional outbox (CONVENTIONS.md §4): side effects leave through rows, not through Redis.

1. ``enqueue`` writes an ``OutboxMessage`` inside the transaction of the change that causes it (a
   case transition, a notification, an issued notice): the change and its side effects commit or
   roll back together.
2. After commit, ``dispatch`` rings the doorbell: one Celery task (``hall.tasks.run_outbox``) per
   message. A broker outage is logged, never raised — the request that made the change succeeds.
3. ``run`` (the worker) locks the row, runs its handler, and marks it done in the same transaction;
   a failed handler is retried later with a growing delay (30 s, 1 min, … at most 1 hour).
4. ``sweep`` (beat, every minute) dispatches every message not done whose time has come, however
   old: no window after which a side effect is forgotten. A message dispatched twice runs once
   (``SELECT … FOR UPDATE SKIP LOCKED`` and the ``done_at`` check).
5. ``purge_done`` (beat, daily) deletes messages done more than ``OUTBOX_RETENTION_DAYS`` ago, in
   small batches: a done row is a receipt for operators, not a record (the case's events, notices and
   notifications are the record), and a million cases leave several million of them a year. Messages
   not done are never purged.

Handlers are module-level functions named by dotted path whose keyword arguments are the JSON
payload; each must be safe to run again after a crash between its effect and the commit (at least
once): the notification channels mark what they sent, a notice renders only once.
"""

import logging
import time
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from hall.models import OutboxMessage

logger = logging.getLogger(__name__)

RETRY_BASE = timedelta(seconds=30)
RETRY_MAX = timedelta(hours=1)
SWEEP_GRACE = timedelta(seconds=60)  # the after-commit dispatch normally handles a fresh message
BROKER_PAUSE_SECONDS = 5.0  # after a refused doorbell, this process stops ringing for a moment

_broker_down_until = 0.0  # time.monotonic() before which dispatch does not try the broker


def enqueue(handler: str, **payload) -> OutboxMessage:
    """Record a side effect in the current transaction; it is dispatched after commit."""
    message = OutboxMessage.objects.create(handler=handler, payload=payload, available_at=timezone.now())
    transaction.on_commit(lambda: dispatch(message.pk))
    return message


def dispatch(message_id: int) -> bool:
    """Hand one message to a worker. False when the broker cannot take it now (logged; the sweep tries
    again). After a failure this process does not ring for ``BROKER_PAUSE_SECONDS``, so that during an
    outage each request pays for at most one refused connection, not one per message."""
    global _broker_down_until
    from hall.tasks import run_outbox

    if time.monotonic() < _broker_down_until:
        return False
    try:
        run_outbox.apply_async((message_id,), retry=False)
    except Exception:  # any broker failure: the row is the truth, the sweep catches up
        _broker_down_until = time.monotonic() + BROKER_PAUSE_SECONDS
        logger.warning("outbox: broker unavailable, message %s waits for the sweep", message_id, exc_info=True)
        return False
    return True


def retry_delay(attempts: int) -> timedelta:
    return min(RETRY_BASE * 2 ** min(max(attempts - 1, 0), 12), RETRY_MAX)


def run(message_id: int) -> str:
    """Carry out one message: ``done``, ``skipped`` (done already, or another worker has it) or
    ``failed`` (retried after ``retry_delay``)."""
    try:
        with transaction.atomic():
            message = (
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(pk=message_id, done_at__isnull=True)
                .first()
            )
            if message is None:
                return "skipped"
            import_string(message.handler)(**message.payload)
            message.attempts += 1
            message.done_at, message.last_error = timezone.now(), ""
            message.save(update_fields=["attempts", "done_at", "last_error"])
        return "done"
    except Exception as exc:  # a handler's failure is recorded and retried, never lost
        logger.exception("outbox: message %s failed", message_id)
        failed = OutboxMessage.objects.filter(pk=message_id, done_at__isnull=True).first()
        if failed is not None:
            failed.attempts += 1
            failed.available_at = timezone.now() + retry_delay(failed.attempts)
            failed.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            failed.save(update_fields=["attempts", "available_at", "last_error"])
        return "failed"


def pending(now=None, *, grace: timedelta = timedelta(0)):
    """Messages not done whose time has come (``grace``: leave the freshest to their own doorbell)."""
    now = now or timezone.now()
    return OutboxMessage.objects.filter(done_at__isnull=True, available_at__lte=now - grace)


def sweep(*, limit: int = 500, now=None) -> int:
    """Dispatch the oldest due messages (index ``outbox_pending``); stops at the first broker failure."""
    ids = list(pending(now, grace=SWEEP_GRACE).order_by("available_at", "id").values_list("pk", flat=True)[:limit])
    sent = 0
    for message_id in ids:
        if not dispatch(message_id):
            break
        sent += 1
    return sent


def purge_done(*, older_than: timedelta, batch: int = 5000, now=None) -> int:
    """Delete messages done before ``now - older_than``, ``batch`` rows per statement (short locks, no
    long transaction). Returns how many were deleted."""
    cutoff = (now or timezone.now()) - older_than
    deleted = 0
    while ids := list(
        OutboxMessage.objects.filter(done_at__lt=cutoff).order_by("id").values_list("pk", flat=True)[:batch]
    ):
        deleted += OutboxMessage.objects.filter(pk__in=ids).delete()[0]
    return deleted


def drain(*, limit: int = 10_000, now=None) -> int:
    """Run due messages in this process until none is due (``manage.py drain_outbox``: an operator's
    tool when no worker runs; handlers may enqueue more, e.g. a notification its email). Returns how
    many were done; a message that fails waits for its retry time and stops being due."""
    done = 0
    while done < limit:
        ids = list(pending(now).order_by("available_at", "id").values_list("pk", flat=True)[: limit - done])
        results = [run(message_id) for message_id in ids]
        if "done" not in results:
            return done
        done += results.count("done")
    return done


def enqueue_later(handler: str, at, **payload) -> OutboxMessage:
    """A side effect due at ``at``, not before: a handler that records its own failed attempt (a webhook
    delivery log) schedules its retry this way, with ``retry_delay`` backoff, instead of raising (which
    would roll its log back). The sweep dispatches it once due."""
    return OutboxMessage.objects.create(handler=handler, payload=payload, available_at=at)
