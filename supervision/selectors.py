"""Read queries of the e-monitoring API and (later) its dashboard: a constant number of statements
whatever the number of cases, warnings or events."""

from collections import defaultdict
from datetime import datetime

from django.db.models import Count, Q, QuerySet

from approvals.models import OPEN_STATES, Application, Event, State
from hall.models import Department
from supervision.models import Warning

WARNING_KEYS = [(Warning.Kind.ACCEPT, Warning.Level.RED), (Warning.Kind.CORRECTION_NOTICE, Warning.Level.RED),
                (Warning.Kind.DECISION, Warning.Level.YELLOW), (Warning.Kind.DECISION, Warning.Level.RED),
                (Warning.Kind.DELIVERY, Warning.Level.RED)]  # fmt: skip


def warning_list(*, kind: str = "", level: str = "", department: str = "", open: str = "true") -> QuerySet[Warning]:
    """Warnings newest first (``open``: ``true`` only open ones, ``false`` only resolved, ``all``)."""
    warnings = Warning.objects.select_related("application", "department").only(
        "id", "kind", "level", "due_at", "raised_at", "resolved_at",
        "application__number", "application__state", "department__code", "department__name",
    )  # fmt: skip
    if open != "all":
        warnings = warnings.filter(resolved_at__isnull=open == "true")
    if kind:
        warnings = warnings.filter(kind=kind)
    if level:
        warnings = warnings.filter(level=level)
    if department:
        warnings = warnings.filter(department__code=department)
    return warnings.order_by("-raised_at", "-id")


def overdue_q(now: datetime) -> Q:
    """The case's running legal period has passed (the same rules as the red warnings; a suspended
    case's clock stands still, art. 45)."""
    return (
        Q(state=State.SUBMITTED, accept_due__lt=now)
        | Q(state__in=[State.ACCEPTED, State.UNDER_REVIEW], decision_due__lt=now)
        | Q(state=State.DECIDED, decision=Application.Decision.APPROVED, delivery_due__lt=now)
    )


def summary(now: datetime) -> dict:
    """The dashboard's figures in three aggregate queries: open cases by department and state (with
    the overdue ones), open warnings by department, kind and level, and the departments' names."""
    cases = (
        Application.objects.filter(state__in=OPEN_STATES)
        .values("department_id", "state")
        .annotate(n=Count("id"), overdue=Count("id", filter=overdue_q(now)))
        .order_by()
    )
    warnings = (
        Warning.objects.filter(resolved_at__isnull=True)
        .values("department_id", "kind", "level")
        .annotate(n=Count("id"))
        .order_by()
    )
    by_state = {state: 0 for state in OPEN_STATES}
    by_warning = {f"{kind}_{level}": 0 for kind, level in WARNING_KEYS}
    rows = defaultdict(lambda: {"open_cases": 0, "overdue": 0, "yellow": 0, "red": 0})
    overdue = 0
    for row in cases:
        by_state[row["state"]] += row["n"]
        overdue += row["overdue"]
        rows[row["department_id"]]["open_cases"] += row["n"]
        rows[row["department_id"]]["overdue"] += row["overdue"]
    for row in warnings:
        by_warning[f"{row['kind']}_{row['level']}"] += row["n"]
        rows[row["department_id"]][row["level"]] += row["n"]
    departments = Department.objects.filter(pk__in=rows).only("code", "name", "sort_order")
    return {
        "as_of": now,
        "open_cases": {"total": sum(by_state.values()), "by_state": by_state},
        "open_warnings": {"total": sum(by_warning.values()), "by_kind_level": by_warning},
        "overdue": overdue,
        "departments": [
            {"department": {"code": d.code, "name": d.name}, **rows[d.pk]}
            for d in sorted(departments, key=lambda d: (d.sort_order, d.code))
        ],
    }


# --- the event feed ------------------------------------------------------------------------------

FEED_PAGE = 100


def event_cursor(event_id: int) -> str:
    """Opaque to clients but ordered: zero-padded, so cursors also compare as strings."""
    return f"{event_id:016d}"


def parse_event_cursor(token: str) -> int | None:
    token = (token or "").strip()
    return int(token) if token.isdigit() and len(token) <= 18 else None


def event_page(after_id: int) -> tuple[list[Event], bool]:
    """Events strictly after ``after_id``, oldest first, one query of ``FEED_PAGE + 1`` rows."""
    events = (
        Event.objects.filter(pk__gt=after_id)
        .select_related("application")
        .only("id", "at", "action", "from_state", "to_state", "actor_role", "application__number", "application__state")
        .order_by("id")
    )
    rows = list(events[: FEED_PAGE + 1])
    return rows[:FEED_PAGE], len(rows) > FEED_PAGE
