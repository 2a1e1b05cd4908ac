"""The OpenAPI schema describes what the API answers (issue 12, point 7): nullable timestamps, every
error status with the one error shape, validated paging parameters, request bodies from the workflow."""

import pytest
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from approvals import workflow

ERROR_REF = {"$ref": "#/components/schemas/Error"}


@pytest.fixture(scope="module")
def schema():
    generated = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(generated)  # raises on an invalid OpenAPI 3 document
    return generated


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", operation


def test_every_error_response_is_documented_with_the_error_shape(schema):
    for label, operation in operations(schema):
        codes = set(operation["responses"])
        assert "429" in codes, label  # every view is throttled
        for code, response in operation["responses"].items():
            if code.startswith("4"):
                assert response["content"]["application/json"]["schema"] == ERROR_REF, (label, code)
    error = schema["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"error", "detail", "fields"}


def test_statuses_follow_what_each_operation_can_do(schema):
    paths = schema["paths"]
    transition = paths["/api/v1/applications/{number}/transitions/{name}"]["post"]["responses"]
    assert {"400", "401", "403", "404", "409", "415", "429"} <= set(transition)
    upload = paths["/api/v1/applications/{number}/materials"]["post"]["responses"]
    assert {"413", "415"} <= set(upload)
    progress = paths["/api/v1/progress"]["get"]["responses"]
    assert {"400", "404", "429"} <= set(progress) and "403" not in progress
    assert {"401", "403"} <= set(paths["/api/v1/supervision/summary"]["get"]["responses"])


def test_timestamps_that_can_be_empty_are_nullable(schema):
    components = schema["components"]["schemas"]
    for name, fields in {
        "Case": ["submitted_at", "received_at", "accepted_at", "decided_at", "delivered_at", "accept_due",
                 "decision_due", "decision_yellow_at", "delivery_due"],
        "CaseRow": ["submitted_at", "decision_due"],
        "Progress": ["submitted_at", "accepted_at", "decided_at", "delivered_at", "decision_due"],
        "Item": ["published_at"],
    }.items():  # fmt: skip
        for field in fields:
            assert components[name]["properties"][field].get("nullable") is True, (name, field)
    assert components["Case"]["properties"]["created_at"].get("nullable") is not True


def test_item_shapes_are_described_not_left_empty(schema):
    item = schema["paths"]["/api/v1/catalog/items/{code}"]["get"]["responses"]["200"]
    assert item["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Item"}
    listing = schema["paths"]["/api/v1/catalog/items"]["get"]["responses"]["200"]
    assert listing["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/PaginatedItemSummaryList"}
    fee = schema["components"]["schemas"]["Fee"]
    assert "amount_fen" not in fee["required"] and "rule" not in fee["required"]


def test_the_transition_body_is_built_from_the_workflow_table(schema):
    body = schema["paths"]["/api/v1/applications/{number}/transitions/{name}"]["post"]["requestBody"]
    assert body["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/TransitionBody"}
    union = schema["components"]["schemas"]["TransitionBody"]["anyOf"]  # bodies overlap: {"reason"} fits several
    variants = {ref["$ref"].rsplit("/", 1)[1] for ref in union}
    from_table = {
        step.body_class().__name__.removesuffix("Serializer")
        for step in workflow.STEPS
        if step.body != workflow.NO_BODY
    }
    assert variants == from_table
    name = schema["paths"]["/api/v1/applications/{number}/transitions/{name}"]["post"]["parameters"]
    assert set(next(p for p in name if p["name"] == "name")["schema"]["enum"]) == set(workflow.BY_NAME)


@pytest.mark.parametrize("url", ["/api/v1/applications", "/api/v1/supervision/warnings", "/api/v1/catalog/items"])
@pytest.mark.parametrize("page_size", ["null", "abc", "0", "-1", "1e2", "100000", "٣"])
def test_a_page_size_that_is_not_a_whole_number_in_range_is_a_400_with_fields(people, url, page_size):
    api = APIClient()
    api.force_authenticate(people.supervisor if "supervision" in url else people.applicant)
    response = api.get(url, {"page_size": page_size})
    assert response.status_code == 400, (url, page_size, response.status_code)
    assert response.json()["error"] == "invalid" and "page_size" in response.json()["fields"]


@pytest.mark.parametrize("url", ["/api/v1/applications", "/api/v1/supervision/warnings"])
def test_a_cursor_that_is_not_one_is_a_400_not_a_404(people, url):
    api = APIClient()
    api.force_authenticate(people.supervisor if "supervision" in url else people.applicant)
    response = api.get(url, {"cursor": "not-a-cursor"})
    assert response.status_code == 400 and "cursor" in response.json()["fields"]
    assert api.get(url, {"page_size": "5"}).status_code == 200


def test_a_page_past_the_end_is_a_documented_404_and_a_bad_page_a_400(people):
    api = APIClient()
    assert api.get("/api/v1/catalog/items", {"page": "9999"}).status_code == 404
    response = api.get("/api/v1/catalog/items", {"page": "abc"})
    assert response.status_code == 400 and "page" in response.json()["fields"]


def test_an_empty_open_filter_on_warnings_reads_as_the_default(people):
    """schemathesis (long run) found ``open=`` accepted though the schema forbade it; now documented."""
    api = APIClient()
    api.force_authenticate(people.supervisor)
    assert (
        api.get("/api/v1/supervision/warnings", {"open": ""}).json() == api.get("/api/v1/supervision/warnings").json()
    )
    assert api.get("/api/v1/supervision/warnings", {"open": "maybe"}).status_code == 400


def test_clock_times_written_as_hours_and_minutes_are_not_promised_as_rfc_3339_times(schema):
    """A slot's ``start``/``end`` are ``HH:MM``; ``format: time`` would promise seconds (schemathesis found
    the booking's answer violating it)."""
    import re

    for name in ("Appointment", "Slot"):
        for field in ("start", "end"):
            shape = schema["components"]["schemas"][name]["properties"][field]
            assert "format" not in shape and re.fullmatch(shape["pattern"], "09:00"), (name, field, shape)
    times = [
        (name, field)
        for name, component in schema["components"]["schemas"].items()
        for field, shape in component.get("properties", {}).items()
        if shape.get("format") == "time"
    ]
    assert not times, times  # every clock time the API writes is HH:MM
