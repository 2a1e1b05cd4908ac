"""The demo shows the hall's own Chinese error pages, never Django's debug pages (issue 14, point 1).

``make run`` serves with DEBUG off (a developer opts in with ``DEBUG=true make run``), so every test
here runs with ``settings.DEBUG = False``, as the demo does.
"""

import re
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import include, path

from tests.approvals.helpers import file_case, load_demo

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("a bug")


def _forbidden(request):
    raise PermissionDenied


urlpatterns = [path("boom/", _boom), path("forbidden/", _forbidden), path("", include("hall.urls"))]
handler403 = "hall.views.permission_denied"
handler404 = "hall.views.page_not_found"
handler500 = "hall.views.server_error"


@pytest.fixture(autouse=True)
def _demo_settings(settings, tmp_path):
    settings.DEBUG = False
    settings.MEDIA_ROOT = tmp_path / "media"


def test_make_run_serves_with_debug_off():
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^run:.*?\n((?:\t.*\n)+)", makefile, re.M).group(1)
    assert "honcho" in recipe and "DEBUG=true" not in recipe
    assert "DEBUG" not in (ROOT / "Procfile.dev").read_text()
    settings_text = (ROOT / "hall" / "settings.py").read_text()
    assert 'DEBUG = env.bool("DEBUG", default=False)' in settings_text


def test_a_mistyped_address_answers_the_chinese_404_with_ways_back(client):
    response = client.get("/itmes/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html and "返回首页" in html and "办事指南" in html
    assert "Page not found" not in html and "URLconf" not in html


def test_an_unknown_item_answers_the_chinese_404(client):
    response = client.get("/items/NO-SUCH-ITEM/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_another_users_case_is_the_chinese_404_with_my_cases(client):
    people = load_demo()
    case = file_case(people.applicant)
    client.force_login(people.applicant2)
    response = client.get(f"/cases/{case.number}/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "页面不存在" in html and 'href="/my/cases/"' in html


def test_staff_find_their_workbench_on_the_404(client):
    people = load_demo()
    client.force_login(people.clerk)
    html = client.get("/no-such-page/").content.decode()
    assert 'href="/workbench/"' in html and "窗口工作台" in html


@pytest.mark.urls(__name__)
def test_forbidden_is_the_chinese_403():
    response = Client().get("/forbidden/")
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()


@pytest.mark.urls(__name__)
def test_a_failing_view_renders_the_500_page_without_context():
    response = Client(raise_request_exception=False).get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "系统繁忙" in html and 'href="/"' in html and 'href="/my/cases/"' in html
    assert "Traceback" not in html and "RuntimeError" not in html


def test_catalog_files_are_served_and_nothing_else_of_media(client, settings):
    (settings.MEDIA_ROOT / "catalog" / "forms").mkdir(parents=True)
    (settings.MEDIA_ROOT / "catalog" / "forms" / "blank.pdf").write_bytes(b"%PDF-1.4\n")
    (settings.MEDIA_ROOT / "cases").mkdir()
    (settings.MEDIA_ROOT / "cases" / "secret").write_bytes(b"private")
    assert client.get("/media/catalog/forms/blank.pdf").status_code == 200
    assert client.get("/media/catalog/../cases/secret").status_code in (400, 404)  # refused, never served
    assert client.get("/media/cases/secret").status_code == 404
