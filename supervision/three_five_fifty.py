"""The 3550 figures (3550 改革): a business opened in 3 working days, a real-estate registration in 5,
a construction permit in 50 — measured from the first filing (``submitted_at``) to the approval
(``decided_at``, the licence or certificate), in working days of the hall's calendar.

Which items count for each figure is configuration (``STATISTICS_3550`` in settings: item codes, the
target), not code: a hall lists its own 开办企业, 不动产登记 and 施工许可 items. Each approved case of
those items decided in the range is one measurement (per case; once 一件事 bundles exist, a bundle's
sub-cases are one business start-up). The working days are counted in SQL: the calendar becomes a
table of ``(day, working days up to and including it)`` for the days concerned, joined twice — no
loop over cases.
"""

from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.models import Min

from approvals.models import Application
from catalog.models import Item
from hall import calendar
from hall.models import Department

# A case filed before this many days ahead of the range counts from that day (its figure is then
# understated, but it is already far beyond every target).
MAX_SPAN_DAYS = 3 * 366


def definitions() -> list[dict]:
    """``[{key, label, target_days, items: [codes]}]`` from settings."""
    return [{"key": key, **value} for key, value in settings.STATISTICS_3550.items()]


def _local_day(column: str) -> str:
    if connection.vendor == "postgresql":
        return f"({column} AT TIME ZONE 'Asia/Shanghai')::date"
    return f"date({column}, '+8 hours')"


def _bundle_models():
    """The 一件事 bundle cases (``approvals.BundleCase``) and bundles (``catalog.Bundle``), or None."""
    try:
        return apps.get_model("approvals", "BundleCase"), apps.get_model("catalog", "Bundle")
    except LookupError:
        return None


def _scoped(queryset, dept_path: str, department: str, level: str):
    from supervision.statistics import LEVELS

    if department:
        queryset = queryset.filter(**{f"{dept_path}__code": department})
    if level:
        queryset = queryset.filter(**{f"{dept_path}__level": LEVELS[level]})
    return queryset


def figure(definition: dict, period, *, department: str = "", level: str = "") -> dict:
    """One 3550 figure: the measurements that ended in the range — an approved case of the configured
    items filed on its own, or a configured 一件事 bundle case done (办结) in the range with every
    sub-case approved, from the bundle's filing to its last decision — their average and longest span
    in working days, and how many met the target. Departments and levels filter single cases by their
    department, bundles by their lead department."""
    from supervision.statistics import LEVELS

    items, bundles = list(definition.get("items", [])), list(definition.get("bundles", []))
    result = {"key": definition["key"], "label": definition["label"], "target_days": definition["target_days"],
              "items": items, "bundles": bundles, "cases": 0, "avg_days": None, "max_days": None,
              "within_target": 0, "within_target_share": None}  # fmt: skip
    models = _bundle_models() if bundles else None
    singles = _scoped(Application.objects.filter(
        item__code__in=items, decision=Application.Decision.APPROVED, bundle__isnull=True,
        decided_at__gte=period.start, decided_at__lt=period.end,
    ), "department", department, level)  # fmt: skip
    earliest = [singles.aggregate(first=Min("submitted_at"))["first"]]
    if models:
        bundle_cases = _scoped(models[0].objects.filter(
            bundle__code__in=bundles, done_at__gte=period.start, done_at__lt=period.end,
        ), "lead_department", department, level)  # fmt: skip
        earliest.append(bundle_cases.aggregate(first=Min("submitted_at"))["first"])
    earliest = [e for e in earliest if e is not None]
    if not earliest:
        return result
    first = max(calendar.local_date(min(earliest)), period.first - timedelta(days=MAX_SPAN_DAYS))
    days = calendar.working_day_ordinals(first, period.last)
    adapt = connection.ops.adapt_datetimefield_value
    placeholder = "(%s::date, %s)" if connection.vendor == "postgresql" else "(%s, %s)"
    params: list = [p for day, n in days for p in (day.isoformat(), n)] + [definition["target_days"]]
    t = {"case": Application._meta.db_table, "item": Item._meta.db_table, "dept": Department._meta.db_table}

    def scope(alias: str) -> str:
        clauses = ""
        if department:
            clauses += f" AND {alias}.code = %s"
            params.append(department)
        if level:
            clauses += f" AND {alias}.level = %s"
            params.append(LEVELS[level])
        return clauses

    codes = ", ".join(["%s"] * len(items)) or "NULL"
    params += [*items, Application.Decision.APPROVED, adapt(period.start), adapt(period.end)]
    spans = (
        f"SELECT e.n - COALESCE(s.n, 0) AS span FROM {t['case']} a"
        f" JOIN {t['item']} i ON i.id = a.item_id JOIN {t['dept']} d ON d.id = a.department_id"
        f" LEFT JOIN wd s ON s.day = {_local_day('a.submitted_at')} JOIN wd e ON e.day = {_local_day('a.decided_at')}"
        f" WHERE i.code IN ({codes}) AND a.decision = %s AND a.decided_at >= %s AND a.decided_at < %s"
        " AND a.bundle_id IS NULL" + scope("d")
    )
    if models:
        bundle_case, bundle = models
        params += [*bundles, adapt(period.start), adapt(period.end), Application.Decision.APPROVED]
        spans += (
            f" UNION ALL SELECT e.n - COALESCE(s.n, 0) FROM {bundle_case._meta.db_table} bc"
            f" JOIN {bundle._meta.db_table} b ON b.id = bc.bundle_id JOIN {t['dept']} d ON d.id = bc.lead_department_id"
            f" LEFT JOIN wd s ON s.day = {_local_day('bc.submitted_at')}"
            f" JOIN wd e ON e.day = {_local_day('bc.done_at')}"
            f" WHERE b.code IN ({', '.join(['%s'] * len(bundles))}) AND bc.done_at >= %s AND bc.done_at < %s"
            f" AND NOT EXISTS (SELECT 1 FROM {t['case']} x WHERE x.bundle_id = bc.id AND x.decision <> %s)" + scope("d")
        )
    sql = (
        f"WITH wd(day, n) AS (VALUES {', '.join([placeholder] * len(days))}) "
        f"SELECT COUNT(*), SUM(span), MAX(span), SUM(CASE WHEN span <= %s THEN 1 ELSE 0 END) FROM ({spans}) spans"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        count, total, longest, within = cursor.fetchone()
    if not count:
        return result
    return {**result, "cases": count, "avg_days": round(total / count, 1), "max_days": longest,
            "within_target": within, "within_target_share": round(within / count, 4)}  # fmt: skip


def figures(period, *, department: str = "", level: str = "") -> list[dict]:
    return [figure(d, period, department=department, level=level) for d in definitions()]
