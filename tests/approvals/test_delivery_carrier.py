"""Delivery (issue 18): express through a courier with signed, idempotent tracking callbacks whose delivery
date is the one art. 44 is measured to; the 送达回证 signed on screen or uploaded as a scan."""

import base64
import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from approvals import carriers, services
from approvals.models import DeliveryProof, Event, Licence, Shipment, ShipmentEvent
from hall.errors import TransitionNotAllowed
from supervision.models import Warning
from supervision.scan import scan_deadlines
from tests.approvals.helpers import PDF, act, case_in, frozen, publish_revision, reload

EXPRESS = {"method": "express", "recipient": "张伟", "phone": "13800000001", "address": "杭州市西湖区文三路 1 号"}
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32
SIGNATURE = "data:image/png;base64," + base64.b64encode(PNG).decode()


def dispatched(people):
    """An approved case whose applicant chose express, handed to the simulator courier."""
    publish_revision(channel_express=True)
    case = case_in("awaiting_decision", people)
    services.choose_delivery(case_id=case.pk, by=people.applicant, **EXPRESS)
    act("approve", case, people)
    return services.dispatch_by_express(case_id=case.pk, by=people.clerk)


def callback(shipment, status, at, *, event_id=None, secret_ok=True, api=None):
    body = json.dumps({"waybill": shipment.waybill, "event_id": event_id or f"{shipment.waybill}-{status}",
                       "status": status, "at": at.isoformat(), "signed_by": "张伟"}).encode()  # fmt: skip
    signature = carriers.sign(body) if secret_ok else "0" * 64
    return (api or APIClient()).post("/api/v1/delivery/callback/simulator", body, content_type="application/json",
                                     HTTP_X_SIGNATURE=signature)  # fmt: skip


def test_dispatch_books_a_waybill_and_the_case_waits_for_the_courier(people):
    case = dispatched(people)
    shipment = Shipment.objects.get(application=case)
    assert case.state == "decided" and case.tracking_number == shipment.waybill
    assert (shipment.status, shipment.address) == ("created", "杭州市西湖区文三路 1 号")
    assert Event.objects.filter(application=case, action="dispatch").count() == 1
    with pytest.raises(TransitionNotAllowed):  # one live waybill per case
        services.dispatch_by_express(case_id=case.pk, by=people.clerk)


def test_forged_callback_is_refused_and_changes_nothing(people):
    case = dispatched(people)
    shipment = Shipment.objects.get(application=case)
    response = callback(shipment, "delivered", case.decided_at, secret_ok=False)
    assert response.status_code == 400 and response.json()["error"] == "bad_signature"
    assert reload(case).state == "decided" and not ShipmentEvent.objects.exists()


def test_courier_delivery_delivers_the_case_dated_by_the_courier_and_a_replay_changes_nothing(people):
    case = dispatched(people)
    shipment = Shipment.objects.get(application=case)
    signed_at = case.decided_at + timedelta(days=2)
    with frozen(case.decided_at + timedelta(days=3)):  # reported a day after the recipient signed
        in_transit = callback(shipment, "in_transit", case.decided_at + timedelta(hours=2))
        assert in_transit.status_code == 201 and reload(case).state == "decided"
        done = callback(shipment, "delivered", signed_at)
        replay = callback(shipment, "delivered", signed_at)
    assert done.status_code == 201 and replay.status_code == 200
    case = reload(case)
    assert case.state == "delivered" and case.delivered_at == signed_at and case.delivery_method == "express"
    event = Event.objects.get(application=case, action="deliver")
    assert event.actor is None and event.actor_role == "carrier" and event.data["waybill"] == shipment.waybill
    assert ShipmentEvent.objects.filter(shipment=shipment).count() == 2
    assert Licence.objects.filter(application=case).count() == 1  # issued on delivery, once
    tracking = APIClient()
    tracking.force_authenticate(people.applicant)
    rows = tracking.get(f"/api/v1/applications/{case.number}/tracking").json()
    assert [e["kind"] for e in rows[0]["events"]] == ["in_transit", "delivered"]


def test_invalid_callbacks_answer_400_with_fields(people):
    case = dispatched(people)
    shipment = Shipment.objects.get(application=case)
    future = callback(shipment, "delivered", case.decided_at + timedelta(days=30))
    assert future.status_code == 400 and "at" in future.json()["fields"]
    body = json.dumps({"waybill": "NOPE", "event_id": "x", "status": "delivered",
                       "at": case.decided_at.isoformat()}).encode()  # fmt: skip
    unknown = APIClient().post("/api/v1/delivery/callback/simulator", body, content_type="application/json",
                               HTTP_X_SIGNATURE=carriers.sign(body))  # fmt: skip
    assert unknown.status_code == 400 and "waybill" in unknown.json()["fields"]
    assert APIClient().post("/api/v1/delivery/callback/nope", body, content_type="application/json",
                            HTTP_X_SIGNATURE=carriers.sign(body)).status_code == 404  # fmt: skip


def test_art_44_is_measured_to_the_couriers_delivery_date(people):
    """行政许可法 art. 44: a result signed for after ``delivery_due`` is late even if reported later; one
    signed for in time is not late even if the courier reports it after the due instant."""
    late, on_time = dispatched(people), dispatched(people)
    due = late.delivery_due
    with frozen(due + timedelta(days=2)):
        callback(Shipment.objects.get(application=late), "delivered", due + timedelta(hours=1))
        callback(Shipment.objects.get(application=on_time), "delivered", due - timedelta(hours=1))
        scan_deadlines()
    assert Warning.objects.filter(application=late, kind="delivery", level="red").count() == 1
    assert not Warning.objects.filter(application=on_time, kind="delivery").exists()
    card = Warning.objects.get(application=late, kind="delivery")
    assert card.resolved_at == due + timedelta(hours=1)


def test_window_pickup_keeps_the_screen_signature(people):
    case = act("approve", case_in("awaiting_decision", people), people)
    with pytest.raises(ValidationError) as error:
        services.deliver_result(case_id=case.pk, by=people.clerk, method="window", signature="data:text/plain,hi")
    assert set(error.value.message_dict) == {"signature", "recipient_name"}
    services.deliver_result(case_id=case.pk, by=people.clerk, method="window", signature=SIGNATURE,
                            recipient_name="张伟")  # fmt: skip
    proof = DeliveryProof.objects.get(application=case)
    assert (proof.kind, proof.recipient_name, proof.content_type) == ("signature", "张伟", "image/png")
    assert proof.file.read() == PNG


def test_the_scan_of_the_hand_signed_receipt_is_uploaded_after_delivery(people):
    case = act("approve", case_in("awaiting_decision", people), people)
    api = APIClient()
    api.force_authenticate(people.clerk)
    url = f"/api/v1/applications/{case.number}/delivery/receipt"
    early = api.post(url, {"recipient_name": "张伟", "file": SimpleUploadedFile("回证.pdf", PDF)}, format="multipart")
    assert early.status_code == 409
    act("deliver", case, people)
    done = api.post(url, {"recipient_name": "张伟", "file": SimpleUploadedFile("回证.pdf", PDF)}, format="multipart")
    assert done.status_code == 201
    wrong = api.post(url, {"recipient_name": "张伟", "file": SimpleUploadedFile("a.gif", b"GIF89a" + b"0" * 20)},
                     format="multipart")  # fmt: skip
    assert wrong.status_code == 415
    assert DeliveryProof.objects.get(application=case).kind == "scan"
    applicant = APIClient()
    applicant.force_authenticate(people.applicant)
    assert applicant.post(url, {"recipient_name": "x", "file": SimpleUploadedFile("a.pdf", PDF)},
                          format="multipart").status_code == 403  # fmt: skip
