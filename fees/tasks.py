"""Thin Celery wrappers over fees services."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone


@shared_task(name="fees.tasks.reconcile_yesterday")
def reconcile_yesterday(gateway: str = "simulator") -> str:
    """Beat, daily: reconcile yesterday's payments with the gateway's statement (idempotent, so a rerun
    or a missed day caught up by hand with ``manage.py reconcile_payments --date`` is safe)."""
    from fees import reconcile

    run = reconcile.reconcile(timezone.localdate() - timedelta(days=1), gateway)
    return f"{run.day}: booked {run.booked_count}, anomalies {run.anomaly_count}"
