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


@shared_task(name="hall.tasks.sweep_outbox")
def sweep_outbox() -> int:
    """Beat: dispatch every outbox message not done whose time has come, however old (a broker or
    worker outage loses nothing; the next sweep after it catches up)."""
    from hall import outbox

    return outbox.sweep()
