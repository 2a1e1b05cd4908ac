"""The delivery gate (issue 15, point 1): no licence without its fee — an approved case of a
fee-charging item is delivered only once assessed and paid, or waived (减免) by an approver; a closed
case is not charged: an unpaid assessment is cancelled, a paid one refunded."""

import json

import pytest
from rest_framework.test import APIClient

from approvals.models import Notice
from fees import services
from fees.models import Assessment, PaymentAnomaly, Refund, RefundRequest
from hall.errors import Conflict, NotPermitted, TransitionNotAllowed
from hall.models import AuditEntry
from tests.approvals.helpers import act, reload
from tests.fees.helpers import assessed_case, fee_case, standards

WAIVER = {"reason": "申请人为最低生活保障对象", "basis": "《不动产登记收费减免规定》第三条"}


def deliver_api(case, people):
    api = APIClient()
    api.force_authenticate(people.clerk)
    return api.post(f"/api/v1/applications/{case.number}/transitions/deliver", {"method": "window"}, format="json")


def test_delivery_is_refused_without_an_assessment(people):
    case = fee_case(people, "decided")
    answer = deliver_api(case, people)
    assert answer.status_code == 409
    assert "尚未核定收费" in answer.json()["detail"]
    with pytest.raises(TransitionNotAllowed):
        act("deliver", case, people)
    assert reload(case).state == "decided"


def test_delivery_is_refused_while_unpaid_and_allowed_once_paid(people):
    case, _assessment = assessed_case(people, "decided")
    assert deliver_api(case, people).status_code == 409
    services.pay_with_simulator(case_id=case.pk, by=people.applicant)
    assert deliver_api(case, people).status_code == 200
    assert reload(case).state == "delivered"


def test_a_waiver_approved_by_an_approver_settles_the_fees(people):
    case, _assessment = assessed_case(people, "decided")
    waived = services.waive_fees(case_id=case.pk, by=people.approver, **WAIVER)
    assert waived.status == "waived" and waived.due_fen == 0 and waived.waived_fen == 8000
    assert waived.waived_by == people.approver and waived.waiver_basis == WAIVER["basis"]
    assert AuditEntry.objects.filter(action="fees.waive", target=case.number).exists()
    assert Notice.objects.filter(application=case, kind="receipt").exists()  # the receipt reads 0
    assert deliver_api(case, people).status_code == 200


def test_a_waiver_without_an_assessment_settles_too(people):
    case = fee_case(people, "decided")
    api = APIClient()
    api.force_authenticate(people.approver)
    answer = api.post(f"/api/v1/applications/{case.number}/fees/assessment",
                      {"waiver": WAIVER, "lines": [{"fee_id": standards(case)[0].pk}]}, format="json")  # fmt: skip
    assert answer.status_code == 201, answer.json()
    assert answer.json()["status"] == "waived" and answer.json()["due_fen"] == 0
    assert answer.json()["waiver"]["waived_fen"] == 8000
    assert deliver_api(case, people).status_code == 200


def test_a_waiver_needs_an_approver(people):
    case, _assessment = assessed_case(people, "decided")
    with pytest.raises(NotPermitted):
        services.waive_fees(case_id=case.pk, by=people.clerk, **WAIVER)
    api = APIClient()
    api.force_authenticate(people.clerk)
    answer = api.post(f"/api/v1/applications/{case.number}/fees/assessment", {"waiver": WAIVER}, format="json")
    assert answer.status_code == 403
    assert Assessment.objects.get(application=case).status == "due"
    assert deliver_api(case, people).status_code == 409


def test_a_waiver_needs_its_reason_and_basis(people):
    case, _assessment = assessed_case(people, "decided")
    api = APIClient()
    api.force_authenticate(people.approver)
    answer = api.post(f"/api/v1/applications/{case.number}/fees/assessment", {"waiver": {"reason": "困难"}},
                      format="json")  # fmt: skip
    assert answer.status_code == 400 and "waiver.basis" in answer.json()["fields"]


def test_denial_cancels_an_unpaid_assessment_and_its_code_refuses_payment(people):
    case, assessment = assessed_case(people, "awaiting_decision")
    services_deny(case, people)
    assessment.refresh_from_db()
    assert assessment.status == "cancelled" and assessment.cancelled_at is not None
    body = json.dumps({"payment_code": assessment.payment_code, "amount_fen": 8000, "transaction_id": "SIM-DENIED",
                       "paid_at": "2026-09-30T10:05:00+08:00"}).encode()  # fmt: skip
    answer = APIClient().post("/api/v1/fees/callback/simulator", body, content_type="application/json",
                              HTTP_X_SIGNATURE=services.sign(body))  # fmt: skip
    assert answer.status_code == 400
    assert PaymentAnomaly.objects.filter(payment_code=assessment.payment_code, reason="cancelled_code").exists()
    assert not assessment.payments.exists()
    with pytest.raises(Conflict):
        services.assess_fees(case_id=case.pk, by=people.clerk, lines=[{"standard_id": standards(case)[0].pk}])


def services_deny(case, people):
    from approvals import services as approvals_services

    return approvals_services.deny_application(case_id=case.pk, by=people.approver, reason="不符合法定条件")


def test_denial_refunds_a_paid_assessment(people):
    case, assessment = assessed_case(people, "awaiting_decision")
    services.pay_with_simulator(case_id=case.pk, by=people.applicant)
    services_deny(case, people)
    assessment.refresh_from_db()
    refund = Refund.objects.get(assessment=assessment)
    assert refund.amount_fen == 8000 and refund.gateway == "simulator" and refund.row_hash
    assert assessment.refunded_fen == 8000 and assessment.refundable_fen == 0
    assert RefundRequest.objects.get().automatic and RefundRequest.objects.get().status == "executed"
    assert Notice.objects.filter(application=case, kind="refund", seq=1).exists()


def test_withdrawal_cancels_an_unpaid_assessment(people):
    case, assessment = assessed_case(people, "under_review")
    act("withdraw", case, people)
    assert Assessment.objects.get(pk=assessment.pk).status == "cancelled"


def test_a_closed_case_cannot_be_assessed(people):
    case = fee_case(people, "under_review")
    act("withdraw", case, people)
    with pytest.raises(Conflict):
        services.assess_fees(case_id=case.pk, by=people.clerk, lines=[{"standard_id": standards(case)[0].pk}])


def test_the_waiver_page_is_for_the_departments_approvers(people, client):
    case, assessment = assessed_case(people)
    url = f"/fees/waive/{case.number}/"
    for username in ("clerk", "cashier", "clerk2", "applicant"):
        client.force_login(getattr(people, username))
        assert client.get(url).status_code == 404, username
    client.force_login(people.approver)
    case_page = client.get(f"/workbench/cases/{case.number}/").content.decode()
    assert f'href="{url}"' in case_page
    refused = client.post(url, {"reason": "", "basis": ""})
    assert refused.status_code == 400 and "请写明减免理由" in refused.content.decode()
    assert client.post(url, {"reason": "最低生活保障对象", "basis": "财税〔2016〕79号"}).status_code == 302
    assessment.refresh_from_db()
    assert (assessment.status, assessment.due_fen) == ("waived", 0)
    assert AuditEntry.objects.filter(action="fees.waive", target=case.number, actor=people.approver).exists()
    assert f'href="{url}"' not in client.get(f"/workbench/cases/{case.number}/").content.decode()  # settled
