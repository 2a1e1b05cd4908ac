"""Reading the anomalies (异常行为) for the API and the page: the filtered list, newest first along its
indexes, and each anomaly's evidence as the scan stored it (``supervision.rules``), made uniform."""

from datetime import UTC, date, datetime, timedelta

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from hall import calendar
from supervision.models import Anomaly, Order

EVIDENCE_KINDS = {
    "event": "办件日志",
    "payment": "缴费记录",
    "assessment": "收费核定",
    "notice": "补正材料通知书",
    "rating": "服务评价",
    "case": "办件记录",
}


def anomaly_list(*, rule: str = "", department: str = "", start: date | None = None, end: date | None = None):
    """Anomalies newest first (``-detected_at, -id``), by rule, department code and the days they were
    detected on (``start`` … ``end`` inclusive, hall time); each says whether a 督办 was issued for it."""
    rows = Anomaly.objects.select_related("department", "application", "actor", "window").annotate(
        has_order=Exists(Order.objects.filter(anomaly_id=OuterRef("pk")))
    )
    if rule:
        rows = rows.filter(rule=rule)
    if department:
        rows = rows.filter(department__code=department)
    if start is not None:
        rows = rows.filter(detected_at__gte=_midnight(start))
    if end is not None:
        rows = rows.filter(detected_at__lt=_midnight(end + timedelta(days=1)))
    return rows.order_by("-detected_at", "-id")


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=calendar.SHANGHAI)


def _instant(value) -> datetime | None:
    """An evidence time as the database wrote it: ISO with an offset (PostgreSQL) or naive UTC text
    (SQLite)."""
    if not isinstance(value, str):
        return None
    parsed = parse_datetime(value.replace(" ", "T", 1))
    if parsed is None:
        return None
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=UTC)


def evidence(anomaly: Anomaly) -> list[dict]:
    """The evidence items in time order: ``{kind, kind_label, id, at, summary, case_number, amount_fen,
    standard_fen, quantity}`` (the last three only for payments and assessments, else None)."""
    items = []
    for raw in anomaly.evidence if isinstance(anomaly.evidence, list) else []:
        if not isinstance(raw, dict):
            continue
        kind = str(raw.get("kind", ""))
        items.append({
            "kind": kind, "kind_label": EVIDENCE_KINDS.get(kind, kind), "id": raw.get("id"),
            "at": _instant(raw.get("at")), "summary": str(raw.get("summary") or ""),
            "case_number": raw.get("case_number") or None, "amount_fen": raw.get("amount_fen"),
            "standard_fen": raw.get("standard_fen"), "quantity": raw.get("quantity"),
        })  # fmt: skip
    epoch = datetime.min.replace(tzinfo=UTC)
    order = {id(item): n for n, item in enumerate(items)}  # at the same instant, as the rule listed them
    return sorted(items, key=lambda item: (item["at"] or epoch, order[id(item)]))
