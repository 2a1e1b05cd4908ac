"""approvals listens to the hall: when working days change, open cases' due dates follow."""

import logging

from django.dispatch import receiver

from approvals.signals import case_transitioned
from fees import signals as fees_signals
from hall import audit
from hall.signals import calendar_changed

logger = logging.getLogger(__name__)


@receiver(calendar_changed)
def recompute_after_calendar_change(sender, years, by=None, **kwargs):
    from approvals.services import recompute_open_deadlines

    moved = recompute_open_deadlines(years=years)
    audit.record("approvals.recompute_deadlines", f"years {sorted(years)}", actor=by, cases=moved)


@receiver(case_transitioned)
def tell_the_people_concerned(sender, case_id, action, event_id, **kwargs):
    """Runs after commit: a failure here is logged by the caller and never undoes the transition."""
    from approvals.notifications import send_for_event

    try:
        send_for_event(case_id, event_id)
    except Exception:  # the transition is committed; a missing message must not turn it into a 500
        logger.exception("notifications for case %s event %s failed", case_id, event_id)


@receiver(fees_signals.assessed)
def issue_payment_notice(sender, application, at, **kwargs):
    """缴款通知书: issued by the assessment (each corrected revision gets its own numbered notice)."""
    from approvals import notices

    notices.issue(application, "payment", at=at)


@receiver(fees_signals.paid)
def issue_receipt(sender, application, at, **kwargs):
    """收费票据: issued by the payment, dated the day it was paid."""
    from approvals import notices

    notices.issue(application, "receipt", at=at)
