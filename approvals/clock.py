"""The legal clock of a case, computed only with ``hall.calendar`` and stored as instants.

- receipt: acceptance or the one-time correction notice is due within 5 working days (art. 32);
- decision: ``clock_start`` + committed limit + extension + suspended working days (arts. 42, 45);
- yellow warning: the last fifth of the decision period, at least its last working day;
- delivery: 10 working days after the decision (art. 44).
"""

import math
from datetime import date, datetime

from django.db.models import Q
from django.utils import timezone

from approvals.models import Application, State
from approvals.workflow import DECISION_CLOCK_STATES, OPEN_STATES
from hall import calendar

ACCEPTANCE_DAYS = 5  # art. 32
DELIVERY_DAYS = 10  # art. 44


def start_of_day(d) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=calendar.SHANGHAI)


def running_deadline(case):
    """The instant the hall must act by in the case's state: acceptance or the correction notice
    (art. 32), the decision (art. 42; standing still while suspended, art. 45), delivery (art. 44)."""
    if case.state == State.SUBMITTED:
        return case.accept_due
    if case.state in DECISION_CLOCK_STATES or case.state == State.SUSPENDED:
        return case.decision_due
    if case.state == State.DECIDED:
        return case.delivery_due
    return None


def set_due_at(case) -> None:
    case.due_at = running_deadline(case)


def set_receipt_clock(case, at: datetime) -> None:
    """Materials received at ``at``: acceptance or a correction notice is due in 5 working days."""
    case.received_at = at
    due = calendar.deadline_instant(at, ACCEPTANCE_DAYS)
    case.accept_due = case.correction_notice_due = due
    case.deadline_provisional = calendar.span_is_provisional(calendar.local_date(at), due.date())


def set_decision_clock(case) -> None:
    """Recompute ``decision_due`` and ``decision_yellow_at`` from the stored inputs."""
    period = case.decision_days + case.extension_days + case.suspended_days
    due_day = calendar.deadline_date(case.clock_start, period)
    case.decision_due = calendar.end_of_day(due_day)
    last_fifth = max(1, math.ceil(period / 5))
    yellow_day = calendar.deadline_date(case.clock_start, max(period - last_fifth + 1, 0))
    case.decision_yellow_at = start_of_day(yellow_day)
    case.deadline_provisional = calendar.span_is_provisional(case.clock_start, due_day)


def set_delivery_clock(case, decided_at: datetime) -> None:
    due = calendar.deadline_instant(decided_at, DELIVERY_DAYS)
    case.delivery_due = due
    # Once decided only the delivery period runs (art. 44); the decision period's flag no longer applies.
    case.deadline_provisional = calendar.span_is_provisional(calendar.local_date(decided_at), due.date())


def working_days_used(case, decided_at: datetime) -> int | None:
    """Working days from the start of the decision period to the decision day, special procedures
    excluded (arts. 42, 45) — counted as ``set_decision_clock`` counts the period, so a case decided
    on its due day used exactly its period. None when no decision period ran (decided at intake)."""
    if case.clock_start is None:
        return None
    first = calendar.next_working_day(case.clock_start)
    return max(calendar.working_days_between(first, calendar.local_date(decided_at)) - case.suspended_days, 0)


def suspended_working_days(started_at: datetime, ended_at: datetime) -> int:
    """Working days after the day the procedure started, up to and including the day it ended."""
    return max(calendar.working_days_between(calendar.local_date(started_at), calendar.local_date(ended_at)), 0)


def recompute(case) -> None:
    """After a calendar change: the same inputs on the new calendar (open cases only)."""
    if case.received_at and case.accepted_at is None:
        set_receipt_clock(case, case.received_at)
    if case.clock_start is not None and case.decided_at is None:
        set_decision_clock(case)
    if case.decided_at is not None and case.delivered_at is None:
        set_delivery_clock(case, case.decided_at)
    set_due_at(case)


def now() -> datetime:
    return timezone.now()


OPEN_CLOCK_STATES = [s for s in OPEN_STATES if s != State.CORRECTION_REQUESTED]
CLOCK_FIELDS = ["accept_due", "correction_notice_due", "decision_due", "decision_yellow_at", "delivery_due", "due_at",
                "deadline_provisional"]  # fmt: skip
CLOCK_INPUTS = ["received_at", "accepted_at", "clock_start", "decision_days", "extension_days", "suspended_days",
                "decided_at", "delivered_at"]  # fmt: skip


def recompute_open_deadlines(*, years: set[int] | None = None) -> int:
    """After a calendar change, recompute the stored instants of open cases whose deadlines lie on or
    after the first changed year (all provisional ones when ``years`` is None). Returns how many moved."""
    cases = Application.objects.filter(state__in=OPEN_CLOCK_STATES)
    if years:
        first = calendar.end_of_day(date(min(years), 1, 1)).replace(hour=0, minute=0, second=0)
        cases = cases.filter(Q(accept_due__gte=first) | Q(decision_due__gte=first) | Q(delivery_due__gte=first))
    else:
        cases = cases.filter(deadline_provisional=True)
    updated = 0
    for case in cases.only("pk", "state", *CLOCK_INPUTS, *CLOCK_FIELDS).iterator(chunk_size=2000):
        before = [getattr(case, f) for f in CLOCK_FIELDS]
        recompute(case)
        if [getattr(case, f) for f in CLOCK_FIELDS] != before:
            Application.objects.filter(pk=case.pk).update(**{f: getattr(case, f) for f in CLOCK_FIELDS})
            updated += 1
    return updated
