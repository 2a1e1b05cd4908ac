"""Auth and the API base: tokens, /me, and the one JSON error shape."""

import pytest
from rest_framework.test import APIClient

from hall.models import Department
from tests.factories import PASSWORD, UserFactory, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def assert_error_shape(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error", "detail", "fields"}
    assert body["error"] == code
    assert body["detail"]
    return body


def test_token_for_correct_credentials_authenticates_later_calls(api):
    dept = Department.objects.create(code="ZRZYJ", name="区自然资源局")
    staff("clerk", "clerk", dept)
    response = api.post("/api/v1/auth/token", {"username": "clerk", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]

    me = APIClient().get("/api/v1/me", HTTP_AUTHORIZATION=f"Token {token}")
    assert me.status_code == 200
    assert me.json() == {
        "username": "clerk",
        "name": "测试用户" + me.json()["name"].removeprefix("测试用户"),
        "roles": ["clerk"],
        "departments": [{"code": "ZRZYJ", "name": "区自然资源局"}],
        "windows": [],
    }


def test_wrong_credentials_answer_400_json(api):
    UserFactory(username="applicant")
    response = api.post("/api/v1/auth/token", {"username": "applicant", "password": "nope"}, format="json")
    assert_error_shape(response, 400, "invalid_credentials")


def test_missing_fields_name_the_fields(api):
    response = api.post("/api/v1/auth/token", {"username": ""}, format="json")
    body = assert_error_shape(response, 400, "invalid")
    assert set(body["fields"]) == {"username", "password"}


def test_malformed_json_is_400_json(api):
    response = api.post("/api/v1/auth/token", data="{not json", content_type="application/json")
    assert_error_shape(response, 400, "parse_error")


def test_unknown_api_url_is_404_json(api):
    assert_error_shape(api.get("/api/v1/no-such-thing"), 404, "not_found")
    assert_error_shape(api.post("/api/v2/whatever", {}, format="json"), 404, "not_found")


def test_me_without_credentials_is_401_json(api):
    response = api.get("/api/v1/me")
    assert_error_shape(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Token")


def test_bad_token_is_401_json(api):
    response = api.get("/api/v1/me", HTTP_AUTHORIZATION="Token deadbeef")
    assert_error_shape(response, 401, "authentication_failed")


def test_wrong_method_is_405_json(api):
    assert_error_shape(api.get("/api/v1/auth/token"), 405, "method_not_allowed")


def test_repeated_failures_lock_the_login_with_429(api):
    UserFactory(username="victim")
    for _ in range(5):
        api.post("/api/v1/auth/token", {"username": "victim", "password": "guess"}, format="json")
    response = api.post("/api/v1/auth/token", {"username": "victim", "password": PASSWORD}, format="json")
    assert_error_shape(response, 429, "throttled")


def test_openapi_schema_and_docs_are_served(client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/auth/token" in schema.content
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()
    assert b"cdn" not in docs.content.lower()


@pytest.mark.parametrize(
    ("method", "url", "body", "status"),
    [
        ("get", "/api/v1/applications/A%00B", None, 404),
        ("get", "/items/A%00B/", None, 404),
        ("get", "/api/v1/catalog/items?q=%00", None, 400),
        ("post", "/api/v1/auth/token", {"username": "a\x00", "password": "b"}, 400),
    ],
)
def test_nul_characters_are_a_4xx_never_a_500(api, method, url, body, status):
    response = getattr(api, method)(url, body, format="json") if body else getattr(api, method)(url)
    assert response.status_code == status
