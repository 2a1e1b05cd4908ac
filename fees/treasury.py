"""Treasury view (国库/财务报表, issue 15 point 7): what the hall collected, per day, department, item,
channel and fee line with its legal basis (行政许可法 art. 59: every fee to the treasury, only on a
published basis), minus refunds (art. 75). Read by the finance office, cashiers and supervisors; exported
as CSV and XLSX (openpyxl).

A payment settles its assessment in full (“一次缴清”), so each paid assessment line is attributed to the
payment's day and channel. Refunds are rows of their own (negative), on the refund's day and gateway.
"""

import csv
import io
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, F, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from fees.models import AssessmentLine, Payment, Refund

HALL_TZ = ZoneInfo(settings.TIME_ZONE)
CHANNELS = dict(Payment.Channel.choices)
REFUND_LINE, REFUND_BASIS = "退款", "行政许可法第七十五条"
COLUMNS = [("day", "日期"), ("department_code", "执收单位编码"), ("department", "执收单位"), ("item_code", "事项编码"),
           ("item", "事项"), ("channel", "缴费渠道"), ("line", "收费项目"), ("basis", "收费依据"),
           ("count", "笔数"), ("amount_fen", "金额（分）"), ("amount_yuan", "金额（元）")]  # fmt: skip


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return (timezone.make_aware(datetime.combine(start, time.min)),
            timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min)))  # fmt: skip


def rows(start: date, end: date) -> list[dict]:
    """One row per (day, department, item, channel, fee line, basis) for days ``start``..``end`` inclusive."""
    lo, hi = _bounds(start, end)
    paid = (
        AssessmentLine.objects.filter(assessment__payments__paid_at__gte=lo, assessment__payments__paid_at__lt=hi)
        .values(day=TruncDate("assessment__payments__paid_at", tzinfo=HALL_TZ),
                department_code=F("assessment__department__code"), department=F("assessment__department__name"),
                item_code=F("assessment__application__item__code"), item=F("assessment__application__item__name"),
                channel=F("assessment__payments__channel"), line=F("name"), basis_=F("basis"))
        .annotate(count=Count("assessment__payments", distinct=True), amount_fen=Sum("amount_fen"))
    )  # fmt: skip
    refunded = (
        Refund.objects.filter(refunded_at__gte=lo, refunded_at__lt=hi)
        .values(day=TruncDate("refunded_at", tzinfo=HALL_TZ), department_code=F("assessment__department__code"),
                department=F("assessment__department__name"), item_code=F("assessment__application__item__code"),
                item=F("assessment__application__item__name"), channel=F("gateway"))
        .annotate(count=Count("id"), amount_fen=Sum("amount_fen"))
    )  # fmt: skip
    result = [{**{k: v for k, v in r.items() if k != "basis_"}, "basis": r["basis_"]} for r in paid]
    result += [{**r, "line": REFUND_LINE, "basis": REFUND_BASIS, "amount_fen": -r["amount_fen"]} for r in refunded]
    for r in result:
        r["channel_name"] = CHANNELS.get(r["channel"], r["channel"])
    result.sort(key=lambda r: (r["day"], r["department_code"], r["item_code"], r["channel"], r["line"]))
    return result


def totals(data: list[dict]) -> dict:
    """Sums of ``rows`` by department, item, channel and day, and the grand total (fen)."""
    by = {k: defaultdict(lambda: {"count": 0, "amount_fen": 0}) for k in ("department", "item", "channel", "day")}
    for r in data:
        keys = {"department": r["department"], "item": r["item"], "channel": r["channel_name"], "day": r["day"]}
        for kind, key in keys.items():
            by[kind][key]["amount_fen"] += r["amount_fen"]
            if r["line"] != REFUND_LINE:
                by[kind][key]["count"] += r["count"]
    out = {kind: sorted(((k, v) for k, v in sums.items()), key=lambda kv: str(kv[0])) for kind, sums in by.items()}
    out["total_fen"] = sum(r["amount_fen"] for r in data)
    return out


def _table(data: list[dict], *, numbers: bool = False) -> list[list]:
    header = [label for _, label in COLUMNS]
    body = []
    for r in data:
        yuan = r["amount_fen"] / 100 if numbers else f"{r['amount_fen'] / 100:.2f}"
        values = {**r, "channel": r["channel_name"], "amount_yuan": yuan, "day": r["day"].isoformat()}
        body.append([values[key] for key, _ in COLUMNS])
    return [header, *body]


def as_csv(data: list[dict]) -> bytes:
    """UTF-8 with a BOM, so that Excel on a Chinese Windows opens it correctly."""
    out = io.StringIO()
    csv.writer(out).writerows(_table(data))
    return ("\ufeff" + out.getvalue()).encode()


def as_xlsx(data: list[dict], title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "收费明细"
    for row in _table(data, numbers=True):
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDEFGHIJK", (12, 14, 22, 18, 28, 20, 24, 40, 8, 14, 14), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    for row in sheet.iter_rows(min_row=2, min_col=11, max_col=11):
        row[0].number_format = "#,##0.00"
    book.properties.title = title
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
