"""A full front-desk day simulated with time-machine gives the expected statistics
(``hall.frontdesk.stats.front_desk_statistics``)."""

from datetime import date

import pytest

from hall.frontdesk import appointments, queue
from hall.frontdesk.models import AppointmentSlot
from hall.frontdesk.stats import front_desk_statistics, p90
from tests.hall.frontdesk.helpers import at, client_for, frozen, small_hall

pytestmark = pytest.mark.django_db
DAY = date(2026, 9, 30)


def test_p90_is_the_nearest_rank():
    assert p90([]) is None
    assert p90([5]) == 5
    assert p90(list(range(1, 11))) == 9
    assert p90(list(range(1, 12))) == 10


def test_a_simulated_day_gives_the_expected_figures(settings):
    settings.FRONTDESK_ADAPTER = "tests.hall.frontdesk.fake_adapter"
    with frozen(at(2026, 9, 29, 16, 0)) as clock:
        h = small_hall()
        appointments.make_slots(first=DAY, days=1)
        nine = AppointmentSlot.objects.get(category=h.a, date=DAY, start="09:00")
        ten = AppointmentSlot.objects.get(category=h.a, date=DAY, start="10:00")
        kept = appointments.book(slot_id=nine.pk, by=h.applicant)
        appointments.book(slot_id=nine.pk, by=h.applicant2)  # will not come
        dropped = appointments.book(slot_id=ten.pk, by=h.applicant2)
        appointments.cancel(appointment_id=dropped.pk, by=h.applicant2)

        def step(hour, minute, act):
            clock.move_to(at(2026, 9, 30, hour, minute))
            return act()

        t1 = step(9, 0, lambda: queue.issue_ticket(category_code="estate"))
        step(9, 5, lambda: queue.issue_ticket(category_code="estate"))
        step(9, 10, lambda: queue.issue_ticket(category_code="company"))
        assert step(9, 10, lambda: queue.call_next(window_code="W1", by=h.clerk1)) == t1  # waited 10
        step(9, 20, lambda: queue.call_next(window_code="W1", by=h.clerk1))  # t1 served 10; t2 waited 15
        step(9, 30, lambda: queue.call_next(window_code="W2", by=h.clerk2))  # t3 waited 20
        step(9, 36, lambda: queue.finish(number="B001", by=h.clerk2))  # t3 served 6
        t4 = step(9, 40, lambda: queue.issue_ticket(category_code="estate", appointment_code=kept.code))
        step(9, 50, lambda: queue.call_next(window_code="W1", by=h.clerk1))  # t2 served 30; t4 waited 10
        step(10, 0, lambda: queue.finish(number=t4.number, by=h.clerk1))  # t4 served 10
        step(10, 5, lambda: queue.issue_ticket(category_code="company"))  # never called
        step(11, 0, appointments.record_no_shows)

    figures = front_desk_statistics(first=DAY, last=DAY)
    assert figures["visitors"] == 5
    assert figures["visitors_per_day"] == [{"day": DAY, "count": 5}]
    by_category = {row["category"]: row for row in figures["by_category"]}
    assert by_category["不动产登记"]["waiting"] == {"count": 3, "mean_minutes": 11.7, "p90_minutes": 15.0}
    assert by_category["不动产登记"]["serving"] == {"count": 3, "mean_minutes": 16.7, "p90_minutes": 30.0}
    assert by_category["企业开办"]["waiting"] == {"count": 1, "mean_minutes": 20.0, "p90_minutes": 20.0}
    assert by_category["企业开办"]["serving"] == {"count": 1, "mean_minutes": 6.0, "p90_minutes": 6.0}
    by_window = {row["window"]: row for row in figures["by_window"]}
    assert by_window["W1"]["serving"]["mean_minutes"] == 16.7 and by_window["W1"]["department"] == "ZRZYJ"
    assert by_window["W2"]["waiting"]["p90_minutes"] == 20.0
    assert figures["appointments"] == {
        "booked": 2, "checked_in": 1, "no_show": 1, "cancelled": 1, "no_show_rate": 0.5, "used_rate": 0.5,
    }  # fmt: skip
    # a department's view (what supervision's scores read)
    assert front_desk_statistics(first=DAY, last=DAY, department_code="OTHER")["visitors"] == 0


def test_statistics_page_for_supervisors(settings, client):
    from hall.models import Department
    from tests.factories import staff

    settings.FRONTDESK_ADAPTER = "tests.hall.frontdesk.fake_adapter"
    with frozen(at(2026, 9, 30, 9, 0)):
        h = small_hall()
        queue.issue_ticket(category_code="estate")
        supervisor = staff("sup", "supervisor", Department.objects.create(code="ZWB", name="政务办"))
        client.force_login(supervisor)
        page = client.get("/frontdesk/statistics/?from=2026-09-30&to=2026-09-30")
        assert page.status_code == 200
        assert page.context["figures"]["visitors"] == 1 and "来访人次" in page.content.decode()
        client.force_login(h.applicant)
        assert client.get("/frontdesk/statistics/").status_code == 403
        assert client_for(h.applicant).get("/api/v1/queue/board").status_code == 200


def test_statistics_api_for_supervisors_only(settings):
    from hall.models import Department
    from tests.factories import staff

    settings.FRONTDESK_ADAPTER = "tests.hall.frontdesk.fake_adapter"
    with frozen(at(2026, 9, 30, 9, 0)):
        h = small_hall()
        queue.issue_ticket(category_code="estate")
        supervisor = staff("sup", "supervisor", Department.objects.create(code="ZWB", name="政务办"))
        response = client_for(supervisor).get("/api/v1/queue/statistics", {"from": "2026-09-30", "to": "2026-09-30"})
        assert response.status_code == 200 and response.json()["visitors"] == 1
        assert client_for(supervisor).get("/api/v1/queue/statistics", {"from": "x"}).status_code == 400
        assert client_for(h.clerk1).get("/api/v1/queue/statistics").status_code == 403
