"""统计分析 on a constructed month (``tests/supervision/month.py``): every figure equals the count by hand —
deemed acceptance on the receipt day (行政许可法 art. 32), special procedures not counted against the
on-time rate (art. 45), the township split; the API's shape and refusals; the page and its exports."""

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook
from rest_framework.test import APIClient

from approvals.models import Application
from hall.frontdesk.models import ServiceCategory, Ticket
from hall.models import Department
from supervision import statistics
from tests.approvals import helpers
from tests.supervision import month

NOVEMBER = statistics.Period(date(2026, 11, 1), date(2026, 11, 30))
URL = "/api/v1/supervision/statistics"


@pytest.fixture
def cases(people):
    return month.build()


def test_the_hall_figures_of_the_month_equal_the_hand_count(cases):
    total = statistics.figures(NOVEMBER)["total"]
    # received: A B C E F H I (D and G were filed in October, J in December); online: A C E H
    assert (total["received"], total["online"], total["online_share"]) == (7, 4, round(4 / 7, 4))
    # accepted: A B C E F I — E deemed accepted on its receipt day 11-10 although acted on 11-20;
    # D acted on 11-05 but deemed accepted on 10-28, so it is October's
    assert (total["accepted"], total["deemed"]) == (6, 1)
    # finished: A B C D F G (G filed in October); C denied
    assert (total["finished"], total["approved"], total["denied"]) == (6, 5, 1)
    assert total["completion_rate"] == 1.0
    # on time: all but C — B decided after its committed 5 days (11-10) but within them plus its 3
    # suspended working days (11-13): special procedures do not count (art. 45)
    assert (total["timed"], total["on_time"], total["on_time_rate"]) == (6, 5, round(5 / 6, 4))
    assert (total["instant"], total["instant_share"]) == (1, round(1 / 6, 4))  # F
    assert (total["corrections"], total["corrections_per_case"]) == (3, 0.5)  # B 1, C 2
    assert (total["avg_days_used"], total["avg_days_committed"]) == (round(31 / 6, 1), round(31 / 6, 1))
    # delivered: A B C F G; zero visits: filed online and the result by post or electronically — A C G
    assert (total["delivered"], total["no_visit"], total["no_visit_share"]) == (5, 3, 0.6)


def test_the_township_and_district_split(cases):
    figures = statistics.figures(NOVEMBER)
    levels = {row["level"]: row for row in figures["levels"]}
    township, district = levels["township"], levels["district"]
    assert (township["received"], township["accepted"], township["deemed"], township["finished"]) == (2, 2, 1, 2)
    assert (township["on_time"], township["instant"]) == (2, 1)
    assert (district["received"], district["accepted"], district["finished"], district["on_time"]) == (5, 4, 4, 3)
    only = statistics.figures(NOVEMBER, level="township")
    assert only["total"]["received"] == 2 and [d["department"]["code"] for d in only["departments"]] == ["XJZ"]
    departments = {row["department"]["code"]: row for row in figures["departments"]}
    assert departments["ZRZYJ"]["on_time_rate"] == round(2 / 3, 4)
    assert departments["SCJGJ"]["received"] == 2 and departments["SCJGJ"]["finished"] == 1


def test_working_days_per_item_and_the_3550_business_figure(cases):
    figures = statistics.figures(NOVEMBER)
    items = {row["code"]: row for row in figures["items"]}
    zr = items["ZRZYJ-XK-0005"]
    assert (zr["cases"], zr["avg_days_used"], zr["avg_days_committed"]) == (3, 5.0, 5.0)
    assert zr["p90_days_used"] == 7  # nearest rank of 4, 4, 7
    business = {f["key"]: f for f in figures["three_five_fifty"]}["business"]
    # G: filed Friday 10-30, licensed Monday 11-02: one working day, within the 3-day target
    assert (business["cases"], business["avg_days"], business["within_target"]) == (1, 1.0, 1)
    assert {f["key"]: f for f in figures["three_five_fifty"]}["real_estate"]["cases"] == 0


def test_per_day_series_and_per_month_for_a_longer_range(cases):
    days = statistics.figures(NOVEMBER)["series"]
    assert days["unit"] == "day" and len(days["points"]) == 30
    by_day = {p["period"]: p for p in days["points"]}
    assert by_day["2026-11-16"] == {"period": "2026-11-16", "received": 1, "finished": 1}
    months = statistics.figures(statistics.Period(date(2026, 10, 1), date(2026, 12, 31)))["series"]
    assert months["unit"] == "month"
    assert months["points"] == [{"period": "2026-10", "received": 2, "finished": 0},
                                {"period": "2026-11", "received": 7, "finished": 6},
                                {"period": "2026-12", "received": 1, "finished": 0}]  # fmt: skip


def test_visitors_come_from_the_queue_tickets_and_are_not_shown_without_them(cases, client, people):
    Ticket.objects.all().delete()  # the demo's tickets of the day
    visitors = statistics.figures(NOVEMBER)["visitors"]
    assert visitors["available"] is False and visitors["per_day"] is None
    category = ServiceCategory.objects.create(code="TST", name="测试", prefix="T",
                                              department=Department.objects.get(code="ZWB"))  # fmt: skip
    for seq, day in enumerate([date(2026, 11, 2), date(2026, 11, 2), date(2026, 11, 3), date(2026, 12, 1)], 1):
        Ticket.objects.create(day=day, category=category, seq=seq, number=f"T{seq:03d}")
    visitors = statistics.figures(NOVEMBER)["visitors"]
    # 3 tickets in November, which has 21 working days
    assert (visitors["available"], visitors["total"], visitors["per_day"]) == (True, 3, round(3 / 21, 1))
    client.force_login(people.supervisor)
    page = client.get("/supervision/statistics/", {"from": "2026-11-01", "to": "2026-11-30"}).content.decode()
    assert "日均接待人次" in page and "共接待 3 人次" in page


def test_the_api_answers_supervisors_with_the_figures_in_a_constant_number_of_queries(
    cases, people, django_assert_max_num_queries
):
    api = APIClient()
    api.force_authenticate(helpers.fresh(people.supervisor))
    with django_assert_max_num_queries(16):
        response = api.get(URL, {"from": "2026-11-01", "to": "2026-11-30", "level": "township"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["from"] == "2026-11-01" and body["total"]["received"] == 2 and body["level"] == "township"


@pytest.mark.parametrize("query, field", [
    ({"from": "2026-11-30", "to": "2026-11-01"}, "to"),
    ({"from": "2026-11-01"}, "to"),
    ({"from": "2026-13-01", "to": "2026-11-30"}, "from"),
    ({"from": "2020-01-01", "to": "2026-11-30"}, "to"),
    ({"from": "2026-11-01", "to": "2026-11-30", "department": "NOPE"}, "department"),
    ({"from": "2026-11-01", "to": "2026-11-30", "level": "city"}, "level"),
])  # fmt: skip
def test_bad_ranges_and_filters_are_400_with_the_field(people, query, field):
    api = APIClient()
    api.force_authenticate(helpers.fresh(people.supervisor))
    response = api.get(URL, query)
    assert response.status_code == 400 and field in response.json()["fields"]


def test_only_supervisors_read_the_statistics(people):
    api = APIClient()
    assert api.get(URL, {"from": "2026-11-01", "to": "2026-11-30"}).status_code == 401
    api.force_authenticate(helpers.fresh(people.clerk))
    assert api.get(URL, {"from": "2026-11-01", "to": "2026-11-30"}).status_code == 403


def test_the_page_shows_the_figures_and_exports_them(cases, people, client):
    Ticket.objects.all().delete()  # the demo's tickets of the day
    client.force_login(people.supervisor)
    response = client.get("/supervision/statistics/", {"from": "2026-11-01", "to": "2026-11-30"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "2026年11月1日 至 2026年11月30日" in text and "83.3%" in text and "接待人次将取自前台排队叫号" in text
    exported = client.get("/supervision/statistics/export.csv", {"from": "2026-11-01", "to": "2026-11-30"})
    assert exported.status_code == 200 and exported["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    header, hall = rows[1], rows[2]
    assert hall[header.index("收件")] == "7" and hall[header.index("按时办结率")] == str(round(5 / 6, 4))
    xlsx = client.get("/supervision/statistics/export.xlsx", {"from": "2026-11-01", "to": "2026-11-30"})
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["汇总", "事项用时", "3550", "趋势"]
    assert book["汇总"]["D2"].value == 7


def test_the_page_refuses_a_reversed_range_and_other_roles(people, client):
    client.force_login(people.supervisor)
    response = client.get("/supervision/statistics/", {"from": "2026-11-30", "to": "2026-11-01"})
    assert response.status_code == 400 and "结束日期不能早于开始日期" in response.content.decode()
    client.force_login(people.clerk)
    assert client.get("/supervision/statistics/").status_code == 403


def test_a_business_start_up_filed_as_a_bundle_is_one_measurement_from_filing_to_its_last_licence(cases, people):
    """开办企业“一件事”: one bundle case, its sub-cases decided 11-17 and 11-19 after a filing on 11-16
    (Monday): 3 working days — within the target; its sub-cases are not measured on their own."""
    from approvals.models import BundleCase
    from catalog.models import Bundle

    bundle = Bundle.objects.get(code="YJS-KBQY")
    filed = BundleCase.objects.create(
        number="YJS-T-1", bundle=bundle, bundle_version=bundle.current_version, lead_department=bundle.lead_department,
        owner=people.applicant, filed_by=people.applicant, applicant_type="organisation", applicant_name="新公司",
        submitted_at=helpers.at(2026, 11, 16), done_at=helpers.at(2026, 11, 19, 15),
    )  # fmt: skip
    # two of the constructed month's SCJGJ cases become its sub-cases (G's item is a configured one)
    Application.objects.filter(pk=cases["G"].pk).update(bundle=filed, decided_at=helpers.at(2026, 11, 17))
    Application.objects.filter(pk=cases["I"].pk).update(bundle=filed, decision="approved",
                                                        decided_at=helpers.at(2026, 11, 19, 15))  # fmt: skip
    business = {f["key"]: f for f in statistics.figures(NOVEMBER)["three_five_fifty"]}["business"]
    measured = (business["cases"], business["avg_days"], business["max_days"], business["within_target"])
    assert measured == (1, 3.0, 3, 1)
    # a denied sub-case: the business was not opened, nothing is measured
    Application.objects.filter(pk=cases["I"].pk).update(decision="denied")
    assert {f["key"]: f for f in statistics.figures(NOVEMBER)["three_five_fifty"]}["business"]["cases"] == 0
