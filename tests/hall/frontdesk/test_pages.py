"""The front-desk pages: kiosk → ticket, window panel acts, board, appointments, agency and contact card."""

import pytest

from hall.frontdesk import appointments, queue
from hall.frontdesk.models import AppointmentSlot, InvestmentProject, Ticket
from hall.models import AuditEntry, Department, Notification
from tests.factories import UserFactory, staff
from tests.hall.frontdesk.helpers import at, frozen, small_hall

pytestmark = pytest.mark.django_db


@pytest.fixture
def hall(settings):
    settings.FRONTDESK_ADAPTER = "tests.hall.frontdesk.fake_adapter"
    with frozen(at(2026, 9, 30, 9, 0)) as traveller:
        h = small_hall()
        h.clock = traveller
        yield h


def test_kiosk_issues_a_printable_ticket(hall, client):
    page = client.get("/frontdesk/kiosk/")
    assert page.status_code == 200 and "不动产登记" in page.content.decode()
    response = client.post("/frontdesk/kiosk/", {"category": "estate", "green_lane": "on"})
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/frontdesk/kiosk/ticket/{ticket.token}/"
    printed = client.get(response["Location"]).content.decode()
    assert "A001" in printed and "不动产登记" in printed and "前面等候" in printed and "绿色通道" in printed
    assert client.get("/frontdesk/kiosk/ticket/nope/").status_code == 404


def test_kiosk_shows_errors_next_to_the_field(hall, client):
    page = client.post("/frontdesk/kiosk/", {"category": "estate", "phone": "12"})
    assert page.status_code == 200 and "请输入 11 位手机号码" in page.content.decode()
    assert not Ticket.objects.exists()


def test_window_panel_calls_transfers_links_and_finishes(hall, client):
    queue.issue_ticket(category_code="estate", id_number="11010519491231002X")
    client.force_login(hall.clerk1)
    assert client.get("/frontdesk/windows/").status_code == 302  # one window: straight to it
    assert client.post("/frontdesk/windows/W1/call/").status_code == 302
    page = client.get("/frontdesk/windows/W1/").content.decode()
    assert "A001" in page and "ZRZYJ-2026-000001" in page  # the visitor's open case, found by the ID
    client.post("/frontdesk/windows/W1/link/", {"number": "A001", "case_number": "ZRZYJ-2026-000001"})
    client.post("/frontdesk/windows/W1/finish/", {"number": "A001"})
    ticket = Ticket.objects.get()
    assert ticket.state == Ticket.State.FINISHED and ticket.cases.count() == 1
    client.post("/frontdesk/windows/W1/call/")
    messages = [m.message for m in client.get("/frontdesk/windows/W1/").context["messages"]]
    assert "目前没有人等候。" in messages


def test_window_panel_is_404_for_someone_elses_window(hall, client):
    client.force_login(hall.clerk2)
    assert client.get("/frontdesk/windows/W1/").status_code == 404
    assert client.post("/frontdesk/windows/W1/call/").status_code == 404


def test_board_page_renders_the_calls(hall, client):
    queue.issue_ticket(category_code="estate")
    queue.call_next(window_code="W1", by=hall.clerk1)
    page = client.get("/frontdesk/board/").content.decode()
    assert "请 A001 号 到 W1 窗口办理" in page and "/api/v1/queue/board" in page


def test_appointments_page_books_and_cancels(hall, client):
    appointments.make_slots(first=at(2026, 9, 30).date(), days=1)
    ten = AppointmentSlot.objects.get(category=hall.a, start="10:00")
    client.force_login(hall.applicant)
    page = client.get("/frontdesk/appointments/", {"category": "estate", "date": "2026-09-30"}).content.decode()
    assert "10:00–11:00" in page
    client.post("/frontdesk/appointments/book/", {"slot_id": ten.pk})
    booking = hall.applicant.appointments.get()
    assert booking.slot == ten
    client.post("/frontdesk/appointments/cancel/", {"appointment_id": booking.pk})
    booking.refresh_from_db()
    assert booking.state == "cancelled"


def test_agency_request_assignment_and_contact_card(hall, client):
    office = staff("office", "supervisor", Department.objects.create(code="ZWB", name="区政务服务管理办公室"))
    agent = UserFactory(username="agent1", roles=["agent"], phone="13800000003")
    client.force_login(hall.applicant)
    response = client.post(
        "/frontdesk/agency/",
        {"name": "年产 10 万件精密零件项目", "enterprise_name": "示例制造有限公司",
         "enterprise_uscc": "91330106MA2KXXXX", "contact_name": "张伟", "contact_phone": "13800000001"},
    )  # fmt: skip
    assert response.status_code == 200 and "统一社会信用代码无效" in response.content.decode()
    client.post(
        "/frontdesk/agency/",
        {"name": "年产 10 万件精密零件项目", "enterprise_name": "示例制造有限公司",
         "enterprise_uscc": "91330106MA28A1B2CE", "contact_name": "张伟", "contact_phone": "13800000001"},
    )  # fmt: skip
    project = InvestmentProject.objects.first()
    assert project is not None and project.enterprise_uscc == "91330106MA28A1B2CE"
    client.force_login(office)
    client.post(f"/frontdesk/agency/{project.pk}/assign/", {"agent": agent.pk})
    project.refresh_from_db()
    assert project.agent == agent and project.state == "assigned"
    assert Notification.objects.filter(user=agent, kind="agency").exists()
    assert AuditEntry.objects.filter(action="agency.assign").exists()
    client.force_login(hall.applicant)
    card = client.get(f"/frontdesk/agency/{project.pk}/").content.decode()
    assert "企业联系卡" in card and str(agent) in card and "ZRZYJ-2026-000001" in card
    client.force_login(hall.applicant2)
    assert client.get(f"/frontdesk/agency/{project.pk}/").status_code == 404


def test_list_pages_run_a_constant_number_of_queries(hall, client, django_assert_max_num_queries):
    appointments.make_slots(first=at(2026, 9, 30).date(), days=1)
    for slot in AppointmentSlot.objects.filter(category=hall.a):
        appointments.book(slot_id=slot.pk, by=hall.applicant)
    for n in range(3):
        InvestmentProject.objects.create(
            name=f"项目{n}", enterprise_name="示例", enterprise_uscc="91330106MA28A1B2CE", contact_name="张",
            contact_phone="13800000001", requested_by=hall.applicant, agent=hall.applicant2,
        )  # fmt: skip
    client.force_login(hall.applicant)
    with django_assert_max_num_queries(12):
        assert client.get("/frontdesk/appointments/", {"category": "estate", "date": "2026-09-30"}).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/frontdesk/agency/").status_code == 200
    for _ in range(5):
        queue.issue_ticket(category_code="estate")
    with django_assert_max_num_queries(12):
        assert client.get("/frontdesk/kiosk/").status_code == 200


def test_kiosk_page_is_throttled(hall, client, monkeypatch):
    from hall.frontdesk.api import KioskThrottle

    monkeypatch.setattr(KioskThrottle, "THROTTLE_RATES", {**KioskThrottle.THROTTLE_RATES, "kiosk": "2/min"})
    codes = [client.post("/frontdesk/kiosk/", {"category": "estate"}).status_code for _ in range(3)]
    assert codes == [302, 302, 429]


def test_garbage_in_the_page_parameters_is_never_a_500(hall, client):
    """A unicode digit in ``?move=`` and a first day of year 1 used to raise (ValueError, OverflowError)."""
    client.raise_request_exception = False
    client.force_login(hall.applicant)
    assert client.get("/frontdesk/appointments/", {"move": "²"}).status_code == 200
    assert client.get("/frontdesk/appointments/", {"move": "9" * 30}).status_code == 200
    client.force_login(UserFactory(username="sup", roles=["supervisor"]))
    for query in ({"to": "0001-01-01"}, {"from": "0001-01-01", "to": "0001-01-03"}, {"to": "9999-12-31"}):
        assert client.get("/frontdesk/statistics/", query).status_code == 200, query


def test_the_admin_shows_a_tickets_phone_and_id_number_masked(hall, client):
    ticket = queue.issue_ticket(category_code="estate", phone="13800000001", id_number="11010519491231002X")
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    page = client.get(f"/admin/hall/ticket/{ticket.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "13800000001" not in text and "11010519491231002X" not in text
    assert "138****0001" in text and "110105********002X" in text


def test_the_lists_do_not_grow_with_their_rows(hall, client):
    """Issue 22: the slots of a day (API and page), my bookings, the agency projects and the board, a few
    rows then at least three times more, not more statements."""
    from datetime import date, time

    from tests.hall.frontdesk.helpers import client_for
    from tests.querycount import assert_flat

    day, hours = date(2026, 10, 9), iter(range(8, 20))  # a Friday after 国庆

    def slots(n: int) -> list[AppointmentSlot]:
        return [AppointmentSlot.objects.create(category=hall.a, date=day, start=time(h), end=time(h, 30), capacity=2)
                for h in [next(hours) for _ in range(n)]]  # fmt: skip

    def booked(n: int) -> None:
        for slot in slots(n):
            appointments.book(slot_id=slot.pk, by=hall.applicant)

    booked(1)
    api = client_for(hall.applicant)
    listing = {"category": "estate", "date": day.isoformat()}
    assert_flat(lambda: api.get("/api/v1/appointments/slots", listing).json()["slots"], lambda: booked(3), len)
    client.force_login(hall.applicant)
    page = "/frontdesk/appointments/"
    assert_flat(
        lambda: client.get(page, listing).context,
        lambda: booked(8),
        lambda context: min(len(context["listing"]["slots"]), len(context["mine"])),  # slots of the day and mine
    )

    def projects(n: int) -> None:
        for i in range(n):
            InvestmentProject.objects.create(
                name=f"项目{i}", enterprise_name="示例", enterprise_uscc="91330106MA28A1B2CE", contact_name="张",
                contact_phone="13800000001", requested_by=hall.applicant, agent=hall.applicant2,
            )  # fmt: skip

    projects(1)
    assert_flat(lambda: list(client.get("/frontdesk/agency/").context["projects"]), lambda: projects(3), len)

    def tickets(n: int) -> None:
        for _ in range(n):
            queue.issue_ticket(category_code="estate")
            queue.issue_ticket(category_code="company")

    def waiting(board) -> int:
        return sum(row["count"] for row in board["waiting"])

    tickets(1)
    assert_flat(lambda: client_for().get("/api/v1/queue/board").json(), lambda: tickets(3), waiting)
    assert_flat(lambda: client.get("/frontdesk/board/").context["board"], lambda: tickets(8), waiting)
