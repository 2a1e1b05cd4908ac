"""长辈模式 (适老化): one click on every page, remembered without an account (a cookie), no JavaScript."""

from django.test import Client
from django.urls import reverse

from hall.preferences import ELDER_COOKIE


def test_every_page_offers_the_elderly_mode_and_remembers_it_without_login(db):
    client = Client()
    page = client.get(reverse("login")).content.decode()
    assert 'id="elder-toggle"' in page and "长辈模式" in page and 'class="elder"' not in page
    response = client.post(reverse("elder_mode"), {"on": "1", "next": "/items/?q=食品"})
    assert response.status_code == 302 and response["Location"] == "/items/?q=%E9%A3%9F%E5%93%81"
    cookie = response.cookies[ELDER_COOKIE]
    assert cookie.value == "1" and int(cookie["max-age"]) >= 365 * 24 * 3600 and cookie["samesite"] == "Lax"
    page = client.get(reverse("home")).content.decode()
    assert '<html lang="zh-Hans" class="elder">' in page and "标准模式" in page
    client.post(reverse("elder_mode"), {"on": "0", "next": "/"})
    assert 'class="elder"' not in client.get(reverse("home")).content.decode()


def test_the_toggle_returns_only_to_this_site(db):
    response = Client().post(reverse("elder_mode"), {"on": "1", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    assert Client().get(reverse("elder_mode")).status_code == 405


def test_the_read_aloud_button_waits_for_the_browser_to_offer_speech(db):
    page = Client().get(reverse("home")).content.decode()
    assert 'id="read-aloud"' in page and "hidden>朗读</button>" in page and "js/a11y.js" in page
