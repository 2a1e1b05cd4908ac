"""The anomalies (异常行为) for supervisors: ``GET /api/v1/supervision/anomalies`` and the page
/supervision/anomalies/ (only supervisors; 401/403 and the login page for the others), their filters
and paging, and a 督办 issued from an anomaly (the API body ``anomaly_id``, the page's link)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from hall.models import AuditEntry, Department
from supervision.models import Anomaly, Order
from supervision.rules import detect_anomalies
from tests.approvals import helpers
from tests.approvals.helpers import act, at, frozen

URL = "/api/v1/supervision/anomalies"
PAGE = "/supervision/anomalies/"


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def fast(people):
    """A case decided within the hour of its acceptance: one ``fast_decision`` anomaly, detected 10-08."""
    with frozen(at(2026, 9, 30, 9)):
        case = helpers.submitted_case(people)
    with frozen(at(2026, 9, 30, 16)):
        for action in ("accept", "start_review", "recommend", "approve"):
            case = act(action, case, people)
    detect_anomalies(at(2026, 10, 8, 9))
    return Anomaly.objects.get(application=case)


def many(department: Department, count: int, start=None) -> list[Anomaly]:
    """``count`` anomalies written directly, an hour apart (the list's shape does not depend on the rule)."""
    start = start or at(2026, 11, 2, 9)
    return Anomaly.objects.bulk_create(
        Anomaly(rule=Anomaly.Rule.CLERK_SUSPENSIONS, key=f"user:{n}:2026-11", department=department,
                occurred_at=start, detected_at=start + timedelta(hours=n),
                evidence=[{"kind": "event", "id": n, "at": "2026-11-02T01:00:00+00:00", "summary": "启动特别程序",
                           "case_number": "X-1"}])
        for n in range(count)
    )  # fmt: skip


# --- API -------------------------------------------------------------------------------------------


def test_supervisors_read_the_anomalies_others_are_refused(people, fast):
    assert api().get(URL).status_code == 401
    for role in ("applicant", "clerk", "reviewer", "approver", "cashier"):
        refused = api(getattr(people, role)).get(URL)
        assert refused.status_code == 403, role
        assert refused.json()["error"] == "permission_denied"
    assert api(people.supervisor).get(URL).status_code == 200


def test_the_shape_names_the_rule_the_case_the_department_and_the_evidence(people, fast):
    item = api(people.supervisor).get(URL).json()["results"][0]
    case = fast.application
    assert {k: item[k] for k in ("id", "rule", "rule_label", "case_number", "department", "detected_at")} == {
        "id": fast.pk, "rule": "fast_decision", "rule_label": "办结过快", "case_number": case.number,
        "department": {"code": case.department.code, "name": case.department.name},
        "detected_at": "2026-10-08T09:00:00+08:00",
    }  # fmt: skip
    assert "行政许可法" in item["law"] and item["reason"]
    assert [e["summary"] for e in item["evidence"]] == ["受理", "准予"]  # in time order
    assert item["evidence"][0] | {"id": None} == {
        "kind": "event", "kind_label": "办件日志", "id": None, "at": "2026-09-30T16:00:00+08:00", "summary": "受理",
        "case_number": case.number, "amount_fen": None, "standard_fen": None, "quantity": None,
    }  # fmt: skip


def test_newest_first_cursor_pages_and_filters(people, fast):
    zrzyj = fast.department
    other = Department.objects.exclude(pk=zrzyj.pk).first()
    many(other, 3)
    client = api(people.supervisor)
    first = client.get(URL, {"page_size": 2}).json()
    assert [r["detected_at"] for r in first["results"]] == ["2026-11-02T11:00:00+08:00", "2026-11-02T10:00:00+08:00"]
    second = client.get(first["next"]).json()
    assert [r["rule"] for r in second["results"]] == ["clerk_suspensions", "fast_decision"]
    assert [r["id"] for r in client.get(URL, {"department": zrzyj.code}).json()["results"]] == [fast.pk]
    assert len(client.get(URL, {"rule": "clerk_suspensions"}).json()["results"]) == 3
    assert [r["id"] for r in client.get(URL, {"to": "2026-10-08"}).json()["results"]] == [fast.pk]
    assert len(client.get(URL, {"from": "2026-10-09"}).json()["results"]) == 3
    assert len(client.get(URL, {"from": "2026-11-02", "to": "2026-11-02"}).json()["results"]) == 3


@pytest.mark.parametrize(
    "query, field",
    [({"rule": "speeding"}, "rule"), ({"department": "NOPE"}, "department"), ({"from": "yesterday"}, "from"),
     ({"from": "2026-11-02", "to": "2026-11-01"}, "to"), ({"page_size": "0"}, "page_size")],
)  # fmt: skip
def test_bad_filters_are_400_naming_the_field(people, query, field):
    answer = api(people.supervisor).get(URL, query)
    assert answer.status_code == 400
    assert answer.json()["error"] and field in answer.json()["fields"]


def test_the_schema_documents_the_endpoint(people):
    schema = api(people.supervisor).get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/supervision/anomalies"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"rule", "department", "from", "to", "cursor", "page_size"}
    assert {"200", "400", "401", "403"} <= set(operation["responses"])


# --- 督办 from an anomaly --------------------------------------------------------------------------


def test_an_order_issued_from_an_anomaly_takes_its_case(people, fast):
    body = {"anomaly_id": fast.pk, "department_code": fast.department.code, "text": "请说明审查过程", "due_days": 3}
    created = api(people.supervisor).post("/api/v1/supervision/orders", body, format="json")
    assert created.status_code == 201, created.content
    assert (created.json()["anomaly_id"], created.json()["case_number"]) == (fast.pk, fast.application.number)
    order = Order.objects.get()
    assert (order.anomaly, order.application) == (fast, fast.application)
    assert AuditEntry.objects.get(action="supervision.issue_order").detail["anomaly"] == fast.pk
    missing = api(people.supervisor).post("/api/v1/supervision/orders", {**body, "anomaly_id": 999999}, format="json")
    assert missing.status_code == 400 and "anomaly_id" in missing.json()["fields"]


def test_the_page_opens_the_order_form_with_the_anomaly_preset(people, fast, client):
    client.force_login(people.supervisor)
    listing = client.get(PAGE).content.decode()
    assert f"/supervision/orders/?anomaly={fast.pk}#issue" in listing
    form = client.get(f"/supervision/orders/?anomaly={fast.pk}").content.decode()
    assert f'name="anomaly_id" value="{fast.pk}"' in form and f'value="{fast.application.number}"' in form
    assert "异常行为“办结过快”" in form and 'id="order-anomaly"' in form
    sent = client.post("/supervision/orders/", {"anomaly_id": fast.pk, "department_code": fast.department.code,
                                                "case_number": fast.application.number, "text": "请说明审查过程",
                                                "due_days": 3})  # fmt: skip
    assert sent.status_code == 302
    assert Order.objects.get().anomaly == fast
    assert "已督办" in client.get(PAGE).content.decode()


# --- the page ---------------------------------------------------------------------------------------


def test_the_page_is_for_supervisors_only(people, client):
    assert client.get(PAGE).status_code == 302  # to the login page
    for role in ("applicant", "clerk", "approver"):
        client.force_login(getattr(people, role))
        assert client.get(PAGE).status_code == 403, role


def test_the_page_shows_rule_reason_evidence_and_links_to_the_case(people, fast, client):
    client.force_login(people.supervisor)
    page = client.get(PAGE).content.decode()
    case = fast.application
    assert "办结过快" in page and "可能未经实质审查" in page
    assert f'href="/workbench/cases/{case.number}/"' in page
    assert "办件日志" in page and "准予" in page
    assert "2026-09-30 16:00" in page  # the evidence's time, hall time


def test_bad_filters_on_the_page_are_told_not_a_500(people, client):
    client.force_login(people.supervisor)
    refused = client.get(PAGE, {"rule": "speeding"})
    assert refused.status_code == 400 and "没有这条规则" in refused.content.decode()
    assert client.get(PAGE, {"before": "garbage"}).status_code == 400


def test_the_page_pages_newest_first(people, client):
    department = Department.objects.first()
    rows = many(department, 53)
    client.force_login(people.supervisor)
    first = client.get(PAGE)
    assert first.context["page"].rows[0].pk == rows[-1].pk and len(first.context["page"].rows) == 50
    cursor = first.context["page"].next_cursor
    second = client.get(PAGE, {"before": cursor})
    assert [r.pk for r in second.context["page"].rows] == [r.pk for r in rows[2::-1]]


def test_the_page_takes_the_same_number_of_queries_at_any_size(people, client):
    department = Department.objects.first()
    client.force_login(people.supervisor)
    counts = []
    for size in (2, 40):
        Anomaly.objects.all().delete()
        many(department, size)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(PAGE).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1] and counts[0] <= 12, counts


def test_the_api_list_does_not_grow_with_the_anomalies(people):
    """Issue 22: ``GET /api/v1/supervision/anomalies``, 5 rows then a full page, not more statements."""
    from tests.querycount import assert_flat

    department = Department.objects.first()
    many(department, 5)
    caller = api(people.supervisor)
    assert_flat(
        lambda: caller.get(URL).json()["results"],
        lambda: (Anomaly.objects.all().delete(), many(department, 40)),
        len,
    )
