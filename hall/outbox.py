"""The transactional outbox (CONVENTIONS.md §4): side effects leave through rows, not through Redis.

1. ``enqueue`` writes an ``OutboxMessage`` inside the transaction of the change that causes it (a
   case transition, a notification, an issued notice): the change and its side effects commit or
   roll back together.
2. After commit, ``ring`` rings the doorbell: one Celery message per transaction (per savepoint
   level), naming its messages (``hall.tasks.run_outbox`` for one, ``hall.tasks.run_outbox_batch`` for
   several, which a worker rings on as one ``run_outbox`` task per message). A broker outage is logged,
   never raised — the request that made the change succeeds.
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


DOORBELL_BATCH = 50  # at most this many messages named by one doorbell


def enqueue(handler: str, **payload) -> OutboxMessage:
    """Record a side effect in the current transaction; it is dispatched after commit."""
    message = OutboxMessage.objects.create(handler=handler, payload=payload, available_at=timezone.now())
    _ring_after_commit(message.pk)
    return message


class _Doorbell:
    """The after-commit hook that rings once for every message enqueued at one savepoint level of a
    transaction (issue 22: each doorbell is a broker round trip; an accept writes two messages)."""

    __slots__ = ("message_ids",)

    def __init__(self, message_id: int):
        self.message_ids = [message_id]

    def __call__(self):
        ring(self.message_ids)


def _ring_after_commit(message_id: int) -> None:
    """Join the doorbell already waiting for this transaction's commit at the same savepoint level (a
    rolled-back savepoint drops its hooks, so only messages of one level share one), else add one."""
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        level = set(connection.savepoint_ids)  # as ``on_commit`` records it
        for savepoints, hook, _robust in reversed(connection.run_on_commit):
            if isinstance(hook, _Doorbell) and savepoints == level:
                hook.message_ids.append(message_id)
                return
    transaction.on_commit(_Doorbell(message_id))


def ring(message_ids: list[int]) -> bool:
    """Hand messages to the workers, ``DOORBELL_BATCH`` per broker message: ``run_outbox`` for one,
    ``run_outbox_batch`` for several. False when the broker cannot take them now (see ``dispatch``)."""
    from hall.tasks import run_outbox, run_outbox_batch

    for start in range(0, len(message_ids), DOORBELL_BATCH):
        batch = message_ids[start : start + DOORBELL_BATCH]
        task, args = (run_outbox, (batch[0],)) if len(batch) == 1 else (run_outbox_batch, (batch,))
        if not _publish(task, args, batch):
            return False
    return True


def dispatch(message_id: int) -> bool:
    """Hand one message to a worker. False when the broker cannot take it now (logged; the sweep tries
    again). After a failure this process does not ring for ``BROKER_PAUSE_SECONDS``, so that during an
    outage each request pays for at most one refused connection, not one per message."""
    from hall.tasks import run_outbox

    return _publish(run_outbox, (message_id,), [message_id])


def _publish(task, args: tuple, message_ids: list[int]) -> bool:
    global _broker_down_until

    if time.monotonic() < _broker_down_until:
        return False
    try:
        task.apply_async(args, retry=False)
    except Exception:  # any broker failure: the row is the truth, the sweep catches up
        _broker_down_until = time.monotonic() + BROKER_PAUSE_SECONDS
        logger.warning("outbox: broker unavailable, messages %s wait for the sweep", message_ids, exc_info=True)
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
