"""Read queries of the e-monitoring API and its dashboard: a constant number of statements whatever
the number of cases, warnings or events."""

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Avg, Count, F, FloatField, QuerySet
from django.db.models.functions import Cast, TruncDate

from approvals.models import OPEN_STATES, Application
from approvals.selectors import due_by_q, due_soon_until, overdue_q
from hall import calendar, paging
from hall.models import Department, Heartbeat
from supervision.models import Warning

WARNING_KEYS = [(Warning.Kind.ACCEPT, Warning.Level.RED), (Warning.Kind.CORRECTION_NOTICE, Warning.Level.RED),
                (Warning.Kind.DECISION, Warning.Level.YELLOW), (Warning.Kind.DECISION, Warning.Level.RED),
                (Warning.Kind.DELIVERY, Warning.Level.RED), (Warning.Kind.ORDER, Warning.Level.RED),
                (Warning.Kind.JOINT_TASK, Warning.Level.RED),
                (Warning.Kind.FOLLOW_UP, Warning.Level.YELLOW),
                (Warning.Kind.FOLLOW_UP, Warning.Level.RED),
                (Warning.Kind.VERIFICATION, Warning.Level.RED)]  # fmt: skip
SCAN_HEARTBEAT = "scan_deadlines"  # recorded by supervision.tasks.scan_deadlines_task


def in_tier(tier: str) -> QuerySet:
    """The departments of one level of the hall (两级大厅: ``4`` district, ``5`` township; GB/T 39046
    A.2 codes, ``hall.Department.Level``), as a subquery for a semi-join."""
    return Department.objects.filter(level=tier).values("pk")


def warning_list(
    *, kind: str = "", level: str = "", department: str = "", open: str = "true",
    since: date | None = None, until: date | None = None, tier: str = "",
) -> QuerySet[Warning]:  # fmt: skip
    """Warnings newest first (``open``: ``true`` only open ones, ``false`` only resolved, ``all``),
    raised from the day ``since`` to the day ``until`` (Asia/Shanghai, both included), of the
    departments of one level (``tier``) when given."""
    warnings = Warning.objects.select_related("application", "department").only(
        "id", "kind", "level", "due_at", "raised_at", "resolved_at",
        "application__number", "application__state", "department__code", "department__name", "follow_up",
    )  # fmt: skip
    if open != "all":
        warnings = warnings.filter(resolved_at__isnull=open == "true")
    if kind:
        warnings = warnings.filter(kind=kind)
    if level:
        warnings = warnings.filter(level=level)
    if department:
        warnings = warnings.filter(department__code=department)
    if tier:
        warnings = warnings.filter(department_id__in=in_tier(tier))
    if since:
        warnings = warnings.filter(raised_at__gte=datetime.combine(since, time.min, tzinfo=calendar.SHANGHAI))
    if until:
        warnings = warnings.filter(raised_at__lte=calendar.end_of_day(until))
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


def summary(now: datetime, tier: str = "") -> dict:
    """The dashboard's figures in three aggregate queries: open cases by department and state (with
    the overdue ones and those due today or within 3 working days), open warnings by department,
    kind and level, and the departments' names and levels — of one level of the hall when ``tier``
    is given (两级大厅: district departments or township halls)."""
    today = calendar.local_date(now)
    end_of_today = calendar.end_of_day(today)
    soon = due_soon_until(now)
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
    if tier:
        cases = cases.filter(department_id__in=in_tier(tier))
        warnings = warnings.filter(department_id__in=in_tier(tier))
    by_state = {state: 0 for state in OPEN_STATES}
    by_warning = {f"{kind}_{level}": 0 for kind, level in WARNING_KEYS}
    rows = defaultdict(lambda: {"open_cases": 0, "overdue": 0, "yellow": 0, "red": 0, "states": {}, "cards": {}})
    overdue = due_today = due_soon = 0
    for row in cases:
        by_state[row["state"]] += row["n"]
        overdue += row["overdue"]
        due_today += row["due_today"]
        due_soon += row["due_soon"]
        rows[row["department_id"]]["open_cases"] += row["n"]
        rows[row["department_id"]]["overdue"] += row["overdue"]
        rows[row["department_id"]]["states"][row["state"]] = row["n"]
    for row in warnings:
        key = f"{row['kind']}_{row['level']}"
        by_warning[key] += row["n"]
        rows[row["department_id"]][row["level"]] += row["n"]
        rows[row["department_id"]]["cards"][key] = row["n"]
    departments = Department.objects.filter(pk__in=rows).only("code", "name", "sort_order", "level")
    return {
        "as_of": now,
        "open_cases": {"total": sum(by_state.values()), "by_state": by_state},
        "open_warnings": {"total": sum(by_warning.values()), "by_kind_level": by_warning},
        "overdue": overdue,
        "due_today": due_today,
        "due_within_3_working_days": due_soon,
        "departments": [
            {"department": {"code": d.code, "name": d.name}, "level": d.level, **rows[d.pk]}
            for d in sorted(departments, key=lambda d: (d.sort_order, d.code))
        ],
    }


# --- the dashboard's charts (DESIGN.md: one aggregate query each, on indexed instants) -------------

FLOW_DAYS = 30


def daily_flow(now: datetime, days: int = FLOW_DAYS) -> list[dict]:
    """Cases received (first submitted) and finished (decided, 办结) per day of Asia/Shanghai over the
    last ``days`` days, today included: two grouped range scans (``case_submitted_at``,
    ``case_decided_at``); days without any are 0."""
    first = calendar.local_date(now) - timedelta(days=days - 1)
    start = datetime(first.year, first.month, first.day, tzinfo=calendar.SHANGHAI)
    series = {first + timedelta(days=i): {"received": 0, "finished": 0} for i in range(days)}
    for column, key in (("submitted_at", "received"), ("decided_at", "finished")):
        rows = (
            Application.objects.filter(**{f"{column}__gte": start, f"{column}__lte": now})
            .annotate(day=TruncDate(column, tzinfo=calendar.SHANGHAI))
            .values("day")
            .annotate(n=Count("id"))
            .order_by()
        )
        for row in rows:
            day = row["day"] if isinstance(row["day"], date) else date.fromisoformat(str(row["day"]))
            if day in series:
                series[day][key] = row["n"]
    return [{"day": day, **counts} for day, counts in series.items()]


SLOWEST_ITEMS = 10


def slowest_items(now: datetime, days: int = FLOW_DAYS, limit: int = SLOWEST_ITEMS) -> list[dict]:
    """The items whose cases decided in the last ``days`` days used the largest share of their
    committed limit (承诺时限): average working days used (``working_days_used``, special procedures
    excluded, art. 45) against the average committed days. 即办件 (committed 0) have no share."""
    since = now - timedelta(days=days)
    rows = (
        Application.objects.filter(decided_at__gte=since, decided_at__lte=now, working_days_used__isnull=False,
                                   decision_days__gt=0)
        .values("item__code", "item__name", "department__name")
        .annotate(
            cases=Count("id"),
            used=Avg("working_days_used"),
            committed=Avg("decision_days"),
            share=Avg(Cast("working_days_used", FloatField()) / Cast(F("decision_days"), FloatField())),
        )
        .order_by("-share", "item__code")[:limit]
    )  # fmt: skip
    return [
        {"code": r["item__code"], "name": r["item__name"], "department": r["department__name"], "cases": r["cases"],
         "used": round(r["used"], 1), "committed": round(r["committed"], 1), "share": round(r["share"] * 100)}
        for r in rows
    ]  # fmt: skip


def scheduler_alarm(now: datetime, last: datetime | None) -> dict | None:
    """监察告警: the scheduler (Celery beat → the deadline scan) has not run for
    ``SCHEDULER_ALARM_MINUTES`` (default 5). Without it no card is raised and no order escalates, so
    the supervisors must know — not only ``/healthz``. ``last``: ``last_scan()``. None while it runs."""
    limit = timedelta(minutes=settings.SCHEDULER_ALARM_MINUTES)
    if last is not None and now - last <= limit:
        return None
    return {
        "kind": "scheduler_stopped",
        "since": last,
        "detail": f"定时扫描超过 {int(limit.total_seconds() // 60)} 分钟未运行：预警不再产生，督办不再升级。"
        "请检查 Celery beat 和 worker。",
    }
