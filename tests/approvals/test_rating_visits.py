"""一次一评 at the window (the pad, the SMS link, the queue ticket), the provincial export, the public
statistics on the catalog's pages and the figures for supervision (issue 21)."""

import csv
import io
from datetime import timedelta

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from approvals import rating_export, services, visits
from approvals.models import Evaluation, FollowUp, State
from hall.frontdesk import queue
from hall.frontdesk.models import CategoryWindow, ServiceCategory
from hall.models import OutboxMessage, Window
from hall.sms import LoggingBackend
from supervision import ratings_metrics
from tests.approvals import helpers
from tests.approvals.helpers import at, case_in, frozen


@pytest.fixture
def people(demo, db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    LoggingBackend.sent = []
    with frozen(at(2026, 9, 14)):  # a Monday
        yield helpers.demo_people()


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pad_url(number: str = "B01") -> str:
    return reverse("approvals:rating_pad", args=[number])


def token_on(page: str) -> str:
    start = page.index('name="token" value="') + len('name="token" value="')
    return page[start : page.index('"', start)]


# --- the pad ------------------------------------------------------------------------------------------------


def test_the_pad_is_a_kiosk_page_of_the_windows_own_staff(people):
    page = client_for(people.clerk).get(pad_url())
    assert page.status_code == 200
    text = page.content.decode()
    for _, label in Evaluation.Level.choices:
        assert label in text
    for label in ("服务效率", "服务水平", "服务态度"):
        assert label in text
    assert client_for(people.clerk2).get(pad_url()).status_code == 404  # another department's window
    assert Client().get(pad_url()).status_code == 302  # the pad device is logged in


def test_one_rating_per_pad_screen(people):
    client = client_for(people.clerk)
    token = token_on(client.get(pad_url()).content.decode())

    first = client.post(pad_url(), {"token": token, "level": "5", "tags": ["attitude"]})
    again = client.post(pad_url(), {"token": token, "level": "1", "comment": "再来一次"})

    assert first.status_code == 200 and "感谢您的评价" in first.content.decode()
    assert again.status_code == 409
    rating = Evaluation.objects.get(stage="visit")
    window = Window.objects.get(number="B01")
    assert (rating.window_id, rating.department_id, rating.level, rating.channel) == (
        window.pk,
        window.department_id,
        5,
        "tablet",
    )
    assert rating.tags == ["attitude"] and rating.application_id is None and rating.rater_id is None


def test_a_bad_pad_rating_needs_a_comment_and_opens_a_follow_up(people):
    client = client_for(people.clerk)
    token = token_on(client.get(pad_url()).content.decode())
    refused = client.post(pad_url(), {"token": token, "level": "1"})
    assert refused.status_code == 400 and "请写明原因" in refused.content.decode()
    client.post(pad_url(), {"token": token, "level": "1", "comment": "排队太久"})
    assert FollowUp.objects.get(evaluation__stage="visit").state == "open"


def test_a_forged_or_stale_pad_token_is_refused(people):
    client = client_for(people.clerk)
    forged = client.post(pad_url(), {"token": "x" + token_on(client.get(pad_url()).content.decode()), "level": "5"})
    assert forged.status_code == 404 and not Evaluation.objects.exists()
    token = token_on(client.get(pad_url()).content.decode())
    with frozen(at(2026, 9, 15, 10)):
        assert client_for(people.clerk).post(pad_url(), {"token": token, "level": "5"}).status_code == 410


def test_the_pad_rates_the_ticket_being_served_and_its_linked_case(people):
    window = Window.objects.get(number="B01")
    category, _ = ServiceCategory.objects.get_or_create(
        code="ratings-test", defaults={"name": "评价测试", "prefix": "R", "department_id": window.department_id}
    )
    CategoryWindow.objects.get_or_create(category=category, window=window, defaults={"role": "primary"})
    ticket = queue.issue_ticket(category_code=category.code, phone="13900000077")
    called = queue.call_next(window_code="B01", by=people.clerk)
    while called is not None and called.pk != ticket.pk:  # the demo's own tickets of the day, if any
        called = queue.call_next(window_code="B01", by=people.clerk)
    case = case_in(State.DELIVERED, people)
    queue.link_case(number=ticket.number, case_number=case.number, by=people.clerk)

    client = client_for(people.clerk)
    page = client.get(pad_url()).content.decode()
    assert f"排队号 {ticket.number}" in page and case.number in page
    client.post(pad_url(), {"token": token_on(page), "level": "4"})

    rating = Evaluation.objects.get(stage="visit")
    assert (rating.ticket_id, rating.ticket_number, rating.application_id) == (ticket.pk, ticket.number, case.pk)
    assert f"排队号 {ticket.number}" not in client.get(pad_url()).content.decode()  # rated: not asked again


# --- the SMS link -------------------------------------------------------------------------------------------


def test_the_sms_link_is_sent_through_the_outbox_and_rates_once(people, django_capture_on_commit_callbacks):
    case = case_in(State.DELIVERED, people)
    with django_capture_on_commit_callbacks(execute=True):
        url = visits.send_rating_link(window_number="B01", by=people.clerk, phone="13900000088",
                                      case_number=case.number)  # fmt: skip

    assert OutboxMessage.objects.filter(handler="approvals.visits.send_link_sms").exists()
    phone, text = LoggingBackend.sent[-1]
    assert phone == "13900000088" and url in text
    path = url.split("8000", 1)[-1] if "8000" in url else url
    anyone = Client()
    assert anyone.get(path).status_code == 200
    rated = anyone.post(path, {"level": "2", "comment": "窗口人员不耐烦", "tags": ["attitude"]})
    assert rated.status_code == 302
    rating = Evaluation.objects.get(stage="visit")
    assert (rating.channel, rating.application_id, rating.level) == ("sms", case.pk, 2)
    assert FollowUp.objects.filter(evaluation=rating).exists()
    again = anyone.post(path, {"level": "5"})
    assert again.status_code == 200 and Evaluation.objects.filter(stage="visit").count() == 1
    assert "窗口人员不耐烦" in again.content.decode() and "差评整改" in again.content.decode()


def test_an_expired_or_tampered_sms_link_is_refused(people, settings):
    url = visits.send_rating_link(window_number="B01", by=people.clerk, phone="13900000088")
    path = reverse("approvals:rating_link", args=[url.rstrip("/").rsplit("/", 1)[-1]])
    with frozen(at(2026, 9, 14) + timedelta(days=settings.RATING_LINK_DAYS, minutes=1)):
        assert Client().get(path).status_code == 410
        assert Client().post(path, {"level": "5"}).status_code == 410
    token = signing.dumps({"w": 1, "c": None, "t": "", "tk": None, "d": "2026-09-14", "k": "x"}, salt="other")
    assert Client().get(reverse("approvals:rating_link", args=[token])).status_code == 404
    assert not Evaluation.objects.exists()


def test_only_the_windows_staff_send_links_and_the_phone_is_checked(people):
    from django.core.exceptions import ValidationError

    from hall.errors import OutsideScope

    with pytest.raises(OutsideScope):
        visits.send_rating_link(window_number="B01", by=people.clerk2, phone="13900000088")
    with pytest.raises(ValidationError):
        visits.send_rating_link(window_number="B01", by=people.clerk, phone="12345")


# --- the export ---------------------------------------------------------------------------------------------


def rated_cases(people):
    good = case_in(State.DELIVERED, people)
    services.evaluate_service(case_id=good.pk, by=people.applicant, level=5, tags=["efficiency"])
    bad = case_in(State.DELIVERED, people)
    services.evaluate_service(case_id=bad.pk, by=people.applicant, level=1, comment='=HYPERLINK("x")')
    return good, bad


def test_the_export_has_the_provincial_columns_and_codes(people):
    good, bad = rated_cases(people)
    response = client_for(people.clerk).get(reverse("approvals:ratings_export", args=["csv"]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == [code for code, _ in rating_export.COLUMNS] and rows[1][0] == "办件编号"
    by_case = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[2:]}
    assert by_case[good.number]["satisfaction"] == "1" and by_case[good.number]["satisfactionName"] == "非常满意"
    assert by_case[good.number]["evalDetail"] == "办事效率" and by_case[good.number]["pf"] == "1"
    assert by_case[bad.number]["satisfaction"] == "5" and by_case[bad.number]["rectification"] == "待回访核实"
    assert by_case[bad.number]["writingEvaluation"].startswith("'=")  # not a formula in a spreadsheet
    assert by_case[good.number]["userName"].startswith("张") and "*" in by_case[good.number]["userName"]


def test_the_xlsx_export_opens_and_scopes_to_the_department(people):
    rated_cases(people)
    response = client_for(people.clerk).get(reverse("approvals:ratings_export", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 4 and sheet.cell(1, 1).value == "projectNo"
    other = client_for(people.clerk2).get(reverse("approvals:ratings_export", args=["csv"]))
    assert len(list(csv.reader(io.StringIO(other.content.decode("utf-8-sig"))))) == 2  # headers only
    assert client_for(people.applicant).get(reverse("approvals:ratings_export", args=["csv"])).status_code == 404


# --- public statistics and figures --------------------------------------------------------------------------


def test_the_catalog_pages_show_the_satisfaction_rate(people, django_assert_max_num_queries):
    good, _ = rated_cases(people)
    item_page = Client().get(reverse("catalog:item", args=[good.item.code])).content.decode()
    assert "满意率" in item_page and "50.0%" in item_page and "2 条评价" in item_page
    client, query = Client(), {"department": good.department.code}
    client.get(reverse("catalog:search"), query)
    with django_assert_max_num_queries(20):
        search = client.get(reverse("catalog:search"), query)
    assert "50.0%" in search.content.decode()


def test_the_monthly_figures_per_department(people):
    from supervision import complaints

    good, _ = rated_cases(people)
    complaints.file_complaint(text="投诉", case_number=good.number)
    figures = ratings_metrics.department_month_metrics("2026-09")[good.department_id]
    assert (figures["ratings"], figures["bad"], figures["satisfaction_rate"]) == (2, 1, 50.0)
    assert figures["follow_ups"] == 1 and figures["complaints"] == 1
    assert ratings_metrics.department_month_metrics("2026-08") == {}


def test_the_dashboard_shows_the_service_card(people):
    rated_cases(people)
    page = client_for(people.supervisor).get(reverse("supervision:dashboard")).content.decode()
    assert 'id="service-card"' in page and "满意率" in page and "50.0%" in page
