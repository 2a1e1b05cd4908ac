"""The statistics as a table to take away (CSV for any spreadsheet, XLSX with one sheet per view):
the same figures as the page and the API (``supervision.statistics.figures``), headed in Chinese."""

import csv
import io

from openpyxl import Workbook

COLUMNS = [
    ("received", "收件"), ("online", "网上申报"), ("online_share", "网上申报率"), ("accepted", "受理"),
    ("deemed", "其中视为受理"), ("finished", "办结"), ("completion_rate", "办结率"), ("approved", "准予"),
    ("denied", "不予"), ("on_time", "按时办结"), ("on_time_rate", "按时办结率"), ("instant", "即办件"),
    ("instant_share", "即办件占比"), ("delivered", "送达"), ("no_visit", "不见面"), ("no_visit_share", "不见面占比"),
    ("corrections", "补正次数"), ("corrections_per_case", "件均补正"), ("avg_days_used", "平均用时（工作日）"),
    ("avg_days_committed", "平均承诺时限（工作日）"),
]  # fmt: skip
ITEM_COLUMNS = [
    ("code", "事项编码"), ("name", "事项名称"), ("department", "部门"), ("cases", "办结件数"),
    ("avg_days_used", "平均用时"), ("p90_days_used", "90%用时"), ("avg_days_committed", "平均承诺时限"),
]  # fmt: skip
TFF_COLUMNS = [("label", "指标"), ("target_days", "目标（工作日）"), ("cases", "件数"), ("avg_days", "平均用时"),
               ("max_days", "最长用时"), ("within_target", "达标件数"), ("within_target_share", "达标率")]  # fmt: skip


def summary_rows(figures: dict) -> list[list]:
    """The hall, its levels and its departments, one row each."""
    header = ["范围", "部门编码", "部门", *(label for _, label in COLUMNS)]
    rows = [header, ["全区", "", "合计", *(figures["total"][key] for key, _ in COLUMNS)]]
    rows += [["层级", lv["level"], lv["label"], *(lv[key] for key, _ in COLUMNS)] for lv in figures["levels"]]
    rows += [["部门", d["department"]["code"], d["department"]["name"], *(d[key] for key, _ in COLUMNS)]
             for d in figures["departments"]]  # fmt: skip
    return rows


def _table(rows: list[dict], columns) -> list[list]:
    return [[label for _, label in columns], *([row[key] for key, _ in columns] for row in rows)]


def as_csv(figures: dict) -> bytes:
    """UTF-8 with a BOM, so that Excel opens the Chinese headers as they are."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([f"统计区间 {figures['from']} 至 {figures['to']}"])
    writer.writerows(summary_rows(figures))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def as_xlsx(figures: dict) -> bytes:
    book = Workbook()
    sheets = [
        ("汇总", summary_rows(figures)),
        ("事项用时", _table(figures["items"], ITEM_COLUMNS)),
        ("3550", _table(figures["three_five_fifty"], TFF_COLUMNS)),
        ("趋势", _table(figures["series"]["points"], [("period", "时间"), ("received", "收件"), ("finished", "办结")])),
    ]
    for index, (title, rows) in enumerate(sheets):
        sheet = book.active if index == 0 else book.create_sheet()
        sheet.title = title
        for row in rows:
            sheet.append(row)
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
