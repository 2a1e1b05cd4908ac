"""Thin Celery wrappers over approvals' own work."""

from celery import shared_task

from approvals import notices


@shared_task(name="approvals.tasks.render_pending_notices")
def render_pending_notices() -> int:
    """Beat sweep: notices issued by an act whose after-commit render did not happen (the process
    died in between). They render from what was fixed at issue, so their content is the act's."""
    return notices.render_pending()
