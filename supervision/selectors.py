"""Read queries of the e-monitoring API and its dashboard: a constant number of statements whatever
the number of cases, warnings or events."""

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Count, Q, QuerySet

from approvals.models import OPEN_STATES, Application, Event
from approvals.selectors import overdue_q
from hall.models import Department, Heartbeat
from supervision.models import Warning

WARNING_KEYS = [(Warning.Kind.ACCEPT, Warning.Level.RED), (Warning.Kind.CORRECTION_NOTICE, Warning.Level.RED),
                (Warning.Kind.DECISION, Warning.Level.YELLOW), (Warning.Kind.DECISION, Warning.Level.RED),
                (Warning.Kind.DELIVERY, Warning.Level.RED)]  # fmt: skip
SCAN_HEARTBEAT = "scan_deadlines"  # recorded by supervision.tasks.scan_deadlines_task


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


# --- "next page" paging of the warning list, newest first (the dashboard) ------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_WARNING_CURSOR = re.compile(r"(\d{1,18})_(\d{1,18})")


def warning_cursor(warning: Warning) -> str:
    """Where a page stops: ``<raised_at in µs since 1970>_<id>`` (exact, no float)."""
    return f"{(warning.raised_at - _EPOCH) // _MICROSECOND}_{warning.pk}"


def parse_warning_cursor(token: str) -> tuple[datetime, int] | None:
    match = _WARNING_CURSOR.fullmatch(token or "")
    if not match:
        return None
    try:
        return _EPOCH + int(match[1]) * _MICROSECOND, int(match[2])
    except OverflowError:
        return None


@dataclass
class WarningPage:
    rows: list
    next_cursor: str = ""  # older warnings follow (``?before=``)
    previous_cursor: str = ""  # newer warnings precede (``?after=``)


def warning_page(warnings: QuerySet[Warning], *, size: int, before=None, after=None) -> WarningPage:
    """One page of ``warnings`` by ``(-raised_at, -id)`` from a parsed cursor: no ``COUNT``, no
    ``OFFSET``, one query of ``size + 1`` rows along the open-warnings index whatever the depth.

    ``before``: the older warnings following a row; ``after``: the newer ones preceding it (read
    oldest first, then reversed). A page past either end is empty (its warnings were resolved)."""
    if after is not None:
        at, pk = after
        page = warnings.filter(raised_at__gte=at).filter(Q(raised_at__gt=at) | Q(pk__gt=pk))
        page = page.order_by("raised_at", "id")
    elif before is not None:
        at, pk = before
        page = warnings.filter(raised_at__lte=at).filter(Q(raised_at__lt=at) | Q(pk__lt=pk))
        page = page.order_by("-raised_at", "-id")
    else:
        page = warnings.order_by("-raised_at", "-id")
    rows = list(page[: size + 1])
    more, rows = len(rows) > size, rows[:size]
    if after is not None:
        rows.reverse()
        has_previous, has_next = more, True
    else:
        has_previous, has_next = before is not None, more
    return WarningPage(
        rows=rows,
        next_cursor=warning_cursor(rows[-1]) if has_next and rows else "",
        previous_cursor=warning_cursor(rows[0]) if has_previous and rows else "",
    )


def last_scan():
    """When the beat task last ran the scan (its ``scan_deadlines`` heartbeat), or None."""
    return Heartbeat.objects.filter(name=SCAN_HEARTBEAT).values_list("at", flat=True).first()


def summary(now: datetime) -> dict:
    """The dashboard's figures in three aggregate queries: open cases by department and state (with
    the overdue ones), open warnings by department, kind and level, and the departments' names."""
    cases = (
        Application.objects.filter(state__in=OPEN_STATES)
        .values("department_id", "state")
        .annotate(n=Count("id"), overdue=Count("id", filter=overdue_q(now)))  # the one definition
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
