"""Thin Celery wrappers: beat triggers the deadline scan (DESIGN.md, Timers)."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from hall import services as hall_services
from supervision.orders import escalate_overdue
from supervision.rules import detect_anomalies
from supervision.scan import expire_licences, scan_deadlines, scan_follow_ups
from supervision.selectors import SCAN_HEARTBEAT, last_scan

# The beat's scan records the facts of periods closed since its previous run, with a day to spare
# (a transaction that committed late, a clock that stepped); a first run looks at every case.
FACT_LOOKBACK = timedelta(days=1)


@shared_task(name="supervision.tasks.scan_deadlines_task")
def scan_deadlines_task() -> dict:
    """Run by beat every SCAN_INTERVAL_SECONDS. A lost run loses nothing: the next scan catches up.
    Records the ``scan_deadlines`` heartbeat (``manage.py check_heartbeat scan_deadlines``)."""
    last = last_scan()
    now = timezone.now()
    since = last - FACT_LOOKBACK if last else None
    counts = scan_deadlines(now, since=since)
    counts["anomalies"] = detect_anomalies(now, since=since)  # conduct, after the clocks (supervision.rules)
    counts["escalated_orders"] = escalate_overdue(now)
    counts["follow_ups"] = scan_follow_ups(now)  # 差评整改 past their due (issue 21)
    counts["licences_expired"] = expire_licences(now)
    hall_services.record_heartbeat(SCAN_HEARTBEAT)
    return counts


@shared_task(name="supervision.tasks.monthly_report_task")
def monthly_report_task() -> str:
    """Run by beat every morning; on the first working day of a month (or the next run after it) it
    generates the previous month's report once (``supervision.report.generate_due``)."""
    from supervision.report import generate_due

    report = generate_due()
    return f"report {report.month:%Y-%m}" if report else "nothing due"
