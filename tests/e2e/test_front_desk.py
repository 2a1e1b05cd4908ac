"""The front desk in real browsers: a visitor takes a ticket at the kiosk, the clerk calls it at window B01,
the hall's display board shows the call (it polls the board's JSON). Screenshots for docs/front-desk.md."""

from hall import calendar
from hall.frontdesk.models import Ticket, TicketSequence
from tests.approvals import helpers
from tests.e2e.a11y import assert_accessible
from tests.e2e.conftest import shot


def test_kiosk_ticket_is_called_and_shown_on_the_board(browser, open_as):
    Ticket.objects.all().delete()  # the demo's tickets of the day: start the day's queue empty
    TicketSequence.objects.all().delete()

    # 1. The hall's TV shows the board (anonymous, full screen).
    tv = browser.new_context(viewport={"width": 1600, "height": 900}, locale="zh-CN").new_page()
    tv.goto(f"{open_as.url}/frontdesk/board/")
    assert "欢迎光临" in tv.inner_text("#board-announce")

    # 2. A visitor takes a ticket for 不动产登记 at the kiosk (touch screen, no login).
    kiosk = browser.new_context(viewport={"width": 1280, "height": 1024}, locale="zh-CN").new_page()
    kiosk.goto(f"{open_as.url}/frontdesk/kiosk/")
    shot(kiosk, "front-desk-kiosk")
    kiosk.click("#cat-estate")
    kiosk.wait_for_load_state()
    number = kiosk.inner_text("#ticket-number").strip()
    assert number == "A001" and "前面等候" in kiosk.content()
    shot(kiosk, "front-desk-ticket")

    # 3. The clerk of window B01 calls the next visitor.
    clerk = open_as("clerk")
    clerk.goto(f"{open_as.url}/frontdesk/windows/")
    clerk.wait_for_load_state()
    assert "/frontdesk/windows/B01/" in clerk.url
    clerk.click("#call-next")
    clerk.wait_for_load_state()
    assert clerk.inner_text("#current-number").strip() == number
    shot(clerk, "front-desk-window")

    # 4. The board picks the call up by itself (no reload) and announces it.
    tv.wait_for_function(
        "n => document.getElementById('board-calls').innerText.includes(n)", arg=number, timeout=15_000
    )
    assert f"请 {number} 号 到 B01 窗口办理" in tv.inner_text("#board-announce")
    assert tv.inner_text("#board-status") == "实时更新中"
    shot(tv, "front-desk-board")

    # 5. The clerk finishes the visit: serving time recorded.
    clerk.click("#finish")
    clerk.wait_for_load_state()
    ticket = Ticket.objects.get(number=number)
    assert ticket.state == Ticket.State.FINISHED and ticket.serving_seconds is not None


def test_appointment_agency_and_statistics_pages_pass_axe(open_as):
    """The applicant books a slot online; an enterprise asks for an agent and the hall office assigns one;
    the contact card and the statistics page — each page checked with axe."""
    from hall.frontdesk.models import Appointment, InvestmentProject
    from hall.frontdesk.queue import today

    applicant = open_as("applicant")
    applicant.goto(f"{open_as.url}/frontdesk/appointments/")
    applicant.select_option("[name=category]", "company")
    day = calendar.add_working_days(today(), 1)  # a working day with company slots (the demo makes 14 days)
    applicant.fill("[name=date]", day.isoformat())
    with applicant.expect_navigation():
        applicant.click("main form button:has-text('查询')")
    applicant.click("main table button:has-text('预约') >> nth=0")
    applicant.wait_for_load_state()
    booking = Appointment.objects.get(user__username="applicant")
    assert f"签到码 {booking.code}" in applicant.content()
    shot(applicant, "front-desk-appointments")

    applicant.goto(f"{open_as.url}/frontdesk/agency/")
    applicant.fill("[name=name]", "年产 10 万件精密零件项目")
    applicant.fill("[name=enterprise_name]", "示例精密制造有限公司")
    applicant.fill("[name=enterprise_uscc]", "91330106MA28A1B2CE")
    applicant.fill("[name=contact_name]", "张伟")
    applicant.fill("[name=contact_phone]", "13800000001")
    with applicant.expect_navigation():
        applicant.click("main form button:has-text('提交申请')")
    project = InvestmentProject.objects.get()

    office = open_as("supervisor")  # a member of the hall office (ZWB)
    office.goto(f"{open_as.url}/frontdesk/agency/")
    office.select_option(f"#agent-{project.pk}", label="王强")
    shot(office, "front-desk-agency")
    with office.expect_navigation():
        office.click("main table button:has-text('指派')")
    project.refresh_from_db()
    assert project.agent.username == "agent"
    office.goto(f"{open_as.url}/frontdesk/statistics/")
    assert_accessible(office)

    # the agent files a case for the enterprise (approvals portal): it shows on the card with its deadline
    people = helpers.demo_people()
    company = {**helpers.COMPANY, "name": "示例精密制造有限公司", "id_number": "91330106MA28A1B2CE"}
    case = helpers.submitted_case(people, by=people.agent, applicant=company)
    applicant.goto(f"{open_as.url}/frontdesk/agency/{project.pk}/")
    assert "王强" in applicant.inner_text("#card-agent") and case.number in applicant.content()
    shot(applicant, "front-desk-contact-card")


STUCK_SPEECH = """
Object.defineProperty(window, "speechSynthesis", {configurable: true,
  value: {speak: function (u) { window.__spoken = (window.__spoken || []).concat([u.text]); },
          cancel: function () {}}});
"""


def test_board_survives_a_hung_poll_and_a_speech_engine_that_never_ends(browser, open_as):
    """Hours unattended: a poll the network never answers must not stop the polling, and an utterance
    whose end is never reported must not silence every later call."""
    board = {"hang": True, "calls": []}
    hung = []

    def answer(route):
        if board["hang"]:
            hung.append(route)  # never answered, like a stalled connection
            return
        route.fulfill(json={"calls": board["calls"], "waiting": [], "now": "2026-09-30T09:00:00+08:00"})

    tv = browser.new_context(viewport={"width": 1600, "height": 900}, locale="zh-CN").new_page()
    tv.add_init_script(STUCK_SPEECH)
    tv.route("**/api/v1/queue/board", answer)
    tv.goto(f"{open_as.url}/frontdesk/board/")
    tv.wait_for_function("() => document.getElementById('board-status').innerText.includes('连接中断')", timeout=25_000)

    board["hang"] = False
    tv.wait_for_function("() => document.getElementById('board-status').innerText === '实时更新中'", timeout=40_000)
    tv.click("#board-sound")

    def call(number, at):
        return {"window": "B01", "window_name": "不动产", "ticket": number, "category": "不动产登记",
                "at": f"2026-09-30T09:{at}:00+08:00", "count": 1}  # fmt: skip

    board["calls"] = [call("A001", "01")]
    tv.wait_for_function("() => (window.__spoken || []).length === 1", timeout=15_000)
    board["calls"] = [call("A002", "02"), call("A001", "01")]
    tv.wait_for_function("() => (window.__spoken || []).length === 2", timeout=30_000)
    assert "A002" in tv.inner_text("#board-announce")
    for route in hung:
        route.abort()
