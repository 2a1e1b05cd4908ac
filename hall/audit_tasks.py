"""Celery beat: the daily digest of the audit chains (``hall.digest``; schedule in hall/celery.py)."""

from celery import shared_task

from hall.digest import write_digest


@shared_task(name="hall.audit_tasks.audit_digest")
def audit_digest() -> str:
    """Daily at 00:05 Asia/Shanghai: one digest of every chain since the previous one. A missed day
    loses nothing: the next digest covers everything since the last one written."""
    return write_digest().row_hash
