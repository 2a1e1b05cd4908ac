"""approvals listens to the hall (working days change: open cases' due dates follow) and to fees (its
acts issue notices)."""

from django.dispatch import receiver

from approvals.signals import case_transitioned
from fees import signals as fees_signals
from hall import audit
from hall.signals import calendar_changed


@receiver(calendar_changed)
def recompute_after_calendar_change(sender, years, by=None, **kwargs):
    from approvals.joint import recompute_task_clocks
    from approvals.services import recompute_open_deadlines

    moved = recompute_open_deadlines(years=years)
    tasks = recompute_task_clocks()  # 联合审批: the departments' open tasks follow their cases
    audit.record("approvals.recompute_deadlines", f"years {sorted(years)}", actor=by, cases=moved, joint_tasks=tasks)


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


@receiver(fees_signals.refunded)
def issue_refund_receipt(sender, application, at, **kwargs):
    """退款凭证: issued by each executed refund (partial refunds each get their own)."""
    from approvals import notices

    notices.issue(application, "refund", at=at)


@receiver(case_transitioned)
def recount_the_queue(sender, department_id, **kwargs):
    """The workbench's counts per state of the case's department are counted again (approvals.queue_counts)."""
    from approvals import queue_counts

    queue_counts.moved(department_id)


@receiver(case_transitioned)
def follow_bundle(sender, case_id, bundle_id, **kwargs):
    """一件事: the bundle is done once its last sub-case is decided (approvals.bundles)."""
    if bundle_id is None:  # not a sub-case of a bundle: nothing to follow
        return
    from approvals.bundles import note_sub_case_moved

    note_sub_case_moved(case_id)


# The front desk's receiver (a window act links the case to the visit's ticket) connects on import.
from approvals import frontdesk as _frontdesk  # noqa: E402, F401
