"""即办件 at the window in a real browser (issue 17): the chief representative of window B01, authorised
by her department on the 首席代表授权 page, accepts and decides a 不动产登记资料查询 on the spot; the
case is decided the same day with both events and both documents."""

from approvals.models import Application, Event, Notice, State
from hall.models import User
from tests.approvals import helpers
from tests.e2e.conftest import shot

INSTANT = "ZRZYJ-GG-0007"


def test_the_chief_representative_decides_an_instant_item_at_the_window(open_as):
    # the department's approver authorises window B01's chief representative on the workbench page
    approver = open_as("approver")
    approver.goto(f"{open_as.url}/workbench/delegations/")
    approver.select_option("select[name=window]", "B01")
    approver.check(f"input[name=item_codes][value='{INSTANT}']")
    approver.fill("input[name=document]", "区自然资源局授〔2026〕1号")
    approver.click("button:has-text('授权')")
    approver.wait_for_load_state()
    assert "已授权窗口 B01" in approver.content()
    shot(approver, "delegations")
    applicant = User.objects.get(username="applicant")
    case = helpers.submitted_case(helpers.demo_people(), by=applicant, code=INSTANT)

    clerk = open_as("clerk")
    clerk.goto(f"{open_as.url}/workbench/cases/{case.number}/")
    assert "区自然资源局授〔2026〕1号" in clerk.content()
    clerk.click("summary:has-text('当场办结')")
    clerk.check("#decide_on_the_spot-decision_0")
    clerk.fill("#decide_on_the_spot-reason", "当场核验查询人身份证明原件，准予查询")
    clerk.check("#decide_on_the_spot-confirm")
    shot(clerk, "on-the-spot-decision")
    clerk.click("button:has-text('确认当场办结')", timeout=60_000)  # two documents are rendered after commit
    clerk.wait_for_load_state()
    case = Application.objects.get(pk=case.pk)
    assert case.state == State.DECIDED and case.accepted_at.date() == case.decided_at.date()
    actions = list(Event.objects.filter(application=case).values_list("action", flat=True))
    assert actions[-2:] == ["accept", "decide_on_the_spot"]
    assert {"acceptance", "decision"} <= set(Notice.objects.filter(application=case).values_list("kind", flat=True))
    assert "已决定" in clerk.content()
