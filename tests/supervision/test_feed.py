"""Issue 13, point 6: the event feed carries orders, anomalies and payments too (each item says its
kind), in one ordered stream after the case events that existed when they happened; an escalated
order is a red card on its case until the department answers (point 5)."""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from approvals.models import Event
from fees import services as fees
from supervision.models import FeedEntry, Warning
from tests.approvals import helpers
from tests.approvals.helpers import at, frozen
from tests.fees.helpers import assessed_case
from tests.supervision.test_orders import api, issue
from tests.supervision.test_orders import warned as warned  # the fixture

FEED = "/api/v1/supervision/events"


def feed(user, after: str = "") -> list[dict]:
    client = APIClient()
    client.force_authenticate(user)
    response = client.get(f"{FEED}?after={after}" if after else FEED)
    assert response.status_code == 200
    return response.json()["results"]


def test_order_acts_are_feed_items_after_the_events_of_their_time(people, warned):
    case, _ = warned
    order_id = issue(people, warned).json()["id"]
    with frozen(at(2026, 10, 15, 9)):
        api(people.clerk).post(f"/api/v1/supervision/orders/{order_id}/response", {"text": "已受理"}, format="json")

    items = feed(people.supervisor)
    orders = [item for item in items if item["kind"] == "order"]
    assert [o["action"] for o in orders] == ["order.issue", "order.answer"]
    issued = orders[0]
    assert issued["case_number"] == case.number and issued["at"] == "2026-10-14T10:00:00+08:00"
    assert issued["data"]["id"] == order_id and issued["data"]["state"] == "open"
    assert issued["data"]["department"]["code"] == case.department.code
    assert issued["actor_role"] == "supervisor" and orders[1]["actor_role"] == "staff"
    # after every event that existed when it was issued, in cursor order
    last_event = [i for i in items if i["kind"] == "event"][-1]
    assert issued["cursor"].startswith(last_event["cursor"] + ".")
    assert [i["cursor"] for i in items] == sorted(i["cursor"] for i in items)
    # strictly after a cursor: the answer only
    assert feed(people.supervisor, issued["cursor"]) == [orders[1]]


def test_an_escalated_order_is_a_red_card_until_answered_and_a_feed_item(people, warned):
    case, _ = warned
    order_id = issue(people, warned).json()["id"]
    call_command("scan_deadlines", at="2026-10-19T09:00:00+08:00")
    card = Warning.objects.get(application=case, kind="order", level="red")
    assert card.resolved_at is None and card.raised_at == at(2026, 10, 19, 9)
    escalated = [i for i in feed(people.supervisor) if i["action"] == "order.escalate"]
    assert len(escalated) == 1 and escalated[0]["data"]["level"] == 2 and escalated[0]["actor_role"] == "system"

    call_command("scan_deadlines", at="2026-10-20T09:00:00+08:00")  # the clock does not resolve it
    card.refresh_from_db()
    assert card.resolved_at is None
    assert FeedEntry.objects.filter(action="order.escalate").count() == 1  # once

    with frozen(at(2026, 10, 20, 10)):
        api(people.clerk).post(f"/api/v1/supervision/orders/{order_id}/response", {"text": "已整改"}, format="json")
    card.refresh_from_db()
    assert card.resolved_at == at(2026, 10, 20, 10)
    call_command("scan_deadlines", at="2026-10-21T09:00:00+08:00")
    card.refresh_from_db()
    assert card.resolved_at == at(2026, 10, 20, 10)  # stays resolved


@pytest.fixture
def paid(people):
    case, assessment = assessed_case(people)
    payment = fees.collect_at_window(
        payment_code=assessment.payment_code, by=people.cashier, amount_fen=assessment.due_fen, channel="cash"
    )
    return case, payment


def test_a_payment_is_a_feed_item_of_its_case(people, paid):
    case, payment = paid
    [item] = [i for i in feed(people.supervisor) if i["kind"] == "payment"]
    assert item["action"] == "payment.booked" and item["case_number"] == case.number
    assert item["data"]["amount_fen"] == payment.amount_fen and item["data"]["receipt_number"] == payment.receipt_number
    events = Event.objects.filter(application=case).order_by("id")
    assert item["cursor"] > f"{events.last().pk:016d}"


def test_anomalies_join_the_feed_once(people):
    from supervision.models import Anomaly
    from supervision.rules import detect_anomalies

    case = helpers.case_in("accepted", people)
    # one recorded before this scan (the rules' own cases are in test_anomalies.py) and whatever the scan finds
    Anomaly.objects.create(
        rule=Anomaly.Rule.OFF_SYSTEM, key=f"case:{case.pk}", application=case, department=case.department,
        occurred_at=at(2026, 10, 14, 9), detected_at=at(2026, 10, 14, 9), evidence=[],
    )  # fmt: skip
    detect_anomalies(at(2026, 10, 14, 9))
    detect_anomalies(at(2026, 10, 14, 10))  # nothing twice
    entries = [i for i in feed(people.supervisor) if i["kind"] == "anomaly"]
    assert len(entries) == Anomaly.objects.count() >= 1
    mine = next(e for e in entries if e["data"]["rule"] == "off_system")
    assert mine["action"] == "anomaly.detected" and mine["case_number"] == case.number
    assert mine["data"]["rule_label"] == "体外循环"
