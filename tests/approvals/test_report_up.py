"""上报件 (行政许可法 art. 43): the district accepts and reviews first, reports within 20 days, and the
upper-level authority decides on its own clock (issue 17, point 2).

RSJ-GF-0002 一次性创业补贴申领 is reported up to 市人力资源和社会保障局 (SRSJ), whose demo approver is
``city_approver``; the district's staff are made here.
"""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework.test import APIClient

from approvals import services
from approvals.models import Event, Referral, State
from approvals.scope import visible_cases
from catalog.models import Item, ItemVersion
from hall import services as hall_services
from hall.errors import NotPermitted, TransitionNotAllowed
from hall.models import Department, User
from tests.approvals import helpers
from tests.approvals.helpers import at, end_of, frozen

REPORTED = "RSJ-GF-0002"


@pytest.fixture
def rsj(people):
    department = Department.objects.get(code="RSJ")
    staff = {}
    for role in ("clerk", "reviewer", "approver"):
        user = User.objects.create_user(username=f"rsj_{role}", password="x" * 8, real_name=f"人社{role}")
        hall_services.grant_role(user=user, role=role, department=department)
        staff[role] = User.objects.get(pk=user.pk)
    return staff


def reported_case(people, rsj):
    case = helpers.file_case(people.applicant, code=REPORTED)
    case = services.submit_application(case_id=case.pk, by=people.applicant)
    case = services.accept_application(case_id=case.pk, by=rsj["clerk"])
    return services.start_review(case_id=case.pk, by=rsj["reviewer"])


def test_a_reported_case_runs_the_preliminary_period_then_the_upper_levels_own_clock(people, rsj):
    """Art. 43: the lower level's preliminary review runs 20 working days from acceptance (the running
    period until the report); the report starts the upper level's own period (20 working days)."""
    case = reported_case(people, rsj)
    referral = Referral.objects.get(application=case)
    assert referral.from_department.code == "RSJ" and referral.to_department.code == "SRSJ"
    assert referral.report_due == end_of(2026, 11, 3)  # 20 working days after 09-30, 国庆 not counted
    assert case.decision_due == referral.report_due and case.decision_days == 20
    with frozen(at(2026, 10, 12, 9)):
        case = services.recommend_decision(case_id=case.pk, by=rsj["reviewer"], recommendation="approve",
                                           opinion="经初审，申请人符合创业补贴条件，报请市局决定")  # fmt: skip
    referral.refresh_from_db()
    assert referral.reported_at == at(2026, 10, 12, 9) and referral.reported_by == rsj["reviewer"]
    assert referral.decision_due == end_of(2026, 11, 9)  # its own clock: 20 working days from the report
    assert case.state == State.AWAITING_DECISION and case.decision_due == referral.decision_due
    assert case.due_at == referral.decision_due


def test_only_the_upper_level_decides_a_reported_case(people, rsj):
    case = reported_case(people, rsj)
    city = helpers.fresh(people.city_approver)
    assert visible_cases(city).filter(pk=case.pk).exists()  # routed: the upper level sees it from acceptance
    assert not visible_cases(helpers.fresh(people.approver)).filter(pk=case.pk).exists()
    with pytest.raises(TransitionNotAllowed):  # not yet reported
        services.approve_application(case_id=case.pk, by=city, reason="")
    case = services.recommend_decision(
        case_id=case.pk, by=rsj["reviewer"], recommendation="approve", opinion="初审意见：符合条件"
    )
    with pytest.raises(NotPermitted) as refused:
        services.approve_application(case_id=case.pk, by=rsj["approver"], reason="")
    assert refused.value.status_code == 403 and "上报件" in refused.value.detail
    with frozen(at(2026, 10, 14, 15)):
        case = services.approve_application(case_id=case.pk, by=city, reason="")
    assert case.state == State.DECIDED and case.decided_by == city
    assert Referral.objects.get(application=case).decided_at == at(2026, 10, 14, 15)
    event = Event.objects.get(application=case, action="approve")
    assert event.data == {"authority": "report_up", "decided_for": "upper_level"}


def test_the_upper_level_sends_a_report_back_and_the_preliminary_period_runs_again(people, rsj):
    case = reported_case(people, rsj)
    case = services.recommend_decision(case_id=case.pk, by=rsj["reviewer"], recommendation="approve", opinion="初审")
    with pytest.raises(NotPermitted):
        services.return_for_review(case_id=case.pk, by=rsj["approver"], reason="district may not")
    case = services.return_for_review(case_id=case.pk, by=helpers.fresh(people.city_approver), reason="请补充纳税证明")
    referral = Referral.objects.get(application=case)
    assert case.state == State.UNDER_REVIEW and referral.returned == 1 and referral.reported_at is None
    assert case.decision_due == referral.report_due == end_of(2026, 11, 3)


def test_the_workbench_and_the_item_say_who_decides(people, rsj):
    case = reported_case(people, rsj)
    services.recommend_decision(case_id=case.pk, by=rsj["reviewer"], recommendation="approve", opinion="初审")
    client = Client()
    client.force_login(people.city_approver)
    html = client.get(f"/workbench/cases/{case.number}/").content.decode()
    assert "市人力资源和社会保障局" in html and "上级决定期限" in html and "act-approve" in html
    body = APIClient().get(f"/api/v1/catalog/items/{REPORTED}").json()
    assert body["decision_authority"]["kind"] == "report_up"
    assert body["decision_authority"]["report_to"]["code"] == "SRSJ"
    assert body["decision_authority"]["report_days"] == 20
    page = Client().get(f"/items/{REPORTED}/").content.decode()
    assert "上报件" in page and "行政许可法第四十三条" in page


def test_a_reported_item_names_its_upper_level_and_agrees_with_its_handling_kind(people):
    version = Item.objects.get(code=REPORTED).current_version
    draft = ItemVersion.objects.get(pk=version.pk)
    draft.pk, draft.state, draft.report_to = None, ItemVersion.State.DRAFT, None
    with pytest.raises(ValidationError) as refused:
        draft.clean()
    assert "report_to" in refused.value.message_dict
    draft.report_to, draft.decision_authority = Department.objects.get(code="SRSJ"), "department"
    with pytest.raises(ValidationError) as refused:
        draft.clean()
    assert {"decision_authority", "report_to"} <= set(refused.value.message_dict)
