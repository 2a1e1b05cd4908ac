"""Callbacks that cannot be fooled (issue 15, point 4): unique transaction ids per gateway, strict
``paid_at``, idempotent repeats, and an append-only inbound log of every notification."""

import json

import pytest
from django.db import connection
from django.db.utils import DatabaseError
from rest_framework.test import APIClient

from fees import services
from fees.models import Assessment, InboundCallback, Payment, PaymentAnomaly
from tests.fees.helpers import assessed_case, fee_case, standards

URL = "/api/v1/fees/callback/simulator"


def post(body: bytes, signature: str | None = None):
    signature = services.sign(body) if signature is None else signature
    return APIClient().post(URL, body, content_type="application/json", HTTP_X_SIGNATURE=signature)


def body_for(code: str, amount: int = 8000, transaction_id: str = "SIM-1", paid_at="2026-09-30T10:05:00+08:00"):
    return json.dumps({"payment_code": code, "amount_fen": amount, "transaction_id": transaction_id,
                       "paid_at": paid_at}, separators=(",", ":")).encode()  # fmt: skip


def test_forged_signature_is_400_and_only_the_inbound_log_keeps_it(people):
    _case, assessment = assessed_case(people)
    body = body_for(assessment.payment_code)
    response = post(body, "f" * 64)
    assert response.status_code == 400 and response.json()["error"] == "bad_signature"
    assert not Payment.objects.exists() and not PaymentAnomaly.objects.exists()
    log = InboundCallback.objects.get()
    assert (log.signature_ok, log.outcome, log.http_status, log.body) == (False, "bad_signature", 400, body.decode())
    assert log.signature == "f" * 64 and log.client_ip == "127.0.0.1"


def test_the_same_callback_five_times_books_one_payment(people):
    _case, assessment = assessed_case(people)
    body = body_for(assessment.payment_code)
    answers = [post(body).status_code for _ in range(5)]
    assert answers == [201, 200, 200, 200, 200]
    assert Payment.objects.count() == 1
    assert list(InboundCallback.objects.order_by("id").values_list("outcome", flat=True)) == [
        "booked", "repeat", "repeat", "repeat", "repeat"]  # fmt: skip


def test_a_transaction_id_reused_on_another_code_is_400_and_an_anomaly(people):
    _case, first = assessed_case(people)
    assert post(body_for(first.payment_code, transaction_id="SIM-REUSED")).status_code == 201
    second_case = fee_case(people)
    second = services.assess_fees(case_id=second_case.pk, by=people.clerk,
                                  lines=[{"standard_id": standards(second_case)[0].pk}])  # fmt: skip
    response = post(body_for(second.payment_code, transaction_id="SIM-REUSED"))
    assert response.status_code == 400 and "transaction_id" in response.json()["fields"]
    anomaly = PaymentAnomaly.objects.get()
    assert (anomaly.reason, anomaly.payment_code) == ("txn_reused", second.payment_code)
    assert Payment.objects.count() == 1
    second.refresh_from_db()
    assert second.status == Assessment.Status.DUE
    assert InboundCallback.objects.filter(outcome="refused", http_status=400).count() == 1


def test_a_known_transaction_id_with_another_amount_is_refused(people):
    _case, assessment = assessed_case(people)
    assert post(body_for(assessment.payment_code)).status_code == 201
    response = post(body_for(assessment.payment_code, amount=7000))
    assert response.status_code == 400
    assert PaymentAnomaly.objects.get().reason == "txn_reused" and Payment.objects.count() == 1


@pytest.mark.parametrize(
    "paid_at",
    ["2026-13-45T99:00:00+08:00", "2026-02-30T10:00:00+08:00", "2099-01-01T00:00:00+08:00",
     "1999-12-31T23:00:00+08:00", "2026-09-30T10:05:00", "yesterday", 20260930, None],
)  # fmt: skip
def test_an_invalid_or_absurd_paid_at_is_400_never_500(people, paid_at):
    _case, assessment = assessed_case(people)
    response = post(body_for(assessment.payment_code, paid_at=paid_at))
    assert response.status_code == 400 and "paid_at" in response.json()["fields"]
    assert not Payment.objects.exists()
    assert InboundCallback.objects.get().outcome == "invalid"


def test_a_payment_before_the_assessment_is_400(people):
    _case, assessment = assessed_case(people)
    response = post(body_for(assessment.payment_code, paid_at="2026-09-01T10:00:00+08:00"))
    assert response.status_code == 400 and "paid_at" in response.json()["fields"]
    assert not Payment.objects.exists()


def test_an_unknown_gateway_is_logged_too(people):
    assert APIClient().post("/api/v1/fees/callback/alipay", b"{}", content_type="application/json").status_code == 404
    assert InboundCallback.objects.get().outcome == "unknown_gateway"


def test_the_inbound_log_is_append_only(people):
    _case, assessment = assessed_case(people)
    post(body_for(assessment.payment_code))
    if connection.vendor != "postgresql":
        pytest.skip("the guard is a PostgreSQL trigger")
    with pytest.raises(DatabaseError):
        InboundCallback.objects.update(outcome="booked", http_status=200)
