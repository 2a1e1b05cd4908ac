"""Read queries of the e-monitoring API and its dashboard: a constant number of statements whatever
the number of cases, warnings or events."""

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet

from approvals.models import OPEN_STATES, Application, Event
from approvals.selectors import due_by_q, overdue_q
from hall import calendar, paging
from hall.models import Department, Heartbeat
from supervision.models import ChainDigest, Warning

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


# --- "next page" paging of the warning list, newest first (hall.paging) -------------------------


def warning_page(warnings: QuerySet[Warning], *, size: int, before=None, after=None) -> paging.Page:
    """One page of ``warnings`` by ``(-raised_at, -id)`` along the open-warnings index: ``before`` the
    older warnings following a row, ``after`` the newer ones preceding it (decoded cursors). A page
    past either end is empty (its warnings were resolved)."""
    return paging.newest_first(warnings, field="raised_at", size=size, older=before, newer=after)


def last_scan():
    """When the beat task last ran the scan (its ``scan_deadlines`` heartbeat), or None."""
    return Heartbeat.objects.filter(name=SCAN_HEARTBEAT).values_list("at", flat=True).first()


DUE_SOON_WORKING_DAYS = 3


def summary(now: datetime) -> dict:
    """The dashboard's figures in three aggregate queries: open cases by department and state (with
    the overdue ones and those due today or within 3 working days), open warnings by department,
    kind and level, and the departments' names."""
    today = calendar.local_date(now)
    end_of_today = calendar.end_of_day(today)
    soon = calendar.end_of_day(calendar.add_working_days(today, DUE_SOON_WORKING_DAYS))
    cases = (
        Application.objects.filter(state__in=OPEN_STATES)
        .values("department_id", "state")
        .annotate(
            n=Count("id"),
            overdue=Count("id", filter=overdue_q(now)),  # the one definition (approvals.selectors)
            due_today=Count("id", filter=due_by_q(now, end_of_today)),
            due_soon=Count("id", filter=due_by_q(now, soon)),
        )
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
    overdue = due_today = due_soon = 0
    for row in cases:
        by_state[row["state"]] += row["n"]
        overdue += row["overdue"]
        due_today += row["due_today"]
        due_soon += row["due_soon"]
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
        "due_today": due_today,
        "due_within_3_working_days": due_soon,
        "departments": [
            {"department": {"code": d.code, "name": d.name}, **rows[d.pk]}
            for d in sorted(departments, key=lambda d: (d.sort_order, d.code))
        ],
    }


# --- the event feed ------------------------------------------------------------------------------
# Events and, since issue 12, the daily audit-chain digests (``ChainDigest``), each placed right after
# the last event it covers. Every item has a position (event id, 0) or (after_event_id, digest id).

FEED_PAGE = 100
_FEED_CURSOR = re.compile(r"(\d{1,18})(?:\.(\d{10}))?")


def event_cursor(event_id: int, digest_id: int = 0) -> str:
    """Opaque to clients but ordered, also as strings: ``<event id, 16 digits>`` for an event,
    ``<event id>.<digest id, 10 digits>`` for a digest after that event."""
    return f"{event_id:016d}.{digest_id:010d}" if digest_id else f"{event_id:016d}"


def parse_event_cursor(token: str) -> tuple[int, int] | None:
    match = _FEED_CURSOR.fullmatch((token or "").strip())
    return (int(match[1]), int(match[2] or 0)) if match else None


@dataclass
class FeedItem:
    kind: str  # "event" | "digest"
    position: tuple[int, int]
    row: object

    @property
    def cursor(self) -> str:
        return event_cursor(*self.position)


def event_page(after: tuple[int, int] | int) -> tuple[list[FeedItem], bool]:
    """Feed items strictly after the position ``after``, oldest first: two queries of
    ``FEED_PAGE + 1`` rows (events by id, digests by their index), merged."""
    after_id, after_digest = (after, 0) if isinstance(after, int) else after
    events = (
        Event.objects.filter(pk__gt=after_id)
        .select_related("application")
        .only("id", "at", "action", "from_state", "to_state", "actor_role", "application__number", "application__state")
        .order_by("id")
    )
    digests = ChainDigest.objects.filter(
        Q(after_event_id__gt=after_id) | Q(after_event_id=after_id, pk__gt=after_digest)
    ).order_by("after_event_id", "id")
    items = [FeedItem("event", (e.pk, 0), e) for e in events[: FEED_PAGE + 1]]
    items += [FeedItem("digest", (d.after_event_id, d.pk), d) for d in digests[: FEED_PAGE + 1]]
    items.sort(key=lambda item: item.position)
    return items[:FEED_PAGE], len(items) > FEED_PAGE
