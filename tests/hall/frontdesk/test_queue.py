"""Tickets and calling (取号叫号): numbers, the calling order, A/B backup windows, the window's acts."""

from datetime import timedelta

import pytest

from hall.errors import Conflict, NotPermitted
from hall.frontdesk import appointments, queue, selectors
from hall.frontdesk.models import Ticket
from hall.models import AuditEntry
from tests.hall.frontdesk.helpers import at, client_for, frozen, small_hall

pytestmark = pytest.mark.django_db


@pytest.fixture
def hall(settings):
    settings.FRONTDESK_ADAPTER = "tests.hall.frontdesk.fake_adapter"
    with frozen(at(2026, 9, 30, 9, 0)) as traveller:
        h = small_hall()
        h.clock = traveller
        yield h


def issue(category, **kw):
    return queue.issue_ticket(category_code=category.code, **kw)


def test_numbers_run_per_category_and_day_with_the_category_prefix(hall):
    numbers = [issue(hall.a).number, issue(hall.a).number, issue(hall.b).number, issue(hall.a).number]
    assert numbers == ["A001", "A002", "B001", "A003"]
    hall.clock.move_to(at(2026, 10, 9, 9, 0))  # the next working day after 国庆 starts again at 1
    assert issue(hall.a).number == "A001"


def test_printed_ticket_tells_people_ahead_and_the_estimated_wait(hall):
    issue(hall.a), issue(hall.a), issue(hall.b)
    queue.set_window_open(window_code="W1", is_open=True, by=hall.clerk1)
    response = client_for().post("/api/v1/queue/tickets", {"category": "estate"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["number"], body["category"], body["ahead"]) == ("A003", "不动产登记", 2)
    assert body["estimated_wait_minutes"] == 24  # 2 ahead × the category's 12 minutes, one open window


def test_unknown_category_and_bad_phone_are_400_with_fields(hall):
    response = client_for().post("/api/v1/queue/tickets", {"category": "nope"}, format="json")
    assert response.status_code == 400 and "category" in response.json()["fields"]
    response = client_for().post("/api/v1/queue/tickets", {"category": "estate", "phone": "123"}, format="json")
    assert response.status_code == 400 and "phone" in response.json()["fields"]


def test_calling_order_is_appointment_in_slot_then_green_lane_then_arrival(hall):
    appointments.make_slots(first=at(2026, 9, 30).date(), days=1)
    from hall.frontdesk.models import AppointmentSlot

    nine, ten = AppointmentSlot.objects.filter(category=hall.a).order_by("start")[:2]
    early = appointments.book(slot_id=ten.pk, by=hall.applicant2)  # slot 10:00, arrives 09:00
    booked = appointments.book(slot_id=nine.pk, by=hall.applicant)
    first = issue(hall.a)
    elder = issue(hall.a, green_lane=True)
    ahead_of_slot = issue(hall.a, appointment_code=early.code)
    holder = issue(hall.a, id_number="11010519491231002X")
    assert holder.appointment_id == booked.pk and ahead_of_slot.appointment_id == early.pk

    called = [queue.call_next(window_code="W1", by=hall.clerk1).number for _ in range(3)]
    # the 09:00 slot holder first, then the green lane, then arrival (the 10:00 holder counts as arrival
    # before 10:00 and was issued after ``first``)
    assert called == [holder.number, elder.number, first.number]
    assert queue.call_next(window_code="W1", by=hall.clerk1).number == ahead_of_slot.number
    assert queue.call_next(window_code="W1", by=hall.clerk1) is None


def test_appointment_holder_waiting_for_a_later_slot_jumps_ahead_once_it_begins(hall):
    appointments.make_slots(first=at(2026, 9, 30).date(), days=1)
    from hall.frontdesk.models import AppointmentSlot

    ten = AppointmentSlot.objects.get(category=hall.a, start="10:00")
    booking = appointments.book(slot_id=ten.pk, by=hall.applicant)
    walk_in = issue(hall.a)
    holder = issue(hall.a, phone="13800000001")
    assert holder.appointment_id == booking.pk
    hall.clock.move_to(at(2026, 9, 30, 10, 5))
    assert queue.call_next(window_code="W1", by=hall.clerk1).number == holder.number
    assert queue.call_next(window_code="W1", by=hall.clerk1).number == walk_in.number


def test_a_window_calls_only_its_categories_and_backs_up_a_closed_primary(hall):
    estate = issue(hall.a)
    company = issue(hall.b)
    queue.set_window_open(window_code="W1", is_open=True, by=hall.clerk1)
    # W1 (primary for A) is open: W2 calls only its own category B
    assert queue.call_next(window_code="W2", by=hall.clerk2).number == company.number
    assert queue.call_next(window_code="W2", by=hall.clerk2) is None
    queue.set_window_open(window_code="W1", is_open=False, by=hall.clerk1)
    # the primary closed: the backup window takes category A
    assert queue.call_next(window_code="W2", by=hall.clerk2).number == estate.number


def test_window_never_calls_another_category(hall):
    issue(hall.b)
    assert queue.call_next(window_code="W1", by=hall.clerk1) is None


def test_call_next_finishes_the_current_ticket_and_records_times(hall):
    first, second = issue(hall.a), issue(hall.a)
    hall.clock.move_to(at(2026, 9, 30, 9, 10))
    queue.call_next(window_code="W1", by=hall.clerk1)
    hall.clock.move_to(at(2026, 9, 30, 9, 25))
    queue.call_next(window_code="W1", by=hall.clerk1)
    first.refresh_from_db()
    assert first.state == Ticket.State.FINISHED
    assert first.wait_seconds == 600 and first.serving_seconds == 900
    second.refresh_from_db()
    assert second.state == Ticket.State.CALLED and second.window == hall.w1


def test_recall_skip_transfer_and_finish(hall):
    t1, t2 = issue(hall.a), issue(hall.a)
    queue.call_next(window_code="W1", by=hall.clerk1)
    hall.clock.shift(timedelta(minutes=1))
    assert queue.recall(window_code="W1", by=hall.clerk1).call_count == 2
    assert queue.skip(window_code="W1", by=hall.clerk1).state == Ticket.State.SKIPPED
    assert queue.call_next(window_code="W1", by=hall.clerk1).number == t2.number
    moved = queue.transfer(window_code="W1", to_window_code="W2", by=hall.clerk1)
    assert (moved.state, moved.target_window) == (Ticket.State.WAITING, hall.w2)
    # W1 no longer sees it; W2 (even though W1 is open and W2 only backs A up) calls it first
    issue(hall.b)
    assert queue.call_next(window_code="W1", by=hall.clerk1) is None
    assert queue.call_next(window_code="W2", by=hall.clerk2).number == t2.number
    hall.clock.shift(timedelta(minutes=5))
    done = queue.finish(number=t2.number, by=hall.clerk2)
    assert done.state == Ticket.State.FINISHED and done.serving_seconds == 300
    with pytest.raises(Conflict):
        queue.recall(window_code="W2", by=hall.clerk2)
    actions = list(AuditEntry.objects.filter(action__startswith="queue.").values_list("action", flat=True))
    assert {"queue.call", "queue.recall", "queue.skip", "queue.transfer", "queue.finish"} <= set(actions)
    assert t1.number == "A001"


def test_only_the_windows_staff_call_there(hall):
    issue(hall.a)
    with pytest.raises(NotPermitted):
        queue.call_next(window_code="W1", by=hall.clerk2)
    response = client_for(hall.clerk2).post("/api/v1/queue/windows/W1/call")
    assert response.status_code == 403
    assert set(response.json()) == {"error", "detail", "fields"}
    assert client_for().post("/api/v1/queue/windows/W1/call").status_code == 401


def test_call_api_answers_the_ticket_or_204_and_finish_api(hall):
    issue(hall.a)
    clerk = client_for(hall.clerk1)
    response = clerk.post("/api/v1/queue/windows/W1/call")
    assert response.status_code == 200
    assert response.json()["ticket"]["number"] == "A001" and response.json()["ticket"]["category"] == "不动产登记"
    assert clerk.post("/api/v1/queue/tickets/A001/finish").status_code == 200
    assert clerk.post("/api/v1/queue/tickets/A001/finish").status_code == 409
    assert client_for(hall.clerk2).post("/api/v1/queue/tickets/A001/finish").status_code == 404
    assert clerk.post("/api/v1/queue/windows/W1/call").status_code == 204
    assert clerk.post("/api/v1/queue/windows/W1/dance").status_code == 404
    response = clerk.post("/api/v1/queue/windows/W1/transfer", {"to_window": "W1"}, format="json")
    assert response.status_code == 400


def test_ticket_links_the_case_of_the_visit(hall):
    issue(hall.a)
    queue.call_next(window_code="W1", by=hall.clerk1)
    clerk = client_for(hall.clerk1)
    response = clerk.post("/api/v1/queue/tickets/A001/cases", {"case_number": "ZRZYJ-2026-000001"}, format="json")
    assert response.status_code == 201
    assert clerk.post("/api/v1/queue/tickets/A001/cases", {"case_number": "NOPE"}, format="json").status_code == 404
    assert Ticket.objects.get(number="A001").cases.get().case_number == "ZRZYJ-2026-000001"


def test_board_lists_current_calls_and_waiting_counts(hall, django_assert_max_num_queries):
    issue(hall.a), issue(hall.a), issue(hall.b)
    queue.call_next(window_code="W1", by=hall.clerk1)
    queue.call_next(window_code="W2", by=hall.clerk2)
    with django_assert_max_num_queries(3):
        response = client_for().get("/api/v1/queue/board")
    body = response.json()
    assert [(c["window"], c["ticket"]) for c in body["calls"]] == [("W1", "A001"), ("W2", "B001")]
    assert {w["category"]: w["count"] for w in body["waiting"]} == {"不动产登记": 1, "企业开办": 0}
    assert selectors.board()["calls"][0]["at"]


def test_me_lists_the_windows_a_clerk_serves(hall):
    assert client_for(hall.clerk1).get("/api/v1/me").json()["windows"] == [{"code": "W1", "name": "不动产窗口"}]
