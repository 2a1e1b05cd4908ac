"""Thin Celery wrappers over hall services."""

from celery import shared_task

from hall import services


@shared_task(name="hall.tasks.beat_heartbeat")
def beat_heartbeat() -> str:
    """Run by beat every BEAT_INTERVAL_SECONDS: proves scheduler, broker and a worker are alive."""
    return services.record_heartbeat("beat").at.isoformat()
