"""Appointments (预约): holiday booking only for holiday-list items in holiday slots, capacity, cancel and
reschedule, no-shows and their limit, reminders."""

from datetime import date, time

import pytest

from hall import services
from hall.errors import Conflict, DomainError, NotPermitted, OutsideScope
from hall.frontdesk import appointments
from hall.frontdesk.models import Appointment, AppointmentSlot, AppointmentTemplate
from hall.models import Notification
from tests.factories import UserFactory
from tests.hall.frontdesk.helpers import at, client_for, frozen, small_hall

pytestmark = pytest.mark.django_db

WORKDAY, HOLIDAY = date(2026, 9, 30), date(2026, 10, 2)  # a Wednesday; 国庆 (法定节假日)


@pytest.fixture
def hall(settings):
    settings.FRONTDESK_ADAPTER = "tests.hall.frontdesk.fake_adapter"
    with frozen(at(2026, 9, 29, 15, 0)) as traveller:
        h = small_hall()
        appointments.make_slots(first=WORKDAY, days=5)
        h.clock = traveller
        yield h


def slot(category, day, start="09:00"):
    return AppointmentSlot.objects.get(category=category, date=day, start=start)


def book(user, slot_id, item_code=""):
    return client_for(user).post("/api/v1/appointments", {"slot_id": slot_id, "item_code": item_code}, format="json")


def test_slots_come_from_the_templates_on_the_calendar(hall):
    assert list(AppointmentSlot.objects.filter(date=WORKDAY).values_list("start", "for_holidays")) == [
        (time(9), False), (time(10), False),
    ]  # fmt: skip
    # 国庆: only the holiday template makes slots
    assert list(AppointmentSlot.objects.filter(date=HOLIDAY).values_list("start", "for_holidays")) == [(time(9), True)]
    assert appointments.make_slots(first=WORKDAY, days=5) == 6  # again: offered, kept as they were
    assert AppointmentSlot.objects.count() == 6


def test_holiday_booking_of_a_holiday_list_item_in_a_holiday_slot_is_accepted(hall):
    response = book(hall.applicant, slot(hall.a, HOLIDAY).pk, "HOLIDAY-ITEM")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["date"], body["start"], body["end"], body["item_name"]) == (
        "2026-10-02",
        "09:00",
        "12:00",
        "不动产权证书补换发",
    )
    assert len(body["code"]) == 6
    assert Notification.objects.filter(user=hall.applicant, kind="appointment").exists()


def test_holiday_booking_of_an_item_not_on_the_holiday_list_is_refused_with_the_reason(hall):
    response = book(hall.applicant, slot(hall.a, HOLIDAY).pk, "WORKDAY-ITEM")
    assert response.status_code == 400
    assert response.json()["error"] == "not_bookable"
    assert "不在节假日事项目录" in response.json()["detail"]


def test_holiday_booking_in_another_categorys_holiday_slot_is_refused(hall):
    """The holiday list names each item's category: its holiday slots are that category's, not any other."""
    AppointmentTemplate.objects.create(category=hall.b, start=time(9), end=time(12), capacity=5, for_holidays=True)
    appointments.make_slots(first=HOLIDAY, days=1)
    response = book(hall.applicant, slot(hall.b, HOLIDAY).pk, "HOLIDAY-ITEM")
    assert response.status_code == 400, response.content
    assert response.json()["error"] == "not_bookable"
    assert "不动产登记" in response.json()["detail"]
    assert not Appointment.objects.exists()


def test_holiday_booking_for_a_category_only_is_refused(hall):
    response = book(hall.applicant, slot(hall.a, HOLIDAY).pk)
    assert response.status_code == 400
    assert "节假日只能预约节假日事项目录中的事项" in response.json()["detail"]


def test_a_working_day_slot_on_a_day_the_calendar_made_a_holiday_is_refused(hall):
    services.set_calendar_day(day=WORKDAY, is_working=False, note="临时闭厅", by=None)
    response = book(hall.applicant, slot(hall.a, WORKDAY).pk, "HOLIDAY-ITEM")
    assert response.status_code == 400
    assert "只开放节假日预约时段" in response.json()["detail"]


def test_a_holiday_slot_on_a_day_made_a_working_day_is_refused(hall):
    services.set_calendar_day(day=HOLIDAY, is_working=True, note="调休上班", by=None)
    response = book(hall.applicant, slot(hall.a, HOLIDAY).pk, "HOLIDAY-ITEM")
    assert response.status_code == 400
    assert "已调整为工作日" in response.json()["detail"]


def test_holiday_slots_only_on_the_holidays_a_template_lists(hall):
    AppointmentTemplate.objects.filter(for_holidays=True).update(holiday_dates=["2026-10-03"])
    AppointmentSlot.objects.filter(for_holidays=True).delete()
    appointments.make_slots(first=WORKDAY, days=5)
    assert list(AppointmentSlot.objects.filter(for_holidays=True).values_list("date", flat=True)) == [date(2026, 10, 3)]


def test_slot_listing_on_a_holiday_shows_holiday_slots_only_for_listed_items(hall):
    anyone = client_for()
    listed = anyone.get("/api/v1/appointments/slots", {"item_code": "HOLIDAY-ITEM", "date": "2026-10-02"}).json()
    assert (listed["working_day"], [s["start"] for s in listed["slots"]]) == (False, ["09:00"])
    other = anyone.get("/api/v1/appointments/slots", {"item_code": "WORKDAY-ITEM", "date": "2026-10-02"}).json()
    assert other["slots"] == [] and "不在节假日事项目录" in other["reason"]
    workday = anyone.get("/api/v1/appointments/slots", {"category": "estate", "date": "2026-09-30"}).json()
    assert [s["available"] for s in workday["slots"]] == [2, 2]
    assert anyone.get("/api/v1/appointments/slots", {"category": "estate"}).status_code == 400


def test_a_full_slot_is_409(hall):
    nine = slot(hall.a, WORKDAY)
    assert book(hall.applicant, nine.pk).status_code == 201
    assert book(hall.applicant, nine.pk).status_code == 409  # the same person twice
    assert book(hall.applicant2, nine.pk).status_code == 201
    third = UserFactory(username="wang", roles=["applicant"])
    response = book(third, nine.pk)
    assert response.status_code == 409 and response.json()["error"] == "slot_full"
    nine.refresh_from_db()
    assert nine.booked == 2


def test_only_applicants_and_agents_book(hall):
    assert book(hall.clerk1, slot(hall.a, WORKDAY).pk).status_code == 403
    assert client_for().post("/api/v1/appointments", {"slot_id": 1}, format="json").status_code == 401


def test_cancel_gives_the_place_back_and_reschedule_moves_it(hall):
    nine, ten = slot(hall.a, WORKDAY), slot(hall.a, WORKDAY, "10:00")
    booking = appointments.book(slot_id=nine.pk, by=hall.applicant)
    moved = appointments.reschedule(appointment_id=booking.pk, slot_id=ten.pk, by=hall.applicant)
    nine.refresh_from_db(), ten.refresh_from_db()
    assert (nine.booked, ten.booked, moved.slot_id) == (0, 1, ten.pk)
    with pytest.raises(Conflict):
        appointments.cancel(appointment_id=booking.pk, by=hall.applicant)  # the old one is cancelled already
    with pytest.raises(OutsideScope):
        appointments.cancel(appointment_id=moved.pk, by=hall.applicant2)  # not hers: 404
    response = client_for(hall.applicant).post(f"/api/v1/appointments/{moved.pk}/cancel")
    assert response.status_code == 200 and response.json()["state"] == "cancelled"
    ten.refresh_from_db()
    assert ten.booked == 0


def test_cancel_after_the_slot_began_is_refused(hall):
    booking = appointments.book(slot_id=slot(hall.a, WORKDAY).pk, by=hall.applicant)
    hall.clock.move_to(at(2026, 9, 30, 9, 30))
    with pytest.raises(Conflict):
        appointments.cancel(appointment_id=booking.pk, by=hall.applicant)
    with pytest.raises(DomainError):  # and booking a slot that is over
        hall.clock.move_to(at(2026, 9, 30, 10, 0))
        appointments.book(slot_id=slot(hall.a, WORKDAY).pk, by=hall.applicant2)


def test_no_shows_are_recorded_after_the_slot_and_three_stop_online_booking(hall, settings):
    settings.FRONTDESK_NO_SHOW_LIMIT = 1
    booking = appointments.book(slot_id=slot(hall.a, WORKDAY).pk, by=hall.applicant)
    hall.clock.move_to(at(2026, 9, 30, 10, 20))
    assert appointments.record_no_shows() == 0  # within the 30 minutes' grace
    hall.clock.move_to(at(2026, 9, 30, 10, 31))
    assert appointments.record_no_shows() == 1
    assert appointments.record_no_shows() == 0
    booking.refresh_from_db()
    assert booking.state == Appointment.State.NO_SHOW
    with pytest.raises(NotPermitted) as refused:
        appointments.book(slot_id=slot(hall.a, WORKDAY, "10:00").pk, by=hall.applicant)
    assert "爽约" in refused.value.detail
    hall.clock.move_to(at(2026, 11, 2, 9, 0))  # 30 days after: allowed again
    assert appointments.no_show_ban(hall.applicant) is None


def test_reminders_go_once_the_evening_before(hall):
    appointments.book(slot_id=slot(hall.a, WORKDAY).pk, by=hall.applicant)
    appointments.book(slot_id=slot(hall.a, HOLIDAY).pk, by=hall.applicant2, item_code="HOLIDAY-ITEM")
    hall.clock.move_to(at(2026, 9, 29, 18, 0))
    assert appointments.send_reminders() == 1
    assert appointments.send_reminders() == 0
    assert Notification.objects.filter(user=hall.applicant, title__startswith="预约提醒").count() == 1


def test_check_in_by_code_at_the_kiosk_links_the_booking(hall):
    from hall.frontdesk import queue

    booking = appointments.book(slot_id=slot(hall.a, WORKDAY).pk, by=hall.applicant)
    hall.clock.move_to(at(2026, 9, 30, 8, 50))
    response = client_for().post(
        "/api/v1/queue/tickets", {"category": "estate", "appointment_code": "000000"}, format="json"
    )
    if booking.code != "000000":
        assert response.status_code == 400 and "appointment_code" in response.json()["fields"]
    ticket = queue.issue_ticket(category_code="estate", appointment_code=booking.code)
    booking.refresh_from_db()
    assert ticket.appointment_id == booking.pk and booking.state == Appointment.State.CHECKED_IN


def test_my_bookings_list_and_the_statistics_run_a_constant_number_of_queries(hall):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import UserFactory as Users

    def queries(client, url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    mine, supervisor = client_for(hall.applicant), client_for(Users(username="sup", roles=["supervisor"]))
    stats_url = "/api/v1/queue/statistics?from=2026-09-30&to=2026-10-02"
    book(hall.applicant, slot(hall.a, WORKDAY).pk)
    queries(mine, "/api/v1/appointments"), queries(supervisor, stats_url)  # warm (the role lookups are cached)
    one, stats_one = queries(mine, "/api/v1/appointments"), queries(supervisor, stats_url)
    book(hall.applicant, slot(hall.a, WORKDAY, "10:00").pk)
    book(hall.applicant, slot(hall.a, HOLIDAY).pk, "HOLIDAY-ITEM")
    assert len(mine.get("/api/v1/appointments").json()) == 3
    assert queries(mine, "/api/v1/appointments") == one
    assert queries(supervisor, stats_url) == stats_one
