"""Where people land after logging in: their own desk, or a safe ``next`` (issue 14, point 6)."""

import pytest

from tests.approvals.helpers import load_demo

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
