"""Server-rendered pages: home, login, error pages, security headers."""

import pytest

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_home_page_introduces_the_hall(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "只进一扇门" in html
    assert 'name="q"' in html
    assert "办件进度查询" in html
    assert "/accounts/login/" in html


def test_pages_send_a_strict_content_security_policy(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"


def test_login_and_logout(client):
    UserFactory(username="applicant")
    response = client.post("/accounts/login/", {"username": "applicant", "password": PASSWORD})
    assert response.status_code == 302
    assert "退出" in client.get("/").content.decode()
    client.post("/accounts/logout/")
    assert "登录" in client.get("/").content.decode()


def test_wrong_password_shows_a_chinese_form_error(client):
    UserFactory(username="applicant")
    response = client.post("/accounts/login/", {"username": "applicant", "password": "x"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


def test_login_form_requires_csrf():
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/accounts/login/", {"username": "a", "password": "b"})
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode()


def test_repeated_failed_logins_lock_out_with_a_page(client):
    UserFactory(username="applicant")
    for _ in range(5):
        client.post("/accounts/login/", {"username": "applicant", "password": "wrong"})
    response = client.post("/accounts/login/", {"username": "applicant", "password": PASSWORD})
    assert response.status_code == 429
    assert "锁定" in response.content.decode()


def test_unknown_page_is_a_chinese_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_server_error_page_renders_without_the_database():
    from django.test import RequestFactory

    from hall.views import server_error

    response = server_error(RequestFactory().get("/x"))
    assert response.status_code == 500
    assert "系统繁忙" in response.content.decode()
    api = server_error(RequestFactory().get("/api/v1/x"))
    assert api.status_code == 500
    assert api["Content-Type"] == "application/json"
