"""``POST /api/v1/fees/callback/simulator`` (DESIGN.md, Payments) and the case's ``fees`` shape."""

import json

import pytest
from rest_framework.test import APIClient

from fees import services
from fees.models import Payment, PaymentAnomaly
from tests.fees.helpers import assessed_case

URL = "/api/v1/fees/callback/simulator"


def post(body: bytes, signature: str | None = None):
    signature = services.sign(body) if signature is None else signature
    return APIClient().post(URL, body, content_type="application/json", HTTP_X_SIGNATURE=signature)


def body_for(code: str, amount: int, transaction_id: str = "SIM-100") -> bytes:
    return json.dumps({"payment_code": code, "amount_fen": amount, "transaction_id": transaction_id,
                       "paid_at": "2026-09-30T10:05:00+08:00"}, separators=(",", ":")).encode()  # fmt: skip


def test_callback_books_then_answers_the_repeat_idempotently(people):
    case, assessment = assessed_case(people)
    body = body_for(assessment.payment_code, 8000)
    first = post(body)
    assert first.status_code == 201 and first.json()["created"] is True
    assert first.json()["receipt_number"] == Payment.objects.get().receipt_number
    repeat = post(body)
    assert repeat.status_code == 200 and repeat.json()["created"] is False and Payment.objects.count() == 1
    api = APIClient()
    api.force_authenticate(people.applicant)
    fees = api.get(f"/api/v1/applications/{case.number}").json()["fees"]
    assert fees == {"due_fen": 8000, "paid_fen": 8000, "refunded_fen": 0, "waived_fen": 0,
                    "payment_code": assessment.payment_code, "status": "paid"}  # fmt: skip


def test_bad_signature_records_nothing(people):
    _case, assessment = assessed_case(people)
    body = body_for(assessment.payment_code, 8000)
    for signature in ("", "0" * 64, services.sign(body + b" ")):
        response = post(body, signature)
        assert response.status_code == 400 and response.json()["error"] == "bad_signature"
    assert not Payment.objects.exists() and not PaymentAnomaly.objects.exists()


def test_wrong_amount_is_400_with_fields_and_an_anomaly(people):
    _case, assessment = assessed_case(people)
    response = post(body_for(assessment.payment_code, 9000))
    assert response.status_code == 400 and "amount_fen" in response.json()["fields"]
    assert PaymentAnomaly.objects.get().reason == "wrong_amount" and not Payment.objects.exists()


@pytest.mark.parametrize("body", [b"", b"{", b"null", b'{"amount_fen": true}', "缴费".encode()])
def test_garbage_bodies_are_400_never_500(people, body):
    response = post(body)
    assert response.status_code == 400 and set(response.json()) >= {"error", "detail", "fields"}


def test_unknown_gateway_is_404_and_get_is_not_allowed(people):
    assert APIClient().post("/api/v1/fees/callback/alipay", b"{}", content_type="application/json").status_code == 404
    assert APIClient().get(URL).status_code == 405
