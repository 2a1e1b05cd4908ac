""" "Overdue" means one thing everywhere (DESIGN.md, the workflow): a running period whose due instant
has passed — acceptance (art. 32), the decision (art. 42, standing still while suspended, art. 45) or
the delivery of an approved result (art. 44). The queue filter, the badge, the dashboard and the API
all ask ``approvals.selectors.overdue_q`` / ``is_overdue``."""

from datetime import timedelta

from approvals.models import Application
from approvals.selectors import is_overdue, overdue_q
from supervision.selectors import summary
from tests.approvals import helpers
from tests.approvals.helpers import act, case_in


def test_the_query_and_the_badge_agree_on_every_state(people):
    cases = {state: case_in(state, people) for state in helpers.PATHS}
    denied = act("deny", case_in("awaiting_decision", people), people)
    later = helpers.at(2027, 3, 1)  # months after every period of the cases built on 2026-09-30
    late = {c.number for c in Application.objects.filter(overdue_q(later))}
    assert late == {c.number for c in Application.objects.all() if is_overdue(c, later)}
    expected = {"submitted", "accepted", "under_review", "awaiting_decision", "decided"}
    assert late == {cases[state].number for state in expected}
    assert denied.number not in late  # a denial is not a result awaiting delivery (art. 44)
    assert cases["suspended"].number not in late  # art. 45: the clock stands still
    assert summary(later)["overdue"] == len(late)


def test_nothing_is_overdue_before_its_due_instant(people):
    case = case_in("accepted", people)
    assert not is_overdue(case, case.decision_due)
    assert is_overdue(case, case.decision_due + timedelta(seconds=1))
    assert not Application.objects.filter(overdue_q(case.decision_due)).exists()
