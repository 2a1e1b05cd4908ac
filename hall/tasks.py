"""Thin Celery wrappers over hall services."""

from celery import shared_task

from hall import services


@shared_task(name="hall.tasks.beat_heartbeat")
def beat_heartbeat() -> str:
    """Run by beat every BEAT_INTERVAL_SECONDS: proves scheduler, broker and a worker are alive."""
    return services.record_heartbeat("beat").at.isoformat()


@shared_task(name="hall.tasks.run_outbox", acks_late=True)
def run_outbox(message_id: int) -> str:
    """One outbox message (hall.outbox.run): its handler, then done — or a later retry."""
    from hall import outbox

    return outbox.run(message_id)


@shared_task(name="hall.tasks.run_outbox_batch", acks_late=True)
def run_outbox_batch(message_ids: list[int]) -> int:
    """The one doorbell of a transaction's messages (hall.outbox.ring): rung on as one ``run_outbox``
    task per message, so each still runs, fails and is retried on its own, in parallel with the others
    (a notice's render never holds up a notification). Returns how many were handed on."""
    from hall import outbox

    return sum(outbox.dispatch(message_id) for message_id in message_ids)


@shared_task(name="hall.tasks.sweep_outbox")
def sweep_outbox() -> int:
    """Beat: dispatch every outbox message not done whose time has come, however old (a broker or
    worker outage loses nothing; the next sweep after it catches up)."""
    from hall import outbox

    return outbox.sweep()


@shared_task(name="hall.tasks.purge_outbox")
def purge_outbox() -> int:
    """Beat, daily: delete outbox messages done more than OUTBOX_RETENTION_DAYS ago (never one not done)."""
    from datetime import timedelta

    from django.conf import settings

    from hall import outbox

    return outbox.purge_done(older_than=timedelta(days=settings.OUTBOX_RETENTION_DAYS))


# The front desk's beat tasks (hall.frontdesk.tasks) register with the worker through this module.
from hall.frontdesk import tasks as _frontdesk_tasks  # noqa: E402, F401
