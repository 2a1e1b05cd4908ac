"""The demo's front desk (seed_demo) and the real adapter to the catalog and the cases (approvals.frontdesk)."""

from datetime import date

import pytest

import hall.demo
from hall.frontdesk import adapter, appointments, queue
from hall.frontdesk.models import AppointmentSlot, CategoryWindow, HolidayItem, ServiceCategory, Ticket
from tests.approvals import helpers


def test_demo_front_desk_is_there_and_seeding_again_changes_nothing(people):
    counts = (ServiceCategory.objects.count(), CategoryWindow.objects.count(), HolidayItem.objects.count())
    assert counts == (6, 12, 6)
    assert AppointmentSlot.objects.filter(for_holidays=True).exists()
    hall.demo.seed(password="x" * 8, log=lambda message: None)
    assert (ServiceCategory.objects.count(), CategoryWindow.objects.count(), HolidayItem.objects.count()) == counts


def test_the_demo_clerk_calls_at_b01_and_me_lists_it(people):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(people.clerk)
    assert {"code": "B01", "name": "不动产登记受理窗口"} in client.get("/api/v1/me").json()["windows"]
    Ticket.objects.all().delete()
    ticket = queue.issue_ticket(category_code="estate")
    assert queue.call_next(window_code="B01", by=people.clerk) == ticket


def test_holiday_booking_with_the_demo_catalog(people):
    """国庆 2026-10-02: a holiday-list item of the catalog is booked, another item is refused."""
    assert adapter.item("SCJGJ-XK-0001")["name"] == "企业设立登记"
    assert adapter.item("NO-SUCH-ITEM") is None
    appointments.make_slots(first=date(2026, 10, 2), days=1)
    slot = AppointmentSlot.objects.get(category__code="company", date=date(2026, 10, 2))
    booking = appointments.book(slot_id=slot.pk, by=people.applicant, item_code="SCJGJ-XK-0001")
    assert booking.item_name == "企业设立登记"
    with pytest.raises(Exception) as refused:
        appointments.book(slot_id=slot.pk, by=people.applicant2, item_code="SCJGJ-XK-0004")
    assert "不在节假日事项目录" in str(refused.value)


def test_contact_card_lists_the_enterprise_cases_with_deadlines(people):
    case = helpers.submitted_case(people, by=people.agent)
    assert adapter.case(case.number, people.agent)["number"] == case.number
    assert adapter.case(case.number, people.applicant2) is None  # outside the scope: unknown
    listed = adapter.cases_of_organisation(case.applicant_id_number)
    assert [(c["number"], c["state_label"]) for c in listed] == [(case.number, "已提交")]
    visitor = adapter.open_cases_of_visitor(people.clerk, id_number=case.applicant_id_number)
    assert [c["number"] for c in visitor] == [case.number]


def test_accepting_the_visitors_case_at_the_window_links_it_to_the_ticket(people, django_capture_on_commit_callbacks):
    """One visit, one record: the clerk serving a ticket accepts the visitor's case (the ID given at the
    kiosk is the applicant's) — the case is linked; another visitor's case handled meanwhile is not."""
    Ticket.objects.all().delete()
    queue.issue_ticket(category_code="estate", id_number=helpers.PERSON["id_number"])
    visitor_case = helpers.submitted_case(people)
    other = helpers.submitted_case(people, applicant=helpers.COMPANY)
    ticket = queue.call_next(window_code="B01", by=people.clerk)
    with django_capture_on_commit_callbacks(execute=True):
        helpers.act("accept", other, people)
        helpers.act("accept", visitor_case, people)
    assert list(ticket.cases.values_list("case_number", flat=True)) == [visitor_case.number]


def test_catalog_admins_keep_the_holiday_item_list(people, client):
    client.force_login(helpers.fresh(people.catalog_admin))
    page = client.get("/admin/hall/holidayitem/")
    assert page.status_code == 200 and "GAFJ-XK-0002" in page.content.decode()
    assert client.get("/admin/hall/ticket/").status_code == 403
