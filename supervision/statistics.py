"""统计分析 (信息服务): the hall's figures as the reform reports quote them, for a range of days.

Every figure is an aggregate over the cases' stored instants — a handful of grouped statements
whatever the number of cases, never a loop over cases (docs/supervision.md, "Statistics", defines
each one; bench/statistics.py measures them against the bare SQL):

- **received** (收件): first submitted in the range (``submitted_at``); **online** the part filed
  online (``channel = online``; the goal is 80 %, 国办发〔2018〕45号 "80% 的审批服务事项网上办");
- **accepted** (受理): the legal acceptance day (``clock_start``) in the range — for a deemed
  acceptance (视为受理, 行政许可法 art. 32) that is the day the materials were received, not the
  day someone pressed "accept";
- **finished** (办结): decided in the range (``decided_at``), approved or denied; **delivered** (送达)
  by ``delivered_at``; completion rate = finished / accepted (a flow ratio over the same range);
- **on time** (按时办结): decided by the stored ``decision_due`` — the committed limit plus a lawful
  extension plus the working days of special procedures, which do not count (arts. 42, 45);
- **即办件**: finished cases with a committed limit of 0 working days;
- **不见面** (zero visits): delivered cases filed online whose result went by post or electronically —
  the only two acts that bring an applicant to the hall are filing at a window and collecting there;
- **corrections** (补正): correction rounds of the finished cases; **working days used** is
  ``working_days_used`` (set by the decision, special procedures excluded) against ``decision_days``.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import Aggregate, Count, DateTimeField, F, IntegerField, Q, Sum
from django.db.models.functions import TruncDate, TruncMonth

from approvals.models import Application, BundleCase
from catalog.models import Item
from hall import calendar
from hall.models import Department

LEVELS = {"district": Department.Level.DISTRICT, "township": Department.Level.TOWNSHIP}
LEVEL_NAMES = {value: key for key, value in LEVELS.items()}
ONLINE_GOAL = 0.8  # 国办发〔2018〕45号: 80% 的审批服务事项网上办
NO_VISIT_DELIVERY = [Application.Delivery.EXPRESS, Application.Delivery.ELECTRONIC]
# A deemed acceptance counts from the receipt (art. 32) but is recorded when someone acts; the range
# query looks this far past its end for such acts (a later one is itself a red card of the scan).
DEEMED_LOOKAHEAD = timedelta(days=92)
# One point a day up to this many days, else one a month.
DAILY_SERIES_MAX_DAYS = 62
# The counts the figures are built from: sums, so departments add up to levels and to the hall.
COUNTS = ["received", "online", "accepted", "deemed", "finished", "approved", "denied", "timed", "on_time",
          "instant", "corrections", "measured", "days_used", "days_committed", "delivered", "no_visit"]  # fmt: skip


@dataclass(frozen=True)
class Period:
    """Days ``first`` to ``last`` of Asia/Shanghai, both included: the instants ``[start, end)``."""

    first: date
    last: date

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time.min, tzinfo=calendar.SHANGHAI)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=calendar.SHANGHAI)

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        following = date(year + month // 12, month % 12 + 1, 1)
        return cls(date(year, month, 1), following - timedelta(days=1))


def _in(field: str, period: Period) -> Q:
    return Q(**{f"{field}__gte": period.start, f"{field}__lt": period.end})


def _counts(period: Period) -> dict:
    """The aggregates of one group of cases (``COUNTS``), as ``Count``/``Sum`` with a filter each."""
    decided = _in("decided_at", period)
    measured = decided & Q(working_days_used__isnull=False)
    delivered = _in("delivered_at", period)
    return {
        "received": Count("id", filter=_in("submitted_at", period)),
        "online": Count("id", filter=_in("submitted_at", period) & Q(channel=Application.Channel.ONLINE)),
        "accepted": Count("id", filter=Q(accepted_at__isnull=False, clock_start__gte=period.first,
                                         clock_start__lte=period.last)),
        "deemed": Count("id", filter=Q(accepted_at__isnull=False, deemed_accepted=True, clock_start__gte=period.first,
                                       clock_start__lte=period.last)),
        "finished": Count("id", filter=decided),
        "approved": Count("id", filter=decided & Q(decision=Application.Decision.APPROVED)),
        "denied": Count("id", filter=decided & Q(decision=Application.Decision.DENIED)),
        "timed": Count("id", filter=decided & Q(decision_due__isnull=False)),
        "on_time": Count("id", filter=decided & Q(decided_at__lte=F("decision_due"))),
        "instant": Count("id", filter=decided & Q(decision_days=0)),
        "corrections": Sum("correction_round", filter=decided),
        "measured": Count("id", filter=measured),
        "days_used": Sum("working_days_used", filter=measured),
        "days_committed": Sum("decision_days", filter=measured),
        "delivered": Count("id", filter=delivered),
        "no_visit": Count("id", filter=delivered & Q(channel=Application.Channel.ONLINE,
                                                     delivery_method__in=NO_VISIT_DELIVERY)),
    }  # fmt: skip


def _touching(period: Period) -> Q:
    """Cases with an act in the range — the union of index ranges (``case_submitted_at``,
    ``case_accepted_at``, ``case_decided_at``, ``case_delivered_at``)."""
    return (
        _in("submitted_at", period)
        | Q(accepted_at__gte=period.start, accepted_at__lt=period.end + DEEMED_LOOKAHEAD)
        | _in("decided_at", period)
        | _in("delivered_at", period)
    )


def _ratio(numerator, denominator, digits: int = 4):
    return round(numerator / denominator, digits) if denominator else None


def rates(counts: dict) -> dict:
    """The figures of one group from its counts (None where there is nothing to divide by)."""
    c = {key: counts.get(key) or 0 for key in COUNTS}
    return {
        **c,
        "completion_rate": _ratio(c["finished"], c["accepted"]),
        "on_time_rate": _ratio(c["on_time"], c["timed"]),
        "online_share": _ratio(c["online"], c["received"]),
        "instant_share": _ratio(c["instant"], c["finished"]),
        "no_visit_share": _ratio(c["no_visit"], c["delivered"]),
        "corrections_per_case": _ratio(c["corrections"], c["finished"], 2),
        "avg_days_used": _ratio(c["days_used"], c["measured"], 1),
        "avg_days_committed": _ratio(c["days_committed"], c["measured"], 1),
    }


def _add(total: dict, counts: dict) -> None:
    for key in COUNTS:
        total[key] = total.get(key, 0) + (counts.get(key) or 0)


def _scoped(department: str = "", level: str = ""):
    cases = Application.objects.all()
    if department:
        cases = cases.filter(department__code=department)
    if level:
        cases = cases.filter(department__level=LEVELS[level])
    return cases


def by_department(period: Period, *, department: str = "", level: str = "") -> list[dict]:
    """One grouped statement: the counts per department of the cases with an act in the range."""
    rows = (
        _scoped(department, level).filter(_touching(period))
        .values("department_id").annotate(**_counts(period)).order_by()
    )  # fmt: skip
    return list(rows)


class Percentile90(Aggregate):
    """The 90th percentile as an observed value (nearest rank: ``percentile_disc``), PostgreSQL."""

    function = "PERCENTILE_DISC"
    template = "%(function)s(0.9) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = IntegerField()


def by_item(period: Period, *, department: str = "", level: str = "") -> list[dict]:
    """Per item decided in the range: cases, average and 90th percentile of the working days used
    against the committed limit (即办件 included: committed 0)."""
    measures = {"cases": Count("id"), "used": Sum("working_days_used"), "committed": Sum("decision_days")}
    if connection.vendor == "postgresql":
        measures["p90"] = Percentile90("working_days_used")
    rows = list(
        _scoped(department, level).filter(_in("decided_at", period), working_days_used__isnull=False)
        .values("item_id").annotate(**measures).order_by()
    )  # fmt: skip
    items = {i.pk: i for i in Item.objects.filter(pk__in=[r["item_id"] for r in rows]).select_related("department")}
    result = [
        {"code": items[r["item_id"]].code, "name": items[r["item_id"]].name,
         "department": items[r["item_id"]].department.name, "cases": r["cases"],
         "avg_days_used": _ratio(r["used"], r["cases"], 1), "p90_days_used": r.get("p90"),
         "avg_days_committed": _ratio(r["committed"], r["cases"], 1)}
        for r in rows
    ]  # fmt: skip
    return sorted(result, key=lambda r: (-r["cases"], r["code"]))


def series(period: Period, *, department: str = "", level: str = "") -> dict:
    """Received and finished per day (ranges up to 62 days) or per month: two grouped range scans."""
    unit = "day" if (period.last - period.first).days < DAILY_SERIES_MAX_DAYS else "month"
    trunc = TruncDate if unit == "day" else TruncMonth
    points: dict[str, dict] = {}
    for column, key in (("submitted_at", "received"), ("decided_at", "finished")):
        rows = (
            _scoped(department, level).filter(_in(column, period))
            .annotate(at=trunc(column, tzinfo=calendar.SHANGHAI)).values("at").annotate(n=Count("id")).order_by()
        )  # fmt: skip
        for row in rows:
            value = row["at"]
            day = value.date() if isinstance(value, datetime) else value
            label = day.isoformat() if unit == "day" else day.strftime("%Y-%m")
            points.setdefault(label, {"received": 0, "finished": 0})[key] = row["n"]
    labels = []
    day = period.first
    while day <= period.last:
        label = day.isoformat() if unit == "day" else day.strftime("%Y-%m")
        if not labels or labels[-1] != label:
            labels.append(label)
        day += timedelta(days=1)
    return {"unit": unit, "points": [{"period": p, **points.get(p, {"received": 0, "finished": 0})} for p in labels]}


def visitors(period: Period) -> dict:
    """接待人次: the front desk's queue tickets (排队号, ``hall.Ticket``: one per person who came and took a
    number) in the range, and per working day of it (``STATISTICS_VISITORS_SOURCE``:
    ``app_label.Model.field``, a date or datetime field). Unavailable — and not shown — while that model
    does not exist or has no rows in the range: the cases alone cannot say how many people came."""
    source = getattr(settings, "STATISTICS_VISITORS_SOURCE", "")
    label, _, name = source.rpartition(".")
    try:
        model = apps.get_model(label) if label else None
        field = model._meta.get_field(name) if model is not None else None
    except (LookupError, ValueError, FieldDoesNotExist):  # not built, or configured for another model
        model = field = None
    if model is None:
        return {"available": False, "source": source, "total": None, "per_day": None}
    if isinstance(field, DateTimeField):
        span = {f"{name}__gte": period.start, f"{name}__lt": period.end}
    else:
        span = {f"{name}__gte": period.first, f"{name}__lte": period.last}
    total = model.objects.filter(**span).count()
    if not total:
        return {"available": False, "source": source, "total": 0, "per_day": None}
    working = calendar.working_days_between(period.first - timedelta(days=1), period.last)
    return {"available": True, "source": source, "total": total, "per_day": _ratio(total, working or 1, 1)}


def bundles(period: Period, *, department: str = "", level: str = "") -> dict:
    """一件事 (issue 16): bundles submitted in the range and bundles done (every sub-case decided) in it;
    a department or level counts the bundles it leads (one-window acceptance). Their sub-cases are
    counted with the cases above, each in its own department."""
    cases = BundleCase.objects.all()
    if department:
        cases = cases.filter(lead_department__code=department)
    if level:
        cases = cases.filter(lead_department__level=LEVELS[level])
    return cases.aggregate(received=Count("pk", filter=_in("submitted_at", period)),
                           done=Count("pk", filter=_in("done_at", period)))  # fmt: skip


def figures(period: Period, *, department: str = "", level: str = "") -> dict:
    """Everything the statistics page, the API and the monthly report show for a range."""
    from supervision import three_five_fifty

    rows = by_department(period, department=department, level=level)
    departments = {d.pk: d for d in Department.objects.filter(pk__in=[r["department_id"] for r in rows])}
    total: dict = {}
    per_level: dict[str, dict] = {}
    per_department = []
    for row in rows:  # one row per department, not per case
        dept = departments[row["department_id"]]
        _add(total, row)
        _add(per_level.setdefault(dept.level, {}), row)
        per_department.append({
            "department": {"code": dept.code, "name": dept.name, "level": LEVEL_NAMES.get(dept.level, dept.level)},
            "sort": (dept.sort_order, dept.code), **rates(row),
        })  # fmt: skip
    per_department.sort(key=lambda r: r.pop("sort"))
    return {
        "from": period.first,
        "to": period.last,
        "department": department or None,
        "level": level or None,
        "online_goal": ONLINE_GOAL,
        "total": rates(total),
        "levels": [
            {"level": name, "label": Department.Level(value).label, **rates(per_level.get(value, {}))}
            for name, value in LEVELS.items()
            if not level or level == name
        ],
        "departments": per_department,
        "items": by_item(period, department=department, level=level),
        "series": series(period, department=department, level=level),
        "three_five_fifty": three_five_fifty.figures(period, department=department, level=level),
        "visitors": visitors(period),
        "bundles": bundles(period, department=department, level=level),
    }
