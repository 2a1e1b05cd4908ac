"""Where people land after logging in: their own desk, or a safe ``next`` (issue 14, point 6); the small
glitches of point 8 that need no browser (favicon, timestamps, the filing form's verified identity)."""

from pathlib import Path

import pytest

from hall.models import User
from tests.approvals.helpers import load_demo

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db

PASSWORD = "x" * 8  # load_demo's password


@pytest.fixture
def demo():
    return load_demo()


@pytest.mark.parametrize(
    ("username", "landing"),
    [
        ("supervisor", "/supervision/"),
        ("clerk", "/workbench/"),
        ("reviewer", "/workbench/"),
        ("approver", "/workbench/"),
        ("cashier", "/fees/cashier/"),
        ("catalog_admin", "/admin/catalog/item/"),
        ("applicant", "/my/cases/"),
        ("agent", "/my/cases/"),
    ],
)
def test_each_persona_lands_on_their_own_desk(client, demo, username, landing):
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == landing
    assert client.get(landing).status_code == 200


def test_a_safe_next_wins(client, demo):
    response = client.post("/accounts/login/", {"username": "clerk", "password": PASSWORD, "next": "/items/"})
    assert response["Location"] == "/items/"


def test_a_foreign_next_is_ignored(client, demo):
    data = {"username": "supervisor", "password": PASSWORD, "next": "https://evil.example/"}
    response = client.post("/accounts/login/", data)
    assert response["Location"] == "/supervision/"


def test_the_api_docs_link_is_in_the_footer_not_the_menu(client):
    html = client.get("/").content.decode()
    nav = html.split('<nav class="nav"', 1)[1].split("</nav>", 1)[0]
    footer = html.split('<footer class="footer">', 1)[1]
    assert "/api/docs/" not in nav and "开放接口" not in nav
    assert "/api/docs/" in footer and "开发者" in footer


def test_favicon_ico_leads_to_the_hall_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")


def test_timestamps_are_time_elements_kept_on_one_line():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from django.template import Context, Template

    moment = datetime(2026, 11, 24, 5, 6, tzinfo=ZoneInfo("UTC"))
    html = Template('{% load hall_tags %}{{ at|when }} {{ at|when:"H:i" }}').render(Context({"at": moment}))
    assert html == '<time datetime="2026-11-24T13:06:00+08:00">2026-11-24 13:06</time> ' + (
        '<time datetime="2026-11-24T13:06:00+08:00">13:06</time>'
    )
    css = (ROOT / "static" / "css" / "hall.css").read_text()
    assert "time, .nowrap { white-space: nowrap; }" in css


def test_registration_keeps_the_verified_id_and_filing_starts_from_it(client, demo):
    data = {"username": "zhaolei", "real_name": "赵磊", "phone": "13900000009", "id_number": "11010519491231002x",
            "email": "", "password1": "a-long-pass-42", "password2": "a-long-pass-42"}  # fmt: skip
    assert client.post("/accounts/register/", data).status_code == 302
    html = client.get("/apply/ZRZYJ-XK-0005/").content.decode()
    assert 'value="赵磊"' in html and 'value="11010519491231002X"' in html


def test_an_agent_starts_from_their_own_identity_not_the_clients(client, demo):
    client.force_login(User.objects.get(username="agent"))
    html = client.get("/apply/ZRZYJ-XK-0005/").content.decode()
    agent_id = html.split('name="agent_id_number"', 1)[1].split(">", 1)[0]
    applicant_id = html.split('name="applicant_id_number"', 1)[1].split(">", 1)[0]
    assert 'value="330106199207151019"' in agent_id and "value=" not in applicant_id
