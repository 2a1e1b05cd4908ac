"""月度报告: the PDF carries the month, the ranking and the completion rate (read back with pypdf); the
beat task generates the previous month's report once, on the month's first working day."""

import io
from datetime import date

import pytest
from pypdf import PdfReader

from supervision import report, scores
from supervision.models import MonthlyReport
from tests.approvals.helpers import at, frozen
from tests.supervision import month

NOVEMBER = date(2026, 11, 1)


def pdf_text(content: bytes) -> str:
    """White space removed: lines wrap anywhere in Chinese text."""
    return "".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


@pytest.fixture
def cases(people):
    return month.build()


def test_the_report_pdf_contains_the_month_the_ranking_and_the_completion_rate(cases, people):
    scores.publish_month(month=NOVEMBER, by=people.supervisor)
    row = report.generate_report(month=NOVEMBER, by=people.supervisor)
    content = row.pdf.read()
    assert content.startswith(b"%PDF") and len(content) == row.size
    text = pdf_text(content)
    assert "2026年11月政务服务运行情况月报" in text
    assert "办结率100.0%" in text  # 6 finished ÷ 6 accepted
    assert "按时办结率83.3%" in text
    assert "绩效评估排名" in text and "已发布（第1版" in text
    # the parts' columns in the formula's order, as published (the parts of each row follow it)
    assert text.index("按时办结率（30）") < text.index("好差评满意度（15）") < text.index("红黄牌（20）")
    ranked = [row["department"].name for row in scores.month_scores(NOVEMBER)["department"]]
    ranking = text[text.index("绩效评估排名") :]
    positions = [ranking.index(name) for name in ranked]
    assert positions == sorted(positions)  # in rank order
    assert "企业开办" in text  # the 3550 figures


def test_the_beat_generates_last_months_report_once_on_the_first_working_day(cases):
    # 2026-10-01 is National Day: October's first working day is later, so nothing is due that day
    assert report.first_working_day(date(2026, 10, 1)) > date(2026, 10, 1)
    assert report.due_report(date(2026, 10, 1)) is None
    with frozen(at(2026, 12, 1, 7, 30)):
        first = report.generate_due()
        assert first is not None and first.month == NOVEMBER and first.generated_by is None
        assert report.generate_due() is None  # once
    assert MonthlyReport.objects.filter(month=NOVEMBER).count() == 1


def test_the_reports_page_lists_generates_and_downloads(cases, people, client):
    client.force_login(people.supervisor)
    response = client.post("/supervision/reports/generate/", {"month": "2026-11"})
    assert response.status_code == 302
    page = client.get("/supervision/reports/").content.decode()
    assert "2026年11月月报（PDF）" in page
    row = MonthlyReport.objects.get()
    download = client.get(f"/supervision/reports/{row.pk}.pdf")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    client.force_login(people.clerk)
    assert client.get(f"/supervision/reports/{row.pk}.pdf").status_code == 403
