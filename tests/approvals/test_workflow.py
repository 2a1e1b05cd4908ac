"""The case workflow of DESIGN.md, arrow by arrow, through the services — and nothing else.

draft ─submit→ submitted ─accept→ accepted ─start_review→ under_review ─approve/deny→ decided ─deliver→ delivered
            │        ↑ resubmit                                 │  ↑ resume
            │  request_correction → correction_requested       suspend → suspended
            ├─reject_intake→ rejected (terminal)
   any state before decided ─withdraw→ withdrawn (applicant);  ─terminate→ terminated (staff, with reason)
"""

import pytest
from django.core.exceptions import ValidationError

from approvals import services
from approvals.models import Application, CorrectionNotice, State, Suspension
from hall.errors import TransitionNotAllowed
from tests.approvals import helpers
from tests.approvals.helpers import act, at, case_in, reload

# Every arrow of the diagram: action → (the states it leaves from, the state it leads to).
WORKFLOW = {
    "submit": ({"draft"}, "submitted"),
    "request_correction": ({"submitted"}, "correction_requested"),  # art. 32: one notice per round
    "resubmit": ({"correction_requested"}, "submitted"),
    "accept": ({"submitted"}, "accepted"),  # art. 42: the decision clock starts
    "reject_intake": ({"submitted"}, "rejected"),
    "start_review": ({"accepted"}, "under_review"),
    "suspend": ({"under_review"}, "suspended"),  # art. 45: the clock stops
    "resume": ({"suspended"}, "under_review"),
    "extend": ({"under_review"}, "under_review"),  # art. 42: a self-loop, the due date moves
    "approve": ({"under_review"}, "decided"),
    "deny": ({"under_review"}, "decided"),  # art. 38: with reasons and remedy
    "deliver": ({"decided"}, "delivered"),  # art. 44
    "withdraw": (
        {"draft", "submitted", "correction_requested", "accepted", "under_review", "suspended"},
        "withdrawn",
    ),
    "terminate": ({"submitted", "correction_requested", "accepted", "under_review", "suspended"}, "terminated"),
}
BEFORE_DECISION = WORKFLOW["withdraw"][0]


def test_the_model_has_exactly_the_arrows_of_the_design_diagram():
    field = Application._meta.get_field("state")
    # django-fsm spells "the state does not change" as target=None: that is extend's self-loop.
    actual = {(t.source, t.name, t.target or t.source) for t in field.get_all_transitions(Application)}
    expected = {(source, name, target) for name, (sources, target) in WORKFLOW.items() for source in sources}
    assert actual == expected


def test_every_state_action_pair_outside_the_diagram_is_refused_with_409(people):
    cases = {state: case_in(state, people) for state in State.values}
    for state, case in cases.items():
        for action, (sources, _) in WORKFLOW.items():
            if state in sources:
                continue
            with pytest.raises(TransitionNotAllowed) as refused:
                act(action, case, people)
            assert refused.value.status_code == 409, (state, action)
            assert "不能执行" in refused.value.detail, (state, action)
            assert reload(case).state == state, (state, action)


def test_the_applicant_submits_a_draft_and_the_window_has_five_working_days(people):
    case = case_in("draft", people)
    case = act("submit", case, people)
    assert case.state == "submitted"
    assert case.submitted_at == case.received_at == at(2026, 9, 30)
    assert case.accept_due == helpers.end_of(2026, 10, 13)  # National Day holiday not counted
    assert case.handler == people.clerk  # the A role of window B01


def test_the_clerk_requests_every_correction_in_one_notice(people):
    case = act("request_correction", case_in("submitted", people), people)
    assert case.state == "correction_requested"
    notice = CorrectionNotice.objects.get(application=case)
    assert notice.round == 1 and notice.issued_by == people.clerk
    assert notice.items.count() == 2


def test_the_applicant_resubmits_once_the_requested_materials_are_replaced(people):
    case = case_in("submitted", people)
    with helpers.frozen(at(2026, 10, 8, 9)):
        case = act("request_correction", case, people)
    with helpers.frozen(at(2026, 10, 9, 15)):
        with pytest.raises(ValidationError, match="补正材料未上传"):
            act("resubmit", case, people)
        for item in CorrectionNotice.objects.get(application=case).items.all():
            helpers.upload(case, people.applicant, item.requirement_id)
        case = act("resubmit", case, people)
    assert case.state == "submitted"
    assert case.received_at == at(2026, 10, 9, 15)


def test_the_clerk_accepts_a_complete_submission_and_stays_the_contact(people):
    case = act("accept", case_in("submitted", people), people)
    assert case.state == "accepted"
    assert case.accepted_by == case.handler == people.clerk
    assert case.accepted_at == at(2026, 9, 30)
    assert case.decision_due == helpers.end_of(2026, 10, 13)  # committed 5 working days; Sat 10-10 is worked


def test_the_clerk_rejects_at_intake_with_a_reason(people):
    case = case_in("submitted", people)
    with pytest.raises(ValidationError):
        services.reject_intake(case_id=case.pk, by=people.clerk, reason=" ")
    case = act("reject_intake", case, people)
    assert case.state == "rejected"
    assert case.closed_reason == "不属于本机关职权范围"
    assert "行政复议" in case.events.get(action="reject_intake").data["remedy"]


def test_the_reviewer_starts_the_review_of_an_accepted_case(people):
    case = act("start_review", case_in("accepted", people), people)
    assert case.state == "under_review"
    assert case.handler == people.reviewer


def test_the_reviewer_suspends_the_review_for_a_special_procedure(people):
    case = act("suspend", case_in("under_review", people), people)
    assert case.state == "suspended"
    assert Suspension.objects.get(application=case).procedure == "expert_review"


def test_the_reviewer_resumes_the_review_after_the_special_procedure(people):
    case = act("resume", case_in("suspended", people), people)
    assert case.state == "under_review"
    assert Suspension.objects.get(application=case).ended_at is not None


def test_the_approver_extends_the_deadline_and_the_case_stays_under_review(people):
    case = case_in("under_review", people)
    before = case.decision_due
    case = act("extend", case, people)
    assert case.state == "under_review"
    assert case.extension_days == 5 and case.decision_due > before
    event = case.events.get(action="extend")
    assert (event.from_state, event.to_state) == ("under_review", "under_review")


def test_the_approver_approves_and_the_result_is_due_for_delivery(people):
    case = act("approve", case_in("under_review", people), people)
    assert case.state == "decided"
    assert case.decision == "approved" and case.decided_by == people.approver
    assert case.delivery_due is not None


def test_the_approver_denies_with_reasons(people):
    case = act("deny", case_in("under_review", people), people)
    assert case.state == "decided"
    assert case.decision == "denied" and case.decision_reason == "不符合规划"


def test_the_clerk_delivers_the_decision(people):
    case = case_in("decided", people)
    with pytest.raises(ValidationError, match="快递单号"):
        services.deliver_result(case_id=case.pk, by=people.clerk, method="express")
    case = act("deliver", case, people)
    assert case.state == "delivered"
    assert case.delivery_method == "window" and case.delivered_at == at(2026, 9, 30)


def test_the_applicant_can_withdraw_from_every_state_before_the_decision(people):
    for state in sorted(BEFORE_DECISION):
        case = act("withdraw", case_in(state, people), people)
        assert case.state == "withdrawn", state
        assert case.events.get(action="withdraw").from_state == state


def test_the_approver_can_terminate_every_filed_case_before_the_decision(people):
    for state in sorted(BEFORE_DECISION - {"draft"}):
        case = case_in(state, people)
        with pytest.raises(ValidationError):
            services.terminate_application(case_id=case.pk, by=people.approver, reason="")
        case = act("terminate", case, people)
        assert case.state == "terminated", state
        assert case.closed_reason == "申请单位已注销"
        assert case.events.get(action="terminate").from_state == state
