"""The supervisor's dashboard in a real browser (电子监察 · 实时监察): cases filed in the past through
the services, one deadline scan now, and the page shows the figures, the departments and the cards.

The cases are placed relative to today (the page counts overdue cases at the real current instant),
in working days of the hall's calendar."""

from datetime import datetime, timedelta

from playwright.sync_api import expect

from approvals.models import Application
from hall import calendar
from hall import services as hall_services
from supervision.models import Warning
from supervision.scan import scan_deadlines
from tests.approvals import helpers
from tests.e2e.conftest import shot


def working_days_ago(n: int):
    """The working day ``n`` working days before the latest working day up to today."""
    day = calendar.local_date(datetime.now(calendar.SHANGHAI))
    while not calendar.is_working_day(day):
        day -= timedelta(days=1)
    while n:
        day -= timedelta(days=1)
        n -= calendar.is_working_day(day)
    return day


def on(day, hour: int = 10):
    return helpers.frozen(datetime(day.year, day.month, day.day, hour, tzinfo=calendar.SHANGHAI))


def test_the_supervisor_sees_the_figures_and_the_cards(open_as):
    people = helpers.demo_people()
    long_ago = working_days_ago(15)  # every 5-working-day period from then has run out
    with on(long_ago):
        unanswered = helpers.submitted_case(people, complete=False)  # 受理超期 + 补正告知超期 (art. 32)
        elsewhere = helpers.submitted_case(people, code="SCJGJ-XK-0001")  # 受理超期, market regulation
        late_decision = helpers.case_in("under_review", people)  # 办结超期 (art. 42)
        undelivered = helpers.case_in("decided", people)  # 送达超期 (art. 44): approved, never delivered
    # A 20-working-day period whose last fifth (4 working days) has begun: 办结预警 (yellow).
    started = working_days_ago(18)
    with on(started, 9):
        helpers.publish_revision(committed_days=20)
    with on(started):
        running = helpers.case_in("accepted", people)
    with on(working_days_ago(1)):
        helpers.case_in("submitted", people)  # received yesterday: nothing late yet

    counts = scan_deadlines()
    hall_services.record_heartbeat("scan_deadlines")
    # the late decision's yellow window, long passed, is recorded too (resolved at its due instant)
    assert counts["raised"] == {"accept_red": 2, "correction_notice_red": 1, "decision_yellow": 2,
                                "decision_red": 1, "delivery_red": 1, "joint_task_red": 0,
                                "verification_red": 0}  # fmt: skip
    assert Warning.objects.get(level="yellow", resolved_at__isnull=True).application_id == running.pk

    supervisor = open_as("supervisor")
    console = []
    supervisor.on("console", lambda message: console.append(message.text))
    supervisor.click("nav >> text=电子监察")
    supervisor.wait_for_load_state()
    assert supervisor.url.endswith("/supervision/")
    assert supervisor.inner_text("#fig-open-cases") == str(Application.objects.count()) == "6"
    assert supervisor.inner_text("#fig-overdue") == "4"
    assert supervisor.inner_text("#fig-yellow") == "1"
    assert supervisor.inner_text("#fig-red") == "5"
    departments = supervisor.inner_text("#departments")
    assert unanswered.department.name in departments and elsewhere.department.name in departments
    assert supervisor.locator("#departments tr.has-red").count() == 2
    assert supervisor.locator("#scheduler-alarm").count() == 0
    # the charts are drawn from the vendored ECharts (no CDN), with their tables as text
    for chart in ("#chart-states", "#chart-heatmap", "#chart-flow"):
        assert supervisor.locator(f"{chart} canvas").count() == 1, chart
    assert not [m for m in console if "Content Security Policy" in m or "Refused" in m], console
    shot(supervisor, "supervision-dashboard")

    # The body refreshes without a reload: a new case and a scan show up in place.
    supervisor.evaluate("window.notReloaded = true")
    with on(working_days_ago(0)):
        helpers.submitted_case(people)
    supervisor.dispatch_event("#dash", "dash:refresh")
    expect(supervisor.locator("#fig-open-cases")).to_have_text("7", timeout=10_000)
    assert supervisor.evaluate("window.notReloaded") is True
    assert supervisor.locator("#chart-states canvas").count() == 1

    # Every number opens its list: the red cards.
    supervisor.click("#fig-red a")
    supervisor.wait_for_load_state()
    assert "/supervision/warnings/" in supervisor.url
    assert supervisor.locator("#warning-list tbody tr").count() == 5
    for case in (unanswered, elsewhere, late_decision, undelivered):
        assert case.number in supervisor.inner_text("#warning-list")
    shot(supervisor, "supervision-warnings")

    # Filter: the yellow cards only, also those already resolved.
    supervisor.select_option("#f-level", "yellow")
    supervisor.select_option("#f-open", "all")
    supervisor.click("form.sv-filters button[type=submit]")
    supervisor.wait_for_load_state()
    assert supervisor.locator("#warning-list tbody tr").count() == 2
    assert running.number in supervisor.inner_text("#warning-list")

    # The overdue figure opens the overdue cases.
    supervisor.goto(f"{open_as.url}/supervision/")
    supervisor.click("#fig-overdue a")
    supervisor.wait_for_load_state()
    assert supervisor.locator("#case-list tbody tr").count() == 4


def test_the_supervisor_follows_a_red_card_to_the_case_and_orders_the_department_to_answer(open_as):
    """Issue 13, point 5, in browsers: the supervisor opens the dashboard, follows a red card to the
    read-only case page, issues a 督办 from it; the clerk sees 督办 in the navigation and answers; the
    supervisor closes it."""
    people = helpers.demo_people()
    with on(working_days_ago(10)):
        late = helpers.submitted_case(people)  # 受理超期 (art. 32)
    scan_deadlines()
    hall_services.record_heartbeat("scan_deadlines")

    supervisor = open_as("supervisor")
    supervisor.goto(f"{open_as.url}/supervision/")
    supervisor.click("#fig-red a")  # the red card's number opens the list of red cards
    supervisor.wait_for_load_state()
    supervisor.click(f"#warning-list a:has-text('{late.number}')")
    supervisor.wait_for_load_state()
    assert supervisor.locator("#read-only").is_visible()
    supervisor.click("text=督办此件")
    supervisor.wait_for_load_state()
    assert supervisor.input_value("#order-case_number") == late.number
    supervisor.fill("#order-text", "该件已超过受理期限，请立即受理并书面说明原因。")
    supervisor.fill("#order-due_days", "2")
    supervisor.click("button:has-text('发出督办')")
    supervisor.wait_for_load_state()
    assert "已发出督办" in supervisor.content()
    shot(supervisor, "supervision-orders")

    clerk = open_as("clerk")
    clerk.goto(f"{open_as.url}/workbench/")
    clerk.click("#nav-orders")
    clerk.wait_for_load_state()
    clerk.fill("textarea[name=text]", "已于当日受理，窗口已建立每日清查制度。")
    shot(clerk, "department-orders")
    clerk.click("button:has-text('提交答复')")
    clerk.wait_for_load_state()
    assert "已答复督办" in clerk.content()

    supervisor.goto(f"{open_as.url}/supervision/orders/")
    assert "已于当日受理" in supervisor.inner_text("#orders")
    supervisor.click("#orders button:has-text('办结')")
    supervisor.wait_for_load_state()
    assert "督办已办结" in supervisor.content()
    assert "已办结" in supervisor.inner_text("#orders")
