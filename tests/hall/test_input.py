"""Hostile input a user can send answers 4xx in the JSON error shape, never 500 (issue 12, points 2 and 4)."""

import pytest
from rest_framework.parsers import JSONParser as DrfJSONParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView

from hall.parsers import MAX_DEPTH
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DEEP_JSON = "[" * 2000  # 2 KB: enough for json's RecursionError in DRF's own parser
NESTED_BUT_PARSEABLE = '{"a":' * (MAX_DEPTH + 10) + "1" + "}" * (MAX_DEPTH + 10)


def assert_json_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    body = response.json()
    assert set(body) == {"error", "detail", "fields"}
    assert body["error"] == code
    return body


@pytest.fixture
def applicant_api():
    api = APIClient()
    api.force_authenticate(UserFactory(username="nested-applicant", roles=["applicant"]))
    return api


@pytest.mark.parametrize("body", [DEEP_JSON, '{"username": ' + DEEP_JSON, NESTED_BUT_PARSEABLE])
def test_deeply_nested_json_to_the_token_endpoint_is_400_anonymously(body):
    response = APIClient().post("/api/v1/auth/token", data=body, content_type="application/json")
    body = assert_json_error(response, 400, "parse_error")
    assert "嵌套" in body["detail"]


@pytest.mark.parametrize("body", [DEEP_JSON, '{"item_code": "X", "form": ' + NESTED_BUT_PARSEABLE + "}"])
def test_deeply_nested_json_when_filing_an_application_is_400(applicant_api, body):
    response = applicant_api.post("/api/v1/applications", data=body, content_type="application/json")
    assert_json_error(response, 400, "parse_error")


def test_ordinary_nesting_still_parses(applicant_api):
    """A real application body nests three levels; it reaches the serializer (400 for the unknown item)."""
    body = {"item_code": "NO-SUCH-ITEM", "applicant": {"type": "person", "name": "张三"}, "form": {"a": {"b": [1]}}}
    response = applicant_api.post("/api/v1/applications", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid"


class _DrfParserView(APIView):
    """A view that still names DRF's own JSONParser: the exception handler is the backstop."""

    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = [DrfJSONParser]

    def post(self, request):
        return Response({"keys": len(request.data)})


def test_recursion_error_from_drf_own_parser_is_400_json():
    request = APIRequestFactory().post("/api/v1/x", data=DEEP_JSON, content_type="application/json")
    response = _DrfParserView.as_view()(request)
    response.render()
    assert response.status_code == 400
    assert response.data["error"] == "parse_error"


@pytest.mark.parametrize(
    "username",
    ["进度100%00完成", "100%2500", "a\\u0000b", "%00"],
    ids=["percent-00-in-text", "percent-25-00", "escaped-backslash-u0000", "bare-percent-00"],
)
def test_literal_percent_00_in_json_text_reaches_the_view(username):
    """Text that merely looks like an encoded NUL is ordinary text (issue 12, point 4)."""
    response = APIClient().post("/api/v1/auth/token", {"username": username, "password": "x"}, format="json")
    assert_json_error(response, 400, "invalid_credentials")


def test_literal_percent_00_in_a_query_value_is_searched_for():
    response = APIClient().get("/api/v1/catalog/items?q=100%2500")
    assert response.status_code == 200, response.content[:300]


def test_literal_percent_00_in_a_form_field_reaches_the_form(client):
    response = client.post("/accounts/login/", {"username": "进度100%00完成", "password": "100%00"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"path": "/api/v1/catalog/items?q=a%00b"}, 400),
        ({"path": "/api/v1/catalog/items?a%00=b"}, 400),
        ({"path": "/api/v1/auth/token", "data": '{"username": "a\\u0000", "password": "b"}'}, 400),
        ({"path": "/api/v1/auth/token", "data": '{"username": "a\\\\\\u0000", "password": "b"}'}, 400),
        ({"path": "/api/v1/auth/token", "data": b'{"username": "a\x00", "password": "b"}'}, 400),
        ({"path": "/accounts/login/", "data": "username=a%00&password=b", "form": True}, 400),
    ],
    ids=["query-value", "query-key", "json-escape", "json-escape-after-escaped-backslash", "raw-byte", "form-field"],
)
def test_real_nul_characters_are_still_refused(client, kwargs, status):
    path = kwargs["path"]
    if "data" not in kwargs:
        response = client.get(path)
    else:
        content_type = "application/x-www-form-urlencoded" if kwargs.get("form") else "application/json"
        response = client.post(path, data=kwargs["data"], content_type=content_type)
    assert response.status_code == status, response.content[:300]
    if path.startswith("/api/"):
        assert_json_error(response, status, "bad_request")


def test_a_number_sent_for_a_text_field_is_400_on_that_field(db):
    """The schema says ``type: string``: a JSON number for a text field is refused, not coerced."""
    from rest_framework.test import APIClient

    response = APIClient().post("/api/v1/auth/token", {"username": 13800000001, "password": "x"}, format="json")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"username"}
