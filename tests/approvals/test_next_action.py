"""The applicant's next action (下一步) on the portal's case page: what they have to do now, most urgent
first, with its button at the top of the page (issue 14, point 2); withdrawal is secondary."""

import pytest
from django.test import Client
from django.urls import reverse

from approvals import selectors, services
from approvals.models import Application
from tests.approvals import helpers
from tests.approvals.helpers import act, case_in, file_case
from tests.fees.helpers import assessed_case

NOTHING_OWED = {"due_fen": 0, "paid_fen": 0, "payment_code": None, "status": "none"}


def next_of(case: Application, **kwargs):
    return selectors.applicant_next_action(case, fees=kwargs.pop("fees", NOTHING_OWED), **kwargs)


def page_of(user, case: Application) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("approvals:case", args=[case.number]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_draft_asks_for_the_missing_materials_then_for_the_submission(people):
    draft = file_case(people.applicant, complete=False)
    assert next_of(draft, missing=4).kind == "upload" and "4 项必要材料" in next_of(draft, missing=4).text
    assert next_of(draft).kind == "submit" and next_of(draft).button == "提交申请"


def test_a_correction_notice_comes_first_and_resubmission_once_everything_is_replaced(people):
    case = case_in("correction_requested", people)
    owed = {"due_fen": 8000, "paid_fen": 0, "payment_code": "X", "status": "due"}
    assert next_of(case, outstanding=2, fees=owed).kind == "correct"
    assert next_of(case, outstanding=0).kind == "resubmit"


def test_fees_owed_come_before_waiting_and_before_the_delivery_choice(people):
    """The phone user of issue 14 saw 已受理，等待审查 while 80 元 was owed."""
    case, assessment = assessed_case(people)
    action = next_of(case, fees={"due_fen": 8000, "paid_fen": 0, "payment_code": assessment.payment_code})
    assert (action.kind, action.button) == ("pay", "缴费") and "80.00 元" in action.text
    assert assessment.payment_code in action.detail
    paid = next_of(case, fees={"due_fen": 8000, "paid_fen": 8000, "payment_code": assessment.payment_code})
    assert paid.kind == "choose_delivery"


@pytest.mark.parametrize(
    ("state", "chosen", "kind"),
    [
        ("submitted", "", "wait"),  # acceptance first; nothing asked of the applicant
        ("accepted", "", "choose_delivery"),
        ("accepted", "window", "wait"),
        ("decided", "", "choose_delivery"),
        ("delivered", "window", "rate"),
        ("withdrawn", "", "wait"),
    ],
)
def test_delivery_choice_rating_and_waiting_by_state(people, state, chosen, kind):
    case = case_in(state, people)
    case.delivery_choice = chosen
    assert next_of(case).kind == kind


def test_a_rated_case_asks_nothing_more(people):
    case = case_in("delivered", people)
    services.evaluate_service(case_id=case.pk, by=people.applicant, level=5, comment="", channel="pc")
    case = selectors.case_detail(people.applicant, case.number)
    assert next_of(case).kind == "wait" and next_of(case).text == "已办结"


def test_the_pay_button_is_at_the_top_and_withdrawal_is_secondary(people):
    case, _assessment = assessed_case(people)
    page = page_of(people.applicant, case)
    top = page.split('id="next-step"', 1)[1].split("</section>", 1)[0]
    assert "缴纳费用 80.00 元" in top and 'id="next-action"' in top
    assert reverse("fees:pay", args=[case.number]) in top and "撤回" not in top
    assert page.index('id="next-step"') < page.index('id="materials"') < page.index("撤回申请…")
    assert "已受理，等待审查" not in top


def test_staff_reading_the_case_see_the_state_not_the_applicants_buttons(people):
    case = act("accept", case_in("submitted", people), people)
    client = Client()
    client.force_login(people.supervisor)
    response = client.get(reverse("approvals:case", args=[case.number]), follow=True)
    assert 'id="next-action"' not in response.content.decode()
    assert helpers.reload(case).state == "accepted"
