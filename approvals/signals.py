"""Signals approvals sends after commit; notifications and supervision listen (nothing imports them)."""

from django.dispatch import Signal

# kwargs: case_id (int), action (str), event_id (int), department_id (int), bundle_id (int | None: 一件事),
# actor_id (int | None)
case_transitioned = Signal()
# A regulating department's finding on a decided case (approvals.regulators.record_finding), sent in its
# transaction: supervision puts it in the event feed.
regulator_finding = Signal()
