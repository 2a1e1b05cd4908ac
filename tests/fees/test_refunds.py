"""Refunds (issue 15, point 3) and the ledger's integrity (point 8)."""

import pytest
from django.db import DatabaseError, connection, transaction
from rest_framework.test import APIClient

from approvals.models import Notice
from fees import services
from fees.models import Payment, Refund, RefundRequest
from hall.chain_verify import verify
from hall.errors import Conflict, NotPermitted, OutsideScope
from hall.models import Department, StaffMembership
from hall.roles import Role
from tests.fees.helpers import assessed_case


def paid_case(people):
    case, assessment = assessed_case(people, "decided")
    services.pay_with_simulator(case_id=case.pk, by=people.applicant)
    return case, assessment


def client(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_partial_refunds_requested_by_a_clerk_approved_by_an_approver(people):
    case, assessment = paid_case(people)
    url = f"/api/v1/applications/{case.number}/fees/refunds"
    first = client(people.clerk).post(url, {"amount_fen": 3000, "reason": "多收登记费"}, format="json")
    assert first.status_code == 201 and first.json()["status"] == "requested"
    assert not Refund.objects.exists()  # nothing moves before a second person approves
    approved = client(people.approver).post(f"{url}/{first.json()['id']}/approve", format="json")
    assert approved.status_code == 200 and approved.json()["status"] == "executed"
    assert approved.json()["receipt_number"] and approved.json()["refund_id"].startswith("SIMR")
    second = services.request_refund(case_id=case.pk, by=people.cashier, amount_fen=5000, reason="依法全部退还")
    services.approve_refund(case_id=case.pk, request_id=second.pk, by=people.approver)
    assessment.refresh_from_db()
    assert assessment.refunded_fen == 8000 and Refund.objects.count() == 2
    assert Notice.objects.filter(application=case, kind="refund").count() == 2
    listed = client(people.applicant).get(url)
    assert listed.status_code == 200 and [r["status"] for r in listed.json()] == ["executed", "executed"]
    pdf = client(people.applicant).get(f"/api/v1/applications/{case.number}/notices/refund")
    assert pdf.status_code == 200


def test_never_more_than_paid_net_of_earlier_refunds(people):
    case, _assessment = paid_case(people)
    url = f"/api/v1/applications/{case.number}/fees/refunds"
    too_much = client(people.clerk).post(url, {"amount_fen": 8001, "reason": "退款"}, format="json")
    assert too_much.status_code == 400 and "amount_fen" in too_much.json()["fields"]
    first = services.request_refund(case_id=case.pk, by=people.clerk, amount_fen=6000, reason="部分退还")
    # a pending request counts: 6000 + 3000 > 8000
    assert client(people.clerk).post(url, {"amount_fen": 3000, "reason": "再退"}, format="json").status_code == 400
    services.approve_refund(case_id=case.pk, request_id=first.pk, by=people.approver)
    assert client(people.clerk).post(url, {"amount_fen": 2001, "reason": "再退"}, format="json").status_code == 400
    assert client(people.clerk).post(url, {"amount_fen": 2000, "reason": "再退"}, format="json").status_code == 201
    assert client(people.clerk).post(url, {"amount_fen": 0, "reason": "零"}, format="json").status_code == 400


def test_the_second_person_rule(people):
    case, _assessment = paid_case(people)
    department = Department.objects.get(code="ZRZYJ")
    StaffMembership.objects.create(user=people.approver, department=department, role=Role.CLERK)
    request = services.request_refund(case_id=case.pk, by=people.approver, amount_fen=1000, reason="多收")
    with pytest.raises(NotPermitted):
        services.approve_refund(case_id=case.pk, request_id=request.pk, by=people.approver)
    with pytest.raises(NotPermitted):  # a clerk is not an approver
        services.approve_refund(case_id=case.pk, request_id=request.pk, by=people.clerk_b)
    with pytest.raises(NotPermitted):  # a reviewer may not request
        services.request_refund(case_id=case.pk, by=people.reviewer, amount_fen=1000, reason="多收")
    assert RefundRequest.objects.get().status == "requested" and not Refund.objects.exists()


def test_an_approved_request_is_not_executed_twice(people):
    case, _assessment = paid_case(people)
    request = services.request_refund(case_id=case.pk, by=people.clerk, amount_fen=1000, reason="多收")
    services.approve_refund(case_id=case.pk, request_id=request.pk, by=people.approver)
    with pytest.raises(Conflict):
        services.approve_refund(case_id=case.pk, request_id=request.pk, by=people.approver)
    assert Refund.objects.count() == 1


def test_others_cannot_see_or_request_refunds(people):
    case, _assessment = paid_case(people)
    url = f"/api/v1/applications/{case.number}/fees/refunds"
    assert client(people.applicant2).get(url).status_code == 404
    assert client(people.clerk2).post(url, {"amount_fen": 100, "reason": "x"}, format="json").status_code == 404
    with pytest.raises(OutsideScope):
        services.request_refund(case_id=case.pk, by=people.clerk2, amount_fen=100, reason="x")


def test_payment_and_refund_rows_are_immutable_and_chained(people):
    case, _assessment = paid_case(people)
    request = services.request_refund(case_id=case.pk, by=people.clerk, amount_fen=1000, reason="多收")
    services.approve_refund(case_id=case.pk, request_id=request.pk, by=people.approver)
    refund = Refund.objects.get()
    assert len(refund.row_hash) == 64 and refund.prev_hash == "0" * 64
    for table, pk in (("fees_refund", refund.pk), ("fees_payment", Payment.objects.get().pk)):
        for sql in (f"UPDATE {table} SET amount_fen = 1 WHERE id = %s", f"DELETE FROM {table} WHERE id = %s"):
            with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [pk])
    report = verify()
    assert report.broken is None and report.counts["refund"]["rows"] == 1


def test_the_staff_refund_page(people, client):
    case, _assessment = paid_case(people)
    page = f"/fees/refunds/{case.number}/"
    client.force_login(people.clerk)
    assert "可退金额" in client.get(page).content.decode()
    assert client.post(page, {"amount": "90", "reason": "多收"}).status_code == 400  # more than paid
    assert client.post(page, {"amount": "30", "reason": "多收登记费"}).status_code == 302
    request = RefundRequest.objects.get()
    client.force_login(people.approver)
    assert "批准退款" in client.get(page).content.decode()
    client.post(f"{page}{request.pk}/approve/")
    assert RefundRequest.objects.get().status == "executed" and Refund.objects.get().amount_fen == 3000
    client.force_login(people.clerk2)
    assert client.get(page).status_code == 404
