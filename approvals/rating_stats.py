"""Read queries of 好差评: the department's ratings, public statistics per department and item, and the
monthly figures the supervision scores read. Every figure is one aggregate query (GROUP BY), never a loop
per department or item; ratings excluded by an upheld appeal count nowhere.

满意率 (satisfaction rate) = ratings 非常满意 + 满意 + 基本满意 over all counted ratings (GB/T 39735: the
five levels; the rate's definition is local practice, docs/ratings.md).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, Q, QuerySet

from approvals.models import Evaluation, FollowUp
from hall.calendar import SHANGHAI

SATISFIED = Q(level__gte=Evaluation.Level.BASICALLY_SATISFIED)
BAD = Q(level__lte=Evaluation.Level.DISSATISFIED)


@dataclass(frozen=True)
class Figures:
    count: int
    satisfied: int
    bad: int

    @property
    def rate(self) -> float | None:
        """满意率 in percent (one decimal), None without ratings."""
        return round(100 * self.satisfied / self.count, 1) if self.count else None


def counted() -> QuerySet[Evaluation]:
    return Evaluation.objects.filter(excluded=False)


def _aggregate(rows: QuerySet, key: str) -> dict:
    grouped = rows.values(key).annotate(n=Count("id"), ok=Count("id", filter=SATISFIED), bad=Count("id", filter=BAD))
    return {row[key]: Figures(row["n"], row["ok"], row["bad"]) for row in grouped}


def by_department() -> dict[int, Figures]:
    """Counted ratings per department id (every channel and stage)."""
    return _aggregate(counted(), "department_id")


def by_item(item_ids) -> dict[int, Figures]:
    """Counted ratings per item id, for the items given (a catalog page's items)."""
    return _aggregate(counted().filter(item_id__in=item_ids), "item_id")


def for_department(department_id: int) -> Figures:
    return by_department_filtered(Q(department_id=department_id)).get(department_id, Figures(0, 0, 0))


def by_department_filtered(condition: Q) -> dict[int, Figures]:
    return _aggregate(counted().filter(condition), "department_id")


def _figure(f: Figures) -> dict:
    return {"label": "满意率", "value": f"{f.rate}%", "detail": f"（{f.count} 条评价）"}


def public_figures(item_ids, department_ids) -> dict:
    """The catalog's provider (``catalog.figures``): 满意率 and count per item and per department — one
    GROUP BY (department, item) query whatever the number of items on the page, summed here; nothing for
    those without ratings."""
    item_ids, department_ids = set(item_ids), set(department_ids)
    if not item_ids and not department_ids:
        return {"items": {}, "departments": {}}
    rows = (
        counted().filter(Q(item_id__in=item_ids) | Q(department_id__in=department_ids))
        .values("department_id", "item_id")
        .annotate(n=Count("id"), ok=Count("id", filter=SATISFIED), bad=Count("id", filter=BAD))
        .order_by()
    )  # fmt: skip
    sums: dict[tuple[str, int], list[int]] = {}
    for row in rows:
        keys = [("item", row["item_id"])] if row["item_id"] in item_ids else []
        keys += [("department", row["department_id"])] if row["department_id"] in department_ids else []
        for key in keys:
            total = sums.setdefault(key, [0, 0, 0])
            total[0], total[1], total[2] = total[0] + row["n"], total[1] + row["ok"], total[2] + row["bad"]
    items = {key: Figures(*v) for (kind, key), v in sums.items() if kind == "item"}
    departments = {key: Figures(*v) for (kind, key), v in sums.items() if kind == "department"}
    return {
        "items": {key: _figure(f) for key, f in items.items() if f.count},
        "departments": {key: _figure(f) for key, f in departments.items() if f.count},
    }


def ratings_for_departments(department_ids) -> QuerySet[Evaluation]:
    """The ratings of the given departments (a subquery), newest first, with what the list shows."""
    return (
        Evaluation.objects.filter(department_id__in=department_ids)
        .select_related("application", "item", "window", "department", "follow_up", "appeal")
        .order_by("-created_at", "-id")
    )


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """``YYYY-MM`` as [first instant, first instant of the next month) in Asia/Shanghai."""
    year, mon = (int(part) for part in month.split("-"))
    first = date(year, mon, 1)
    following = (first + timedelta(days=32)).replace(day=1)
    return datetime.combine(first, time(), SHANGHAI), datetime.combine(following, time(), SHANGHAI)


def monthly_rating_metrics(month: str) -> dict[int, dict]:
    """Per department id, the month's rating figures: counted ratings, satisfied, bad, 满意率, follow-ups
    opened, follow-ups ended late or still overdue at the month's end, appeals upheld. Three GROUP BY
    queries, whatever the number of departments."""
    start, end = month_bounds(month)
    figures = by_department_filtered(Q(created_at__gte=start, created_at__lt=end))
    follow = (
        FollowUp.objects.filter(opened_at__gte=start, opened_at__lt=end)
        .values("department_id")
        .annotate(
            opened=Count("id"),
            late=Count(
                "id", filter=Q(rectify_due__lt=end) & (Q(closed_at__isnull=True) | Q(closed_at__gt=F("rectify_due")))
            ),
        )
    )
    excluded = (
        Evaluation.objects.filter(excluded=True, created_at__gte=start, created_at__lt=end)
        .values("department_id")
        .annotate(n=Count("id"))
    )
    out: dict[int, dict] = {}

    def row(department_id):
        return out.setdefault(department_id, {
            "ratings": 0, "satisfied": 0, "bad": 0, "satisfaction_rate": None, "follow_ups": 0,
            "follow_ups_late": 0, "excluded": 0,
        })  # fmt: skip

    for department_id, f in figures.items():
        row(department_id).update(ratings=f.count, satisfied=f.satisfied, bad=f.bad, satisfaction_rate=f.rate)
    for r in follow:
        row(r["department_id"]).update(follow_ups=r["opened"], follow_ups_late=r["late"])
    for r in excluded:
        row(r["department_id"])["excluded"] = r["n"]
    return out
