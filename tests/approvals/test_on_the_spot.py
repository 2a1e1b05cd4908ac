"""即办件 at the window and the decision authority (分级决定) of the chief representative (issue 17).

ZRZYJ-GG-0007 不动产登记资料查询 is a 即办件 (committed limit 0) decided by the chief representative of
window B01 — the demo clerk 陈静 — once the department (its approver) has authorised her in writing.
"""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework.test import APIClient

from approvals import authority, services
from approvals.models import Event, Notice, State
from hall.errors import NotPermitted, OutsideScope, TransitionNotAllowed
from hall.models import AuditEntry
from tests.approvals import helpers
from tests.approvals.helpers import at, end_of, file_case, frozen, reload

INSTANT = "ZRZYJ-GG-0007"


def grant(people, codes=(INSTANT,), **kw):
    return authority.grant_delegation(
        by=people.approver, window="B01", item_codes=list(codes), document="区自然资源局授〔2026〕3号", **kw
    )


def submitted_instant(people):
    case = file_case(people.applicant, code=INSTANT)
    return services.submit_application(case_id=case.pk, by=people.applicant)


def test_an_instant_item_is_accepted_and_decided_at_the_window_the_same_day_with_both_events(people):
    """行政许可法 art. 34 para. 2: complete and in legal form → a written decision on the spot; every act
    audited (accept, then the decision), the decision document issued at once, all due that day."""
    grant(people)
    case = submitted_instant(people)
    with frozen(at(2026, 9, 30, 10, 20)):
        case = services.decide_on_the_spot(case_id=case.pk, by=people.clerk, decision="approve", ip="10.0.0.8")
    assert case.state == State.DECIDED and case.decision == "approved"
    assert case.accepted_at == case.decided_at == at(2026, 9, 30, 10, 20)
    assert case.accepted_by == case.decided_by == people.clerk
    assert case.decision_due == end_of(2026, 9, 30)  # N = 0: due the same day
    assert case.working_days_used == 0
    assert case.delivery_due == end_of(2026, 10, 20)  # art. 44: 10 working days, 国庆 not counted
    events = list(Event.objects.filter(application=case).exclude(action__in=["create", "submit"]))
    assert [(e.action, e.from_state, e.to_state) for e in events] == [
        ("accept", "submitted", "accepted"),
        ("decide_on_the_spot", "accepted", "decided"),
    ]
    assert events[1].data["decision"] == "approve" and events[1].data["authority"] == "chief_representative"
    assert events[1].data["delegation_document"] == "区自然资源局授〔2026〕3号"
    assert {n.kind for n in Notice.objects.filter(application=case)} == {"acceptance", "decision"}
    decision = Notice.objects.get(application=case, kind="decision")
    assert decision.issued_at.date() == date(2026, 9, 30)


def test_a_denial_on_the_spot_states_its_reason(people):
    grant(people)
    case = submitted_instant(people)
    with pytest.raises(ValidationError) as refused:
        services.decide_on_the_spot(case_id=case.pk, by=people.clerk, decision="deny", reason=" ")
    assert "reason" in refused.value.message_dict
    reason = "查询人与登记簿无利害关系"
    case = services.decide_on_the_spot(case_id=case.pk, by=people.clerk, decision="deny", reason=reason)
    assert case.decision == "denied" and case.decision_reason == "查询人与登记簿无利害关系"
    assert Event.objects.filter(application=case, action="decide_on_the_spot").get().data["remedy"]


def test_an_item_that_is_not_instant_cannot_be_decided_on_the_spot(people):
    """A 承诺件 goes through review and decision: 409, nothing written."""
    case = helpers.submitted_case(people)
    before = Event.objects.filter(application=case).count()
    with pytest.raises(TransitionNotAllowed) as refused:
        services.decide_on_the_spot(case_id=case.pk, by=people.approver, decision="approve")
    assert refused.value.status_code == 409 and "不是即办件" in refused.value.detail
    assert reload(case).state == State.SUBMITTED
    assert Event.objects.filter(application=case).count() == before


def test_missing_materials_are_not_decided_on_the_spot(people):
    grant(people)
    case = file_case(people.applicant, code=INSTANT, complete=False)
    case = services.submit_application(case_id=case.pk, by=people.applicant)
    with pytest.raises(TransitionNotAllowed) as refused:
        services.decide_on_the_spot(case_id=case.pk, by=people.clerk, decision="approve")
    assert "材料尚未齐全" in refused.value.detail


def test_authority_a_clerk_without_delegation_is_refused_the_chief_representative_with_one_decides(people):
    """分级决定: without a delegation the window clerk may not decide (403); the chief representative with
    the department's written delegation may; after its revocation she may not any more."""
    case = submitted_instant(people)
    with pytest.raises(NotPermitted) as refused:
        services.decide_on_the_spot(case_id=case.pk, by=people.clerk, decision="approve")
    assert refused.value.status_code == 403
    delegation = grant(people)
    with pytest.raises(NotPermitted):  # clerk_b serves the window but is not its chief representative
        services.decide_on_the_spot(case_id=case.pk, by=people.clerk_b, decision="approve")
    authority.revoke_delegation(by=people.approver, delegation_id=delegation.pk, reason="首席代表轮岗")
    with pytest.raises(NotPermitted):
        services.decide_on_the_spot(case_id=case.pk, by=people.clerk, decision="approve")
    assert reload(case).state == State.SUBMITTED
    grant(people)
    assert services.decide_on_the_spot(case_id=case.pk, by=people.clerk, decision="approve").state == State.DECIDED


def test_a_delegation_holds_only_in_its_period_and_while_the_delegate_is_chief_representative(people):
    case = submitted_instant(people)
    grant(people, valid_from=date(2026, 10, 8))
    with pytest.raises(NotPermitted):
        services.decide_on_the_spot(case_id=case.pk, by=people.clerk, decision="approve")
    grant(people, valid_from=date(2026, 9, 1), valid_until=date(2026, 9, 29))
    with pytest.raises(NotPermitted):
        services.decide_on_the_spot(case_id=case.pk, by=people.clerk, decision="approve")
    grant(people)
    people.clerk.chief_of_windows.update(chief_representative=people.clerk_b)  # the post changed hands
    with pytest.raises(NotPermitted):
        services.decide_on_the_spot(case_id=case.pk, by=people.clerk, decision="approve")


def test_the_department_approver_keeps_the_authority_it_delegated(people):
    case = submitted_instant(people)
    case = services.decide_on_the_spot(case_id=case.pk, by=people.approver, decision="approve")
    assert case.state == State.DECIDED
    assert Event.objects.get(application=case, action="decide_on_the_spot").actor_role == "approver"


def test_the_chief_representative_decides_a_reviewed_case_of_a_delegated_item(people):
    """approve/deny read the same authority: with a delegation the chief representative decides on the
    reviewer's recommendation; another clerk gets 403."""
    helpers.publish_revision(decision_authority="chief_representative")
    case = helpers.file_case(people.applicant)
    for action, by in (("submit", people.applicant), ("accept", people.clerk_b), ("start_review", people.reviewer)):
        case = helpers.act(action, case, people, by=by)
    case = helpers.recommended(case, people)
    with pytest.raises(NotPermitted):
        services.approve_application(case_id=case.pk, by=people.clerk, reason="")
    grant(people, codes=[helpers.ITEM])
    with pytest.raises(NotPermitted):
        services.approve_application(case_id=case.pk, by=people.clerk_b, reason="")
    case = services.approve_application(case_id=case.pk, by=people.clerk, reason="")
    assert case.state == State.DECIDED and case.decided_by == people.clerk


def test_grants_and_revocations_are_the_department_heads_and_audited(people):
    with pytest.raises(NotPermitted):
        authority.grant_delegation(by=people.clerk, window="B01", item_codes=[INSTANT], document="自授")
    with pytest.raises(ValidationError) as refused:
        grant(people, codes=[helpers.ITEM])  # its version says the department's approver decides
    assert "item_codes" in refused.value.message_dict
    with pytest.raises(ValidationError):
        grant(people, codes=["SCJGJ-BA-0005"])  # another department's item
    delegation = grant(people)
    assert delegation.delegate == people.clerk and delegation.granted_by == people.approver
    with pytest.raises(ValidationError):
        authority.revoke_delegation(by=people.approver, delegation_id=delegation.pk, reason="")
    with pytest.raises(OutsideScope):
        authority.revoke_delegation(by=people.clerk2, delegation_id=delegation.pk, reason="不是本部门")
    authority.revoke_delegation(by=people.approver, delegation_id=delegation.pk, reason="授权期满")
    actions = list(AuditEntry.objects.filter(target=str(delegation)).values_list("action", flat=True))
    assert sorted(actions) == ["approvals.grant_delegation", "approvals.revoke_delegation"]


def test_api_decides_on_the_spot_and_answers_409_for_other_items(people):
    grant(people)
    api = APIClient()
    api.force_authenticate(people.clerk)
    case = submitted_instant(people)
    url = f"/api/v1/applications/{case.number}/transitions/decide_on_the_spot?expand=case"
    response = api.post(url, {"decision": "approve", "reason": "当场核验原件"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "decided" and body["decision"] == "approved"
    assert [t["action"] for t in body["timeline"]][-2:] == ["accept", "decide_on_the_spot"]
    other = helpers.submitted_case(people)
    api.force_authenticate(people.approver)
    response = api.post(f"/api/v1/applications/{other.number}/transitions/decide_on_the_spot",
                        {"decision": "approve"}, format="json")  # fmt: skip
    assert response.status_code == 409 and response.json()["error"] == "transition_not_allowed"
    response = api.post(url.replace(case.number, other.number), {"decision": "maybe"}, format="json")
    assert response.status_code == 400 and "decision" in response.json()["fields"]


def test_the_window_workbench_offers_the_on_the_spot_decision_only_to_whoever_may_take_it(people):
    case = submitted_instant(people)
    page = f"/workbench/cases/{case.number}/"
    client = Client()
    client.force_login(people.clerk)
    html = client.get(page).content.decode()
    assert "act-decide_on_the_spot" not in html and "决定权限" in html  # no delegation yet: the page says who decides
    grant(people)
    html = client.get(page).content.decode()
    assert "act-decide_on_the_spot" in html and "区自然资源局授〔2026〕3号" in html
    response = client.post(f"{page}act/decide_on_the_spot/", {"decision": "approve", "reason": "", "confirm": "on"})
    assert response.status_code == 302
    assert reload(case).state == State.DECIDED
    ordinary = helpers.submitted_case(people)
    client.force_login(people.approver)
    assert "act-decide_on_the_spot" not in client.get(f"/workbench/cases/{ordinary.number}/").content.decode()


def test_the_workbench_queue_says_who_decides(people):
    """分级决定 on the queue: a chief-representative item is marked so in its row."""
    submitted_instant(people)
    client = Client()
    client.force_login(people.clerk)
    html = client.get("/workbench/").content.decode()
    cell = html.index(f'<span class="code">{INSTANT}</span>')
    row = html[html.rindex("<tr", 0, cell) : cell]
    assert "首席代表决定" in row
