"""Thin Celery wrappers: beat triggers the deadline scan (DESIGN.md, Timers)."""

from celery import shared_task

from hall import services as hall_services
from supervision.scan import scan_deadlines
from supervision.selectors import SCAN_HEARTBEAT


@shared_task(name="supervision.tasks.scan_deadlines_task")
def scan_deadlines_task() -> dict:
    """Run by beat every SCAN_INTERVAL_SECONDS. A lost run loses nothing: the next scan catches up.
    Records the ``scan_deadlines`` heartbeat (``manage.py check_heartbeat scan_deadlines``)."""
    counts = scan_deadlines()
    hall_services.record_heartbeat(SCAN_HEARTBEAT)
    return counts
