"""The ratings in the shape the provincial 好差评 system takes (CSV or XLSX; docs/ratings.md lists the columns).

Fields after GB/T 39046 表9 (服务评价: 办件编号, 评价人, 评价时间, 评价次数, 满意度 + 代码, 文字评价, 行政区划,
评价渠道) and the names of the national platform's upload (projectNo, taskCode, deptCode, userName, userProp,
pf, satisfaction, evalDetail, writingEvaluation, assessTime, assessNumber, acceptDate; GB/T 39735-2020 and
国办发〔2019〕51号 for the levels and indicators). Codes: 满意度 per GB/T 39046 A.8 (1 非常满意 … 5 非常不满意,
the reverse of our 5-star ``level``); 评价渠道 1 PC端, 2 移动服务端, 3 二维码, 4 政务大厅平板电脑, 5 其他终端,
6 电话, 7 短信 (the order of 表9). The rater's name is masked: the provincial system identifies raters by
its own account (certKey), not by what we hold.
"""

import csv
import io
from datetime import date

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from approvals.evaluation import tag_labels
from approvals.models import Evaluation

CHANNEL_CODES = {"pc": 1, "mobile": 2, "qr": 3, "tablet": 4, "other": 5, "phone": 6, "sms": 7}
USER_PROP = {"person": 1, "organisation": 2}
COLUMNS = (
    ("projectNo", "办件编号"),
    ("taskCode", "事项编码"),
    ("taskName", "事项名称"),
    ("deptCode", "部门编码（统一社会信用代码）"),
    ("deptName", "部门名称"),
    ("windowNo", "窗口号"),
    ("proStatus", "评价环节"),
    ("userName", "评价人"),
    ("userProp", "评价人类型"),
    ("pf", "评价渠道"),
    ("satisfaction", "满意度代码"),
    ("satisfactionName", "满意度"),
    ("evalDetail", "评价指标"),
    ("writingEvaluation", "文字评价"),
    ("assessTime", "评价时间"),
    ("assessNumber", "评价次数"),
    ("acceptDate", "受理时间"),
    ("areaCode", "行政区划"),
    ("valid", "计入统计"),
    ("rectification", "差评整改"),
)


def _mask(name: str) -> str:
    return (name[:1] + "*" * (len(name) - 1)) if name else ""


def _iso(value) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


def rows(evaluations: QuerySet[Evaluation]):
    """One dict per rating, keyed by the column codes; the queryset must select what it reads
    (``ratings_in``)."""
    for e in evaluations:
        case = e.application
        follow_up = getattr(e, "follow_up", None)
        yield {
            "projectNo": case.number if case else "",
            "taskCode": e.item.code if e.item_id else "",
            "taskName": e.item.name if e.item_id else "",
            "deptCode": e.department.uscc or e.department.code,
            "deptName": e.department.name,
            "windowNo": e.window.number if e.window_id else "",
            "proStatus": e.get_stage_display(),
            "userName": _mask(case.applicant_name) if case else "",
            "userProp": USER_PROP.get(case.applicant_type, "") if case else "",
            "pf": CHANNEL_CODES.get(e.channel, 5),
            "satisfaction": 6 - e.level,
            "satisfactionName": e.get_level_display(),
            "evalDetail": "、".join(tag_labels(e)),
            "writingEvaluation": e.comment,
            "assessTime": _iso(e.created_at),
            "assessNumber": 2 if e.edited_at else 1,
            "acceptDate": _iso(case.accepted_at) if case else (e.visit_on.isoformat() if e.visit_on else ""),
            "areaCode": settings.RATING_AREA_CODE,
            "valid": 0 if e.excluded else 1,
            "rectification": follow_up.get_state_display() if follow_up else "",
        }


def ratings_in(department_ids, start: date | None, end: date | None) -> QuerySet[Evaluation]:
    """The ratings to export: of the given departments (None: all), given on days in [start, end]."""
    from hall.calendar import end_of_day

    qs = Evaluation.objects.select_related("application", "item", "department", "window", "follow_up").order_by(
        "created_at", "id"
    )
    if department_ids is not None:
        qs = qs.filter(department_id__in=department_ids)
    if start:
        qs = qs.filter(created_at__gte=end_of_day(start).replace(hour=0, minute=0, second=0))
    if end:
        qs = qs.filter(created_at__lte=end_of_day(end))
    return qs


def _safe(value):
    """A cell a spreadsheet will not run as a formula (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def as_csv(evaluations) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([code for code, _ in COLUMNS])
    writer.writerow([label for _, label in COLUMNS])
    for row in rows(evaluations.iterator(chunk_size=2000)):
        writer.writerow([_safe(row[code]) for code, _ in COLUMNS])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 Chinese correctly


def as_xlsx(evaluations) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("好差评")
    sheet.append([code for code, _ in COLUMNS])
    sheet.append([label for _, label in COLUMNS])
    for row in rows(evaluations.iterator(chunk_size=2000)):
        sheet.append([_safe(row[code]) for code, _ in COLUMNS])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
