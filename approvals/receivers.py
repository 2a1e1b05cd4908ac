"""approvals listens to the hall: when working days change, open cases' due dates follow."""

from django.dispatch import receiver

from hall import audit
from hall.signals import calendar_changed


@receiver(calendar_changed)
def recompute_after_calendar_change(sender, years, by=None, **kwargs):
    from approvals.services import recompute_open_deadlines

    moved = recompute_open_deadlines(years=years)
    audit.record("approvals.recompute_deadlines", f"years {sorted(years)}", actor=by, cases=moved)
