"""Signals approvals sends after commit; notifications and supervision listen (nothing imports them)."""

from django.db import transaction
from django.dispatch import Signal

# kwargs: case_id (int), action (str), event_id (int), department_id (int), bundle_id (int | None: 一件事),
# actor_id (int | None)
case_transitioned = Signal()
# A regulating department's finding on a decided case (approvals.regulators.record_finding), sent in its
# transaction: supervision puts it in the event feed.
regulator_finding = Signal()


def announce_after_commit(case, action: str, event) -> None:
    """``case_transitioned`` once the transaction commits, with the facts its receivers need (so they
    need not read the case again)."""
    transaction.on_commit(
        lambda: case_transitioned.send(
            sender=type(case), case_id=case.pk, action=action, event_id=event.pk, bundle_id=case.bundle_id,
            department_id=case.department_id, actor_id=event.actor_id,
        )
    )  # fmt: skip
