"""告知承诺制 (国办发〔2020〕42号): decided on the applicant's signed commitment, verified afterwards, and
revoked with a credit restriction when the commitment proves false (docs/workflow.md)."""

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from approvals import commitments, services
from approvals.models import CommitmentRestriction, Event, Notice, State, Verification
from hall.errors import NotPermitted, TransitionNotAllowed
from hall.models import AuditEntry, Notification
from supervision.models import Warning
from supervision.scan import scan_deadlines
from tests.approvals import helpers
from tests.approvals.helpers import at, end_of, frozen, reload

ITEM = "ZRZYJ-XK-0006"  # 建设工程规划许可证核发: tell and commit in the demo clerk's department
pytestmark = pytest.mark.django_db


def _committable(case):
    return list(case.item_version.materials.filter(commitment_allowed=True))


def _draft_with_commitment(people, by=None):
    """A draft with every required material uploaded except those a commitment may replace; signed."""
    by = by or people.applicant
    case = helpers.file_case(by, code=ITEM, complete=False)
    waived = _committable(case)
    assert waived, "the demo item lets a commitment replace a material"
    for requirement in helpers.required_materials(case):
        if requirement not in waived:
            helpers.upload(case, by, requirement)
    commitments.sign_commitment(case_id=case.pk, by=by, requirement_ids=[r.pk for r in waived], ip="203.0.113.7")
    return reload(case), waived


def _decided(people):
    case, waived = _draft_with_commitment(people)
    case = services.submit_application(case_id=case.pk, by=people.applicant)
    case = services.accept_application(case_id=case.pk, by=people.clerk)
    case = services.start_review(case_id=case.pk, by=people.reviewer)
    helpers.recommended(case, people)
    return services.approve_application(case_id=case.pk, by=people.approver, reason="依承诺准予"), waived


def test_the_signed_commitment_is_an_audited_act_and_a_stored_document(people):
    case, waived = _draft_with_commitment(people)
    commitment = case.commitments.get()
    assert commitment.text == case.item_version.commitment_text  # the version's text, as signed
    assert "法律后果" in commitment.text or "撤销" in commitment.text
    assert {r.pk for r in commitment.requirements.all()} == {r.pk for r in waived}
    assert commitment.signer_id_number == helpers.PERSON["id_number"]
    assert AuditEntry.objects.filter(action="approvals.sign_commitment", target=case.number).exists()
    assert Event.objects.filter(application=case, action="sign_commitment").exists()
    notice = Notice.objects.get(application=case, kind="commitment")
    from approvals.notices import render

    rendered = render(notice)
    assert rendered.pdf and rendered.size > 1000 and rendered.sha256


def test_only_materials_the_version_allows_may_be_committed(people):
    case = helpers.file_case(people.applicant, code=ITEM, complete=False)
    other = case.item_version.materials.filter(commitment_allowed=False).first()
    with pytest.raises(ValidationError) as refused:
        commitments.sign_commitment(case_id=case.pk, by=people.applicant, requirement_ids=[other.pk])
    assert "不能以告知承诺代替" in str(refused.value)


def test_an_item_without_tell_and_commit_refuses_a_commitment(people):
    case = helpers.file_case(people.applicant, complete=False)
    first = case.item_version.materials.first()
    with pytest.raises(ValidationError):
        commitments.sign_commitment(case_id=case.pk, by=people.applicant, requirement_ids=[first.pk])


def test_only_the_filer_signs(people):
    case = helpers.file_case(people.applicant, code=ITEM, complete=False)
    with pytest.raises(NotPermitted):
        commitments.sign_commitment(case_id=case.pk, by=people.clerk, requirement_ids=[_committable(case)[0].pk])


def test_without_the_commitment_the_missing_material_blocks_acceptance(people):
    case = helpers.file_case(people.applicant, code=ITEM, complete=False)
    waived = _committable(case)
    for requirement in helpers.required_materials(case):
        if requirement not in waived:
            helpers.upload(case, people.applicant, requirement)
    services.submit_application(case_id=case.pk, by=people.applicant)
    with pytest.raises(TransitionNotAllowed):
        services.accept_application(case_id=case.pk, by=people.clerk)


def test_decided_without_the_waived_materials_then_verified_false_revoked_and_restricted(
    people, settings, django_capture_on_commit_callbacks
):
    """The whole path: accept honours the commitment, approval opens a verification task with its own
    due date, an overdue one is a supervision warning, found false the approver revokes (reason, basis,
    撤销决定书, the applicant notified), and the applicant's next commitment on the item is refused."""
    settings.TELL_AND_COMMIT_RESTRICTION_DAYS = 365
    case, waived = _decided(people)
    assert case.state == State.DECIDED and case.decision == "approved"
    assert not case.materials.filter(requirement__in=waived).exists()  # decided without them

    verification = Verification.objects.get(application=case)
    assert verification.outcome == "pending" and verification.department_id == case.department_id
    # 20 working days after the decision on 2026-09-30 (国庆 not counted, its make-up Saturday counted)
    assert verification.due_at == end_of(2026, 11, 3)
    rows = list(commitments.open_verifications_for(people.reviewer))
    assert verification in rows
    assert list(commitments.open_verifications_for(people.clerk2)) == []  # another department's staff

    assert scan_deadlines(end_of(2026, 11, 3))["raised"]["verification_red"] == 0
    assert scan_deadlines(at(2026, 11, 4, 9))["raised"]["verification_red"] == 1
    warning = Warning.objects.get(application=case, kind="verification")
    assert warning.level == "red" and warning.resolved_at is None

    with frozen(at(2026, 11, 5, 10)):
        commitments.record_verification(verification_id=verification.pk, by=people.reviewer, outcome="false",
                                        finding="现场核查：土地权属证明系伪造")  # fmt: skip
    assert Notification.objects.filter(user=people.approver, kind="commitment_false").exists()
    scan_deadlines(at(2026, 11, 5, 11))
    assert Warning.objects.get(application=case, kind="verification").resolved_at == at(2026, 11, 5, 10)

    with frozen(at(2026, 11, 6, 10)), django_capture_on_commit_callbacks(execute=True):
        case = commitments.revoke_approval(case_id=case.pk, by=people.approver, reason="承诺的土地权属证明系伪造")
    assert case.state == State.REVOKED and case.due_at is None
    event = case.events.get(action="revoke")
    assert event.data["basis"].startswith("《中华人民共和国行政许可法》第六十九条")
    assert event.data["restricted_until"] == "2027-11-06"
    notice = Notice.objects.get(application=case, kind="revocation")
    assert notice.serial
    from approvals.notices import render

    assert render(notice).pdf
    assert Notification.objects.filter(user=people.applicant, kind="revoked").exists()  # the applicant is told

    restriction = CommitmentRestriction.objects.get(application=case)
    assert restriction.item_id == case.item_id and restriction.applicant_id_number == case.applicant_id_number

    # the next filing: the same applicant may not commit on this item
    with frozen(at(2026, 11, 9, 10)):
        again = helpers.file_case(people.applicant, code=ITEM, complete=False)
        with pytest.raises(ValidationError) as refused:
            commitments.sign_commitment(case_id=again.pk, by=people.applicant,
                                        requirement_ids=[r.pk for r in _committable(again)])  # fmt: skip
    message = str(refused.value)
    assert case.number in message and "不得适用告知承诺制" in message and "2027年11月06日" in message


def test_the_api_refuses_a_restricted_applicant_with_400_and_a_clear_message(people):
    case, _ = _decided(people)
    verification = Verification.objects.get(application=case)
    commitments.record_verification(verification_id=verification.pk, by=people.approver, outcome="false",
                                    finding="承诺不实")  # fmt: skip
    api = APIClient()
    api.force_authenticate(people.approver)
    response = api.post(f"/api/v1/applications/{case.number}/transitions/revoke", {"reason": "承诺不实"},
                        format="json")  # fmt: skip
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "revoked"

    api.force_authenticate(people.applicant)
    body = {"item_code": ITEM, "applicant": helpers.PERSON, "form": helpers.sample_form(ITEM),
            "commitment": {"requirement_ids": [r.pk for r in _committable(case)], "agree": True}}  # fmt: skip
    response = api.post("/api/v1/applications", body, format="json")
    assert response.status_code == 400
    error = response.json()
    assert error["error"] == "invalid" and "不得适用告知承诺制" in error["fields"]["commitment"][0]


def test_the_api_signs_in_the_filing_and_the_case_shows_committed_materials(people):
    api = APIClient()
    api.force_authenticate(people.applicant)
    waived = list(helpers.Item.objects.get(code=ITEM).current_version.materials.filter(commitment_allowed=True))
    body = {"item_code": ITEM, "applicant": helpers.PERSON, "form": helpers.sample_form(ITEM),
            "commitment": {"requirement_ids": [r.pk for r in waived], "agree": True}}  # fmt: skip
    created = api.post("/api/v1/applications", body, format="json")
    assert created.status_code == 201, created.content
    case = api.get(f"/api/v1/applications/{created.json()['number']}").json()
    assert [c["requirement_ids"] for c in case["commitments"]] == [sorted(r.pk for r in waived)]
    statuses = {m["requirement_id"]: m["status"] for m in case["materials"]}
    assert all(statuses[r.pk] == "committed" for r in waived)


def test_the_commitment_endpoint_needs_agreement_and_a_draft(people):
    case = helpers.file_case(people.applicant, code=ITEM, complete=False)
    ids = [r.pk for r in _committable(case)]
    api = APIClient()
    api.force_authenticate(people.applicant)
    url = f"/api/v1/applications/{case.number}/commitment"
    assert api.post(url, {"requirement_ids": ids, "agree": False}, format="json").status_code == 400
    assert api.post(url, {"requirement_ids": ids, "agree": True}, format="json").status_code == 201
    api.force_authenticate(people.applicant2)
    assert api.post(url, {"requirement_ids": ids, "agree": True}, format="json").status_code == 404


def test_a_true_verification_closes_the_task_and_the_approval_stands(people):
    case, _ = _decided(people)
    verification = Verification.objects.get(application=case)
    api = APIClient()
    api.force_authenticate(people.reviewer)
    listed = api.get("/api/v1/verifications").json()
    assert [row["case_number"] for row in listed] == [case.number]
    response = api.post(f"/api/v1/verifications/{verification.pk}/result",
                        {"outcome": "true", "finding": "数据共享核验一致"}, format="json")  # fmt: skip
    assert response.status_code == 200 and response.json()["outcome"] == "true"
    assert api.post(f"/api/v1/verifications/{verification.pk}/result",
                    {"outcome": "false", "finding": "x"}, format="json").status_code == 409  # fmt: skip
    api.force_authenticate(people.clerk2)
    assert api.post(f"/api/v1/verifications/{verification.pk}/result",
                    {"outcome": "false", "finding": "x"}, format="json").status_code == 404  # fmt: skip
    assert reload(case).state == State.DECIDED


def test_a_denial_cannot_be_revoked(people):
    case, _ = _draft_with_commitment(people)
    services.submit_application(case_id=case.pk, by=people.applicant)
    services.accept_application(case_id=case.pk, by=people.clerk)
    services.start_review(case_id=case.pk, by=people.reviewer)
    helpers.recommended(case, people, "deny")
    services.deny_application(case_id=case.pk, by=people.approver, reason="不符合规划条件")
    assert not Verification.objects.filter(application=case).exists()  # only approvals are verified
    with pytest.raises(TransitionNotAllowed):
        commitments.revoke_approval(case_id=case.pk, by=people.approver, reason="x")
