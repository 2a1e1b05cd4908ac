"""The supervisor's figures in a real browser: 统计分析 for the constructed month, the ranking published
(绩效评估), the monthly report generated and its first page rendered for the docs."""

import shutil
import subprocess

from playwright.sync_api import expect

from approvals.models import Application, Evaluation
from supervision.models import Warning
from tests.approvals import helpers
from tests.approvals.helpers import at
from tests.e2e.conftest import SCREENSHOTS, shot
from tests.supervision import month


def _month_with_ratings_and_cards():
    people = helpers.demo_people()
    cases = month.build()
    Application.objects.filter(pk__in=[cases[k].pk for k in "ABC"]).update(accepted_by=people.clerk)
    Evaluation.objects.create(application=cases["A"], rater=people.applicant, level=5, created_at=at(2026, 11, 10))
    Evaluation.objects.create(application=cases["B"], rater=people.applicant, level=2, comment="等候时间长",
                              created_at=at(2026, 11, 14))  # fmt: skip
    Warning.objects.create(application=cases["C"], department=cases["C"].department, kind="decision", level="red",
                           due_at=cases["C"].decision_due, raised_at=at(2026, 11, 12, 0))  # fmt: skip


def test_the_supervisor_reads_the_figures_publishes_the_ranking_and_the_report(open_as):
    _month_with_ratings_and_cards()
    page = open_as("supervisor")

    page.goto(f"{open_as.url}/supervision/statistics/?from=2026-11-01&to=2026-11-30")
    expect(page.locator("#stat-period")).to_have_text("2026年11月1日 至 2026年11月30日")
    expect(page.locator("#stat-figures")).to_contain_text("83.3%")  # on time: 5 of 6
    expect(page.locator("#chart-series canvas")).to_have_count(1)
    expect(page.locator("#chart-rates canvas")).to_have_count(1)
    shot(page, "supervision-statistics")

    page.goto(f"{open_as.url}/supervision/scores/?month=2026-11")
    expect(page.locator("#score-status")).to_contain_text("尚未发布")
    page.click("#publish-form button[type=submit]")
    expect(page.locator("#score-status")).to_contain_text("已发布（第 1 版）")
    expect(page.locator("#department-scores tbody tr").first).to_contain_text("100.00")
    shot(page, "supervision-scores")

    page.goto(f"{open_as.url}/supervision/reports/")
    page.fill("#report-month", "2026-11")
    page.click("#report-form button[type=submit]", timeout=90_000)  # weasyprint renders it in the request
    link = page.locator("#reports a", has_text="2026年11月月报（PDF）")
    expect(link).to_have_count(1, timeout=90_000)
    shot(page, "supervision-reports")
    response = page.request.get(open_as.url + link.get_attribute("href"))
    assert response.ok and response.body().startswith(b"%PDF")
    if shutil.which("pdftoppm"):  # the report's first page as an image for docs/supervision.md
        pdf = SCREENSHOTS / "supervision-report.pdf"
        pdf.write_bytes(response.body())
        subprocess.run(["pdftoppm", "-png", "-r", "70", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                        str(SCREENSHOTS / "supervision-report-page1")], check=True)  # fmt: skip
        pdf.unlink()
