"""Acts that start a legal clock or cannot be undone are confirmed with what they will do (WCAG 3.3.4,
issue 14 point 4): the workflow table's ``confirm`` field decides, and the confirmation works without
JavaScript (a disclosure on the workbench, a page on the portal)."""

import pytest
from django.test import Client
from django.urls import reverse

from approvals import workflow
from hall import calendar
from tests.approvals import helpers
from tests.approvals.helpers import at, case_in, frozen


@pytest.fixture
def people(demo, db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with frozen(at(2026, 9, 14)):  # a Monday; no holiday in the next four weeks before 国庆
        yield helpers.demo_people()


def page_of(user, url: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_table_asks_first_for_acceptance_and_for_every_act_that_closes_or_refuses():
    asks = {step.name for step in workflow.STEPS if step.confirm}
    assert {"accept", "withdraw", "reject_intake", "deny", "terminate"} <= asks
    assert all(step.confirm for step in workflow.STEPS if step.danger)
    assert not workflow.BY_NAME["accept"].danger  # confirmed, but not a red button


def test_acceptance_opens_a_confirmation_that_names_the_clock_it_starts(people):
    """受理 starts the decision period (行政许可法 art. 42): the page says until when, before the act."""
    case = case_in("submitted", people)
    page = page_of(people.clerk, reverse("approvals:work_case", args=[case.number]))
    block = page.split('id="act-accept"', 1)[1].split("</details>", 1)[0]
    assert page.split('id="act-accept"', 1)[0].rstrip().endswith('<details class="action"')
    days = case.item_version.committed_days
    assert f"承诺 {days} 个工作日" in block and "受理通知书" in block and "确认受理</button>" in block
    due = calendar.deadline_date(at(2026, 9, 14).date(), days)
    assert f"{due.year}年{due.month}月{due.day}日" in block
    assert helpers.reload(case).state == "submitted"  # showing the confirmation changes nothing


def test_acts_without_confirmation_stay_one_click(people):
    case = helpers.act("accept", case_in("submitted", people), people)
    page = page_of(people.reviewer, reverse("approvals:work_case", args=[case.number]))
    assert 'class="action-form plain" id="act-start_review"' in page


def test_withdrawal_is_a_page_that_says_what_withdrawing_does(people):
    case = case_in("submitted", people)
    page = page_of(people.applicant, reverse("approvals:withdraw", args=[case.number]))
    assert workflow.BY_NAME["withdraw"].hint in page and "确认撤回" in page and "返回，不撤回" in page
    assert helpers.reload(case).state == "submitted"
