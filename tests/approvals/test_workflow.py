"""The case workflow of DESIGN.md, arrow by arrow, through the services — and nothing else.

draft ─submit→ submitted ─accept→ accepted ─start_review→ under_review ─recommend→ awaiting_decision
            │        ↑ resubmit                          │  ↑ resume      ↑ return_for_review ─┘
            │                                         awaiting_decision ─approve/deny→ decided ─deliver→ delivered
            │  request_correction → correction_requested     suspend → suspended
            ├─reject_intake→ rejected (terminal)
   any state before decided ─withdraw→ withdrawn (applicant);  ─terminate→ terminated (staff, with reason)

The arrows are ``approvals.workflow.STEPS``, the one table; these tests check the model's FSM, the
services and the refusals against it.
"""

import pytest
from django.core.exceptions import ValidationError

from approvals import services, workflow
from approvals.models import Application, CorrectionNotice, State, Suspension
from hall.errors import NotPermitted, TransitionNotAllowed
from tests.approvals import helpers
from tests.approvals.helpers import act, at, case_in, reload

# Every arrow of the table: action → (the states it leaves from, the state it leads to).
WORKFLOW = {step.name: (set(step.source), step.target or None) for step in workflow.STEPS}
BEFORE_DECISION = set(workflow.BEFORE_DECISION)


def test_the_model_has_exactly_the_arrows_of_the_workflow_table():
    field = Application._meta.get_field("state")
    # django-fsm spells "the state does not change" as target=None: that is extend's self-loop.
    actual = {(t.source, t.name, t.target or t.source) for t in field.get_all_transitions(Application)}
    expected = {(source, name, target or source) for name, (sources, target) in WORKFLOW.items() for source in sources}
    assert actual == expected


def test_the_table_keeps_the_design_arrows_of_three_opinions():
    """DESIGN.md: the reviewer recommends, the approver decides — approve/deny only on a recommendation."""
    assert WORKFLOW["recommend"] == ({"under_review"}, "awaiting_decision")
    assert WORKFLOW["return_for_review"] == ({"awaiting_decision"}, "under_review")
    assert WORKFLOW["approve"] == WORKFLOW["deny"] == ({"awaiting_decision"}, "decided")
    assert WORKFLOW["extend"][0] == {"under_review", "awaiting_decision"}
    assert "awaiting_decision" in WORKFLOW["terminate"][0] and "awaiting_decision" in WORKFLOW["withdraw"][0]
    assert set(State.values) >= {t for _, t in WORKFLOW.values() if t}


def test_every_step_names_a_service_a_body_and_a_form_that_exist():
    for step in workflow.STEPS:
        assert callable(step.perform()), step.name
        assert step.body_class() and step.form_class(), step.name
        assert step.label and step.hint, step.name


def test_every_state_action_pair_outside_the_table_is_refused_with_409(people):
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


def test_the_reviewer_recommends_and_the_case_waits_for_the_approver(people):
    case = act("recommend", case_in("under_review", people), people)
    assert case.state == "awaiting_decision"
    assert (case.recommendation, case.reviewed_by) == ("approved", people.reviewer)
    assert case.review_opinion == "材料齐全，符合法定条件，建议准予"
    event = case.events.get(action="recommend")
    assert event.data == {"recommendation": "approve"} and event.reason == case.review_opinion


def test_a_recommendation_needs_an_opinion_and_a_known_recommendation(people):
    case = case_in("under_review", people)
    with pytest.raises(ValidationError, match="审查意见"):
        services.recommend_decision(case_id=case.pk, by=people.reviewer, recommendation="approve", opinion=" ")
    with pytest.raises(ValidationError) as refused:
        services.recommend_decision(case_id=case.pk, by=people.reviewer, recommendation="yes", opinion="好")
    assert "recommendation" in refused.value.message_dict
    assert reload(case).state == "under_review"


def test_approving_straight_from_review_is_refused(people):
    case = case_in("under_review", people)
    with pytest.raises(TransitionNotAllowed, match=r"审查中.*不能执行“准予许可”"):
        act("approve", case, people)


def test_the_approver_returns_the_case_for_review_with_a_reason(people):
    case = case_in("awaiting_decision", people)
    with pytest.raises(ValidationError):
        services.return_for_review(case_id=case.pk, by=people.approver, reason="")
    case = act("return_for_review", case, people)
    assert case.state == "under_review" and case.recommendation == "" and case.reviewed_by is None
    case = act("recommend", case, people)  # a new recommendation, then the decision
    case = act("approve", case, people)
    assert [e.action for e in case.events.order_by("id")][-4:] == ["recommend", "return_for_review", "recommend",
                                                                   "approve"]  # fmt: skip


def test_the_reviewer_who_recommended_does_not_decide(people):
    """Three opinions, three people: the recommending reviewer may not also approve (审查与决定分离)."""
    case = case_in("awaiting_decision", people)
    people.reviewer.groups.add(*people.approver.groups.all())
    from hall.models import StaffMembership

    StaffMembership.objects.create(user=people.reviewer, department=case.department, role="approver")
    with pytest.raises(NotPermitted, match="审查意见"):
        services.approve_application(case_id=case.pk, by=helpers.fresh(people.reviewer))
    assert reload(case).state == "awaiting_decision"


def test_a_decision_against_the_recommendation_needs_its_reason(people):
    case = case_in("under_review", people)
    services.recommend_decision(case_id=case.pk, by=people.reviewer, recommendation="deny", opinion="用途不符")
    with pytest.raises(ValidationError, match="不一致"):
        services.approve_application(case_id=case.pk, by=people.approver, reason="")
    case = services.approve_application(case_id=case.pk, by=people.approver, reason="补充材料证明用途相符")
    assert case.decision == "approved"


def test_the_approver_approves_and_the_result_is_due_for_delivery(people):
    case = act("approve", case_in("awaiting_decision", people), people)
    assert case.state == "decided"
    assert case.decision == "approved" and case.decided_by == people.approver
    assert case.delivery_due is not None


def test_the_approver_denies_with_reasons(people):
    case = act("deny", case_in("awaiting_decision", people), people)
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


def test_a_correction_request_lists_each_material_once_and_is_bounded(people):
    """Issue 12, point 5: 5,000 duplicate items once made a 210-page notice in 28 s. Each material of
    the item is listed at most once (one reason per requirement), and the list is capped."""
    case = case_in("submitted", people)
    requirement = helpers.required_materials(case)[0]
    flood = [{"requirement_id": requirement.pk, "reason": "不清晰"}] * 5000
    with pytest.raises(ValidationError) as too_many:
        services.request_correction(case_id=case.pk, by=people.clerk, items=flood)
    assert "items" in too_many.value.message_dict
    with pytest.raises(ValidationError) as twice:
        services.request_correction(case_id=case.pk, by=people.clerk, items=flood[:2])
    assert "同一项材料只列一次" in twice.value.message_dict["items[1].requirement_id"][0]
    assert reload(case).state == "submitted" and not CorrectionNotice.objects.filter(application=case).exists()
