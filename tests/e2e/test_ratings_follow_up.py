"""好差评 in real browsers (issue 21): the applicant rates a delivered case badly; the department verifies
by phone and rectifies; the applicant sees the rectification on the case page. Also the pad at the window
(一次一评) and the supervisors' complaints page, each checked for accessibility before its screenshot."""

from approvals.models import FollowUp, State
from supervision import complaints
from tests.approvals import helpers
from tests.e2e.conftest import shot


def test_a_bad_rating_is_followed_up_and_the_applicant_sees_the_rectification(open_as):
    people = helpers.demo_people()
    case = helpers.case_in(State.DELIVERED, people)

    # 1. The applicant rates the result 不满意, says why and ticks the indicator it is about.
    applicant = open_as("applicant", width=414, height=896)
    applicant.goto(f"{open_as.url}/cases/{case.number}/")
    stage = applicant.locator("#rating-deliver")
    stage.locator("input[name=level][value='2']").check()
    stage.locator("input[name=tags][value='guide']").check()
    stage.locator("textarea[name=comment]").fill("办事指南没写需要规划图原件，多跑了一趟")
    shot(applicant, "rating-bad")
    stage.locator("button:has-text('提交评价')").click()
    applicant.wait_for_load_state()
    follow_up = FollowUp.objects.get(evaluation__application=case)
    assert follow_up.state == "open"
    assert "承办部门将于" in applicant.inner_text("#follow-up-deliver")

    # 2. The clerk sees it among the department's follow-ups, calls the applicant and records it.
    clerk = open_as("clerk")
    clerk.goto(f"{open_as.url}/workbench/follow-ups/")
    assert case.number in clerk.inner_text("#follow-ups")
    shot(clerk, "follow-ups")
    clerk.click(f"#follow-ups a[href='/workbench/follow-ups/{follow_up.pk}/']")
    clerk.wait_for_load_state()
    clerk.select_option("#contact-method", "phone")
    clerk.fill("#verify-note", "电话联系申请人，指南确实漏列规划图原件，情况属实")
    clerk.click("#verify-form button[type=submit]")
    clerk.wait_for_load_state()
    assert FollowUp.objects.get(pk=follow_up.pk).state == "verified"

    # 3. … then rectifies and records the result, which the applicant is told.
    clerk.fill("#rectify-result", "已修订办事指南，补列规划图原件；向申请人致歉并当日办结补正")
    shot(clerk, "follow-up")
    clerk.click("#rectify-form button[type=submit]")
    clerk.wait_for_load_state()
    assert FollowUp.objects.get(pk=follow_up.pk).state == "rectified"

    # 4. The applicant sees the rectification on the case page.
    applicant.goto(f"{open_as.url}/cases/{case.number}/")
    result = applicant.inner_text("#follow-up-deliver")
    assert "已整改" in result and "已修订办事指南" in result
    applicant.locator("#follow-up-deliver").scroll_into_view_if_needed()
    shot(applicant, "rating-rectified")


def test_the_window_pad_and_the_complaints_page(open_as):
    people = helpers.demo_people()
    pad = open_as("clerk", width=1024, height=768)
    pad.goto(f"{open_as.url}/pad/B01/")
    pad.check("input[name=level][value='5']")
    pad.check("input[name=tags][value='attitude']")
    shot(pad, "rating-pad")
    pad.click("button.pad-submit")
    pad.wait_for_load_state()
    assert "感谢您的评价" in pad.content()

    complaints.file_complaint(text="二楼窗口午休时段无人值守", department_code="ZRZYJ", contact_phone="13900000009")
    supervisor = open_as("supervisor")
    supervisor.goto(f"{open_as.url}/supervision/complaints/")
    assert "午休时段" in supervisor.content()
    shot(supervisor, "complaints")
    assert people.supervisor is not None
