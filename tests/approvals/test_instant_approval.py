"""秒批 (rule-based instant approval): a qualifying submission is accepted and approved by the system in
the same request, with the rule version and the evidence in the event; any other falls back to a person."""

import pytest
from rest_framework.test import APIClient

from approvals import licence_use, licences, services
from approvals.models import InstantAudit, Licence, Notice, State
from catalog.models import Item
from hall.models import AuditEntry, Department
from tests.approvals import helpers
from tests.approvals.helpers import reload
from tests.factories import staff

NEW_LICENCE = "SCJGJ-XK-0003"  # 食品经营许可（新办）
CHANGE = "SCJGJ-XK-0004"  # 食品经营许可（变更）: its rule takes the licence from an approved SCJGJ-XK-0003 case
pytestmark = pytest.mark.django_db


@pytest.fixture
def food(people):
    department = Department.objects.get(code="SCJGJ")
    return staff("food_reviewer", "reviewer", department), staff("food_approver", "approver", department)


def _approved_licence(people, food, applicant=helpers.PERSON):
    reviewer, approver = food
    case = helpers.file_case(people.applicant, code=NEW_LICENCE, applicant=applicant)
    services.submit_application(case_id=case.pk, by=people.applicant)
    services.accept_application(case_id=case.pk, by=people.clerk2)
    services.start_review(case_id=case.pk, by=reviewer)
    services.recommend_decision(case_id=case.pk, by=reviewer, recommendation="approve", opinion="符合条件")
    return services.approve_application(case_id=case.pk, by=approver)


def _change_draft(people, *, change_items="经营者名称", applicant=helpers.PERSON, everything=False):
    form = helpers.sample_form(CHANGE) | {"change_items": change_items}
    case = services.file_application(by=people.applicant, item_code=CHANGE, applicant=applicant, form=form)
    for requirement in helpers.required_materials(case):
        if everything or requirement.name != "食品经营许可证":  # the rule takes it from the earlier approval
            helpers.upload(case, people.applicant, requirement)
    return case


def test_a_qualifying_submission_is_accepted_and_approved_in_the_same_request(people, food, settings):
    settings.INSTANT_APPROVAL_SAMPLE_RATE = 1.0
    earlier = _approved_licence(people, food)
    case = _change_draft(people)
    api = APIClient()
    api.force_authenticate(people.applicant)
    response = api.post(f"/api/v1/applications/{case.number}/transitions/submit", {}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "decided" and response.json()["decision"] == "approved"
    body = api.get(f"/api/v1/applications/{case.number}").json()
    actions = [(row["action"], row["actor_role"]) for row in body["timeline"]]
    assert actions[-3:] == [("submit", "applicant"), ("accept", "system"), ("instant_approve", "system")]

    case = reload(case)
    event = case.events.get(action="instant_approve")
    assert event.actor is None
    version = case.item_version
    assert event.data["rule_version"].startswith(f"{CHANGE}@v{version.number}#")
    proof = event.data["evidence"]["materials"][0]
    assert proof["source"] == "approved_case" and proof["case_number"] == earlier.number
    assert event.data["evidence"]["conditions"][0]["holds"] is True
    licence = case.materials.get(requirement__name="食品经营许可证", superseded=False)
    assert licence.sha256 == Notice.objects.get(application=earlier, kind="decision").sha256  # the evidence
    assert Notice.objects.filter(application=case, kind__in=["acceptance", "decision"]).count() == 2
    assert case.delivery_due is not None and case.accepted_by is None and case.decided_by is None
    audit = InstantAudit.objects.get(application=case)
    assert audit.verdict == "pending" and audit.rule_version == event.data["rule_version"]


def test_a_submission_outside_the_rule_falls_back_to_the_window(people, food):
    _approved_licence(people, food)
    case = _change_draft(people, change_items="经营项目")  # affects food safety: a person decides
    case = services.submit_application(case_id=case.pk, by=people.applicant)
    assert case.state == State.SUBMITTED and case.handler is not None
    entry = AuditEntry.objects.get(action="approvals.instant_fallback", target=case.number)
    assert any("change_items" in reason for reason in entry.detail["reasons"])


def test_without_an_earlier_approval_the_case_falls_back(people, food):
    case = _change_draft(people)
    case = services.submit_application(case_id=case.pk, by=people.applicant)
    assert case.state == State.SUBMITTED
    assert not InstantAudit.objects.exists()


def test_another_applicants_approval_is_not_evidence(people, food):
    _approved_licence(people, food, applicant=helpers.COMPANY)
    case = services.submit_application(case_id=_change_draft(people).pk, by=people.applicant)
    assert case.state == State.SUBMITTED


def test_sampling_follows_the_configured_rate(people, food, settings):
    settings.INSTANT_APPROVAL_SAMPLE_RATE = 0.0
    _approved_licence(people, food)
    case = services.submit_application(case_id=_change_draft(people).pk, by=people.applicant)
    assert case.state == State.DECIDED and not InstantAudit.objects.filter(application=case).exists()


def test_nobody_may_perform_the_systems_step(people, food):
    _approved_licence(people, food)
    draft = _change_draft(people, change_items="经营项目", everything=True)
    case = services.submit_application(case_id=draft.pk, by=people.applicant)
    services.accept_application(case_id=case.pk, by=people.clerk2)
    api = APIClient()
    api.force_authenticate(people.clerk2)
    response = api.post(f"/api/v1/applications/{case.number}/transitions/instant_approve", {}, format="json")
    assert response.status_code == 403
    assert reload(case).state == State.ACCEPTED


def test_supervisors_see_the_rules_and_work_through_the_samples(client, people, food, settings,
                                                               django_assert_max_num_queries):  # fmt: skip
    settings.INSTANT_APPROVAL_SAMPLE_RATE = 1.0
    _approved_licence(people, food)
    case = services.submit_application(case_id=_change_draft(people).pk, by=people.applicant)
    audit = InstantAudit.objects.get(application=case)
    client.force_login(people.supervisor)
    with django_assert_max_num_queries(15):
        page = client.get("/supervision/instant/")
    text = page.content.decode()
    assert page.status_code == 200 and CHANGE in text and "变更事项" in text and audit.rule_version in text
    assert case.number in text
    client.post(f"/supervision/instant/{audit.pk}/review/", {"verdict": "wrong"})  # a note is required
    assert reload(case).instant_audit.verdict == "pending"
    client.post(f"/supervision/instant/{audit.pk}/review/", {"verdict": "correct", "note": "证据一致"})
    audit.refresh_from_db()
    assert audit.verdict == "correct" and audit.reviewed_by == people.supervisor
    client.force_login(people.clerk)
    assert client.get("/supervision/instant/").status_code == 403


LICENCE_ITEM = "ZRZYJ-XK-0006"  # 建设工程规划许可证: takes the 建设用地规划许可证 (JSYDGH) as an e-licence


def _licence_rule_case(people):
    """A draft under a 秒批 rule whose one named material is proven by the applicant's e-licence (免证办),
    every other required material uploaded; and the applicant's e-licence of a delivered ZRZYJ-XK-0005."""
    earlier = helpers.act("deliver", helpers.act("approve", helpers.case_in("awaiting_decision", people), people),
                          people)  # fmt: skip
    current = Item.objects.get(code=LICENCE_ITEM).current_version
    name = current.materials.get(licence_type_code="JSYDGH").name
    helpers.publish_revision(LICENCE_ITEM, instant_rule={
        "name": "建设工程规划许可证秒批（用地许可证以电子证照核验）",
        "materials": [{"material": name, "source": "licence"}],
    })  # fmt: skip
    case = helpers.file_case(people.applicant, code=LICENCE_ITEM, complete=False)
    requirement = case.item_version.materials.get(licence_type_code="JSYDGH")
    for other in helpers.required_materials(case):
        if other.pk != requirement.pk:
            helpers.upload(case, people.applicant, other)
    return case, requirement, reload(earlier).licence


def test_a_material_proven_by_a_valid_e_licence_qualifies_with_the_licence_in_the_evidence(people):
    case, requirement, licence = _licence_rule_case(people)
    licence_use.use_licence(case_id=case.pk, by=people.applicant, requirement_id=requirement.pk,
                            licence_number=licence.number)  # fmt: skip
    case = services.submit_application(case_id=case.pk, by=people.applicant)
    assert case.state == State.DECIDED and case.decision == "approved"
    evidence = case.events.get(action="instant_approve").data["evidence"]["materials"]
    assert evidence == [{"material": requirement.name, "source": "licence", "licence": licence.number,
                         "type_code": "JSYDGH", "sha256": Licence.objects.get(pk=licence.pk).sha256}]  # fmt: skip


def test_without_a_chosen_licence_or_with_a_revoked_one_a_person_decides(people):
    case, requirement, licence = _licence_rule_case(people)
    helpers.upload(case, people.applicant, requirement)  # an upload is not a trusted source
    case = services.submit_application(case_id=case.pk, by=people.applicant)
    assert case.state == State.SUBMITTED
    fallback = AuditEntry.objects.filter(action="approvals.instant_fallback", target=case.number).get()
    assert any("未选用电子证照" in reason for reason in fallback.detail["reasons"])

    again = helpers.file_case(people.applicant, code=LICENCE_ITEM, complete=False)
    for other in helpers.required_materials(again):
        if other.pk != requirement.pk:
            helpers.upload(again, people.applicant, other)
    licence_use.use_licence(case_id=again.pk, by=people.applicant, requirement_id=requirement.pk,
                            licence_number=licence.number)  # fmt: skip
    licences.revoke_licence(number=licence.number, by=people.approver, reason="以欺骗手段取得",
                            basis="行政许可法第六十九条")  # fmt: skip
    again = services.submit_application(case_id=again.pk, by=people.applicant)
    assert again.state == State.SUBMITTED and not again.events.filter(action="instant_approve").exists()
