"""绩效评估: a monthly score per department and per window from a transparent formula, and its
publication as a frozen snapshot.

The formula (``SCORE_FORMULA`` in settings, documented in docs/supervision.md, "Scores") is a sum of
parts, each with its weight; the parts' weights add up to 100:

- ``on_time`` 按时办结率: weight × on-time rate of the cases decided in the month (suspensions excluded,
  the statistics' definition); full marks when nothing was decided;
- ``satisfaction`` 好差评: weight × (average rating − 1) / 4 of the ratings given in the month;
- ``correction`` 一次性告知: weight × (1 − share of the decided cases that needed a correction);
- ``cards`` 红黄牌: weight − ``red`` per red card − ``yellow`` per yellow card raised in the month, ≥ 0;
- ``orders`` 督办逾期: weight − ``per`` per order that escalated (past its due) in the month, ≥ 0;
- ``anomalies`` 异常行为: weight − ``per`` per anomaly detected in the month that a supervisor confirmed
  by issuing an order on it, ≥ 0;
- ``audits`` 办件抽查: weight − ``per`` per sampled case found with issues in the month, ≥ 0;
- ``complaints`` 投诉属实: weight − ``per`` per complaint about the subject closed in the month with the
  finding upheld or partly upheld (``Complaint.finding``), ≥ 0;
- complaints received and ``follow_ups_late`` 差评整改逾期 are counted per subject too (issue 21): a part
  ``{"label": …, "weight": w, "per": p, "count": "follow_ups_late", "unit": …}`` in ``SCORE_FORMULA``
  deducts for them (docs/ratings.md).

A case belongs to the window where the clerk who accepted it (首办负责人) is posted in the case's
department (the lowest window id if several) — the rule the anomaly ``bad_ratings_cluster`` uses.

Each part is one grouped statement per subject kind (department, window): a fixed number of queries
whatever the number of cases. ``publish_month`` freezes the result: later edits to cases do not move
a published month; a correction is a new version with a reason.
"""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, BigIntegerField, Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from approvals.intake import required_text
from approvals.models import Application, Evaluation, FollowUp
from hall import audit
from hall.errors import Conflict, NotPermitted
from hall.models import Department, User, Window, WindowStaff
from hall.roles import Role
from supervision.models import Anomaly, Complaint, Order, SampledCase, Score, ScoreSheet, Warning
from supervision.statistics import Period


def formula() -> list[dict]:
    """The parts in force, in their order: ``[{key, label, weight, …}]`` (a list, because a published
    sheet keeps it in a JSON column and PostgreSQL's jsonb does not keep the keys' order)."""
    return [{"key": key, **rule} for key, rule in settings.SCORE_FORMULA.items()]


def parse_month(text: str) -> date:
    """``YYYY-MM`` → the month's first day; ValidationError otherwise."""
    try:
        year, month = (int(part) for part in str(text).split("-"))
        if not 2000 <= year <= 2999:
            raise ValueError(year)
        return date(year, month, 1)
    except (TypeError, ValueError):
        raise ValidationError({"month": ["请按 YYYY-MM 填写 2000 年以后的月份。"]}) from None


def _window_of(case_path: str):
    """The case's window: the accepting clerk's post in the case's department (lowest id)."""
    prefix = f"{case_path}__" if case_path else ""
    return Subquery(
        WindowStaff.objects.filter(
            user_id=OuterRef(f"{prefix}accepted_by_id"), window__department_id=OuterRef(f"{prefix}department_id")
        )
        .order_by("window_id")
        .values("window_id")[:1]
    )


def _grouped(queryset, *, department: str, window, measures: dict, into: dict, prefix: str = "") -> None:
    """``measures`` per department and per window, added to ``into[(subject, id)]``."""
    for subject, key in (("department", department), ("window", window)):
        rows = queryset.annotate(subject_id=F(key) if isinstance(key, str) else key).values("subject_id")
        for row in rows.annotate(**measures).order_by():
            if row["subject_id"] is None:
                continue
            counts = into.setdefault((subject, row["subject_id"]), {})
            for name in measures:
                counts[prefix + name] = row[name] or 0


def counts(month: date) -> dict:
    """What the formula counts, per ``(subject, id)``: a fixed number of grouped statements."""
    p = Period.month(month.year, month.month)
    span = lambda field: {f"{field}__gte": p.start, f"{field}__lt": p.end}  # noqa: E731
    into: dict = {}
    decided = Application.objects.filter(**span("decided_at"))
    _grouped(decided, department="department_id", window=_window_of(""), into=into, measures={
        "finished": Count("id"), "timed": Count("id", filter=Q(decision_due__isnull=False)),
        "on_time": Count("id", filter=Q(decided_at__lte=F("decision_due"))),
        "corrected": Count("id", filter=Q(correction_round__gt=0)),
    })  # fmt: skip
    # 好差评 of every stage and window visit (issue 21); a rating excluded by an upheld appeal counts nowhere
    ratings = Evaluation.objects.filter(excluded=False, **span("created_at"))
    rating_window = Coalesce("window_id", _window_of("application"), output_field=BigIntegerField())
    _grouped(ratings, department="department_id", window=rating_window, into=into,
             measures={"ratings": Count("id"), "rating_avg": Avg("level")})  # fmt: skip
    # 投诉 about the subject (merged duplicates not counted): received in the month, and closed in the month
    # found upheld or partly upheld (the default formula's ``complaints`` part deducts for these); and
    # follow-ups of bad ratings whose rectification period ended in the month unrectified or late: counts a
    # formula part may deduct for ({"count": …}; docs/ratings.md)
    founded = Q(finding__in=[Complaint.Finding.UPHELD, Complaint.Finding.PARTLY], **span("closed_at"))
    about = (
        Complaint.objects.exclude(state=Complaint.State.MERGED)
        .filter(Q(**span("received_at")) | founded)
        .annotate(about=Coalesce("assigned_department_id", "department_id"))
    )
    _grouped(about, department="about", window="window_id", into=into, measures={
        "complaints": Count("id", filter=Q(**span("received_at"))), "complaints_upheld": Count("id", filter=founded),
    })  # fmt: skip
    late = (
        FollowUp.objects.filter(**span("rectify_due"))
        .exclude(state=FollowUp.State.INVALIDATED)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gt=F("rectify_due")))
    )
    _grouped(late, department="department_id", window="evaluation__window_id", into=into,
             measures={"follow_ups_late": Count("id")})  # fmt: skip
    cards = Warning.objects.filter(**span("raised_at"))
    _grouped(cards, department="department_id", window=_window_of("application"), into=into, measures={
        "red": Count("id", filter=Q(level=Warning.Level.RED)),
        "yellow": Count("id", filter=Q(level=Warning.Level.YELLOW)),
    })  # fmt: skip
    escalated = Order.objects.filter(**span("escalated_at"))
    _grouped(escalated, department="department_id", window=_window_of("application"), into=into,
             measures={"orders_overdue": Count("id")})  # fmt: skip
    confirmed = Anomaly.objects.filter(**span("detected_at")).filter(
        Exists(Order.objects.filter(anomaly_id=OuterRef("pk")))
    )
    anomaly_window = Coalesce("window_id", _window_of("application"), output_field=BigIntegerField())
    _grouped(confirmed, department="department_id", window=anomaly_window, into=into,
             measures={"anomalies": Count("id")})  # fmt: skip
    findings = SampledCase.objects.filter(outcome=SampledCase.Outcome.ISSUES, **span("recorded_at"))
    _grouped(findings, department="department_id", window=_window_of("application"), into=into,
             measures={"audit_issues": Count("id")})  # fmt: skip
    return into


def _points(value: float) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def parts(c: dict, rules: list[dict] | None = None) -> list[dict]:
    """The formula's parts for one subject's counts: ``[{key, label, weight, points, basis}]``."""
    rules = rules or formula()
    get = lambda key: c.get(key) or 0  # noqa: E731
    result = []
    for rule in rules:
        key, weight = rule["key"], rule["weight"]
        if key == "on_time":
            rate = get("on_time") / get("timed") if get("timed") else 1
            points, basis = weight * rate, f"按时办结 {get('on_time')}/{get('timed')}"
        elif key == "satisfaction":
            avg = float(c.get("rating_avg") or 0)
            points = weight * (avg - 1) / 4 if get("ratings") else weight
            basis = f"评价 {get('ratings')} 件，平均 {avg:.2f}" if get("ratings") else "无评价"
        elif key == "correction":
            share = get("corrected") / get("finished") if get("finished") else 0
            points, basis = weight * (1 - share), f"需补正 {get('corrected')}/{get('finished')}"
        elif key == "cards":
            points = weight - rule["red"] * get("red") - rule["yellow"] * get("yellow")
            basis = f"红牌 {get('red')}，黄牌 {get('yellow')}"
        else:  # a count with a deduction each: orders_overdue, anomalies, audit_issues, complaints
            count = get(rule["count"])
            points, basis = weight - rule["per"] * count, f"{rule['unit']} {count}"
        result.append({"key": key, "label": rule["label"], "weight": weight,
                       "points": str(_points(min(max(points, 0), weight))), "basis": basis})  # fmt: skip
    return result


def _on_time_points(row: dict) -> Decimal:
    return next((Decimal(p["points"]) for p in row["parts"] if p["key"] == "on_time"), Decimal(0))


def compute(month: date) -> dict:
    """The month's scores as they stand now: ``{"department": [...], "window": [...]}``, ranked by
    total (ties: on-time part, then code). Subjects with no case, rating or card in the month are not
    scored (nothing to assess)."""
    rules = formula()
    counted = counts(month)
    departments = Department.objects.in_bulk([pk for (subject, pk) in counted if subject == "department"])
    windows = Window.objects.select_related("department").in_bulk([pk for (s, pk) in counted if s == "window"])
    result: dict[str, list] = {"department": [], "window": []}
    for (subject, pk), c in counted.items():  # one entry per department or window, never per case
        scored = parts(c, rules)
        total = sum(Decimal(part["points"]) for part in scored)
        if subject == "department":
            dept, window = departments[pk], None
        else:
            window = windows[pk]
            dept = window.department
        result[subject].append({"subject": subject, "department": dept, "window": window, "total": total,
                                "parts": scored, "counts": {k: (float(v) if k == "rating_avg" else v)
                                                            for k, v in c.items()}})  # fmt: skip
    for rows in result.values():
        rows.sort(key=lambda r: (-r["total"], -_on_time_points(r),
                                 (r["window"].number if r["window"] else r["department"].code)))  # fmt: skip
        for rank, row in enumerate(rows, start=1):
            row["rank"] = rank
    return result


def current_sheet(month: date) -> ScoreSheet | None:
    return ScoreSheet.objects.filter(month=month).select_related("published_by").order_by("-version").first()


def published(sheet: ScoreSheet) -> dict:
    """A published sheet's rows in the shape of ``compute``, read from the snapshot (2 queries)."""
    rows = Score.objects.filter(sheet=sheet).select_related("department", "window").order_by("subject", "rank")
    result: dict[str, list] = {"department": [], "window": []}
    for score in rows:
        result[score.subject].append({"subject": score.subject, "department": score.department, "window": score.window,
                                      "total": score.total, "parts": score.parts, "counts": score.counts,
                                      "rank": score.rank})  # fmt: skip
    return result


def publish_month(*, month: date, by: User, reason: str = "", ip=None) -> ScoreSheet:
    """发布: close the month with a frozen snapshot of its scores. A month already published is corrected
    only by a new version with a reason (更正); the earlier versions stay as they were."""
    if not by.has_role(Role.SUPERVISOR):
        raise NotPermitted("绩效评估由监察人员发布。")
    month = month.replace(day=1)
    with transaction.atomic():
        # serialise publications of one month: the row lock of its latest version, or the month's first
        latest = ScoreSheet.objects.select_for_update().filter(month=month).order_by("-version").first()
        if latest is not None:
            reason = required_text(reason, "reason", "该月已发布，更正须写明理由（将作为新版本发布）。")
        from supervision import statistics

        scores = compute(month)
        total = statistics.figures(Period.month(month.year, month.month))["total"]
        try:
            with transaction.atomic():
                sheet = ScoreSheet.objects.create(
                    month=month, version=(latest.version + 1) if latest else 1, reason=reason or "",
                    formula=formula(), figures=total, published_by=by,
                )  # fmt: skip
        except IntegrityError:  # the month's first version, published by two supervisors at once
            raise Conflict("该月绩效评估刚刚已由他人发布，请刷新后查看。") from None
        Score.objects.bulk_create(
            Score(sheet=sheet, subject=row["subject"], department=row["department"], window=row["window"],
                  rank=row["rank"], total=row["total"], parts=row["parts"], counts=row["counts"])
            for rows in scores.values() for row in rows
        )  # fmt: skip
        audit.record(
            "supervision.publish_scores", f"scores {month:%Y-%m} v{sheet.version}", actor=by, ip=ip,
            reason=sheet.reason, departments=len(scores["department"]), windows=len(scores["window"]),
        )  # fmt: skip
    return sheet


def month_scores(month: date) -> dict:
    """The month as the API and the ranking page give it: the current published version (frozen), or
    a live preview when the month has not been published."""
    sheet = current_sheet(month)
    rows = published(sheet) if sheet else compute(month)
    versions = list(ScoreSheet.objects.filter(month=month).order_by("version").values(
        "version", "reason", "published_at", "published_by__real_name"))  # fmt: skip
    return {"month": month, "published": sheet is not None, "version": sheet.version if sheet else None,
            "published_at": sheet.published_at if sheet else None, "reason": sheet.reason if sheet else "",
            "formula": sheet.formula if sheet else formula(), "versions": versions, **rows}  # fmt: skip
