"""The catalog API served from the directory cache (catalog.directory, issue 22): no query between
publications, a change seen at once after its commit, in every process, never while Redis is down."""

import time
from datetime import date

import pytest
from django.core.cache import caches
from rest_framework.test import APIClient

from catalog import directory, services
from catalog.models import Item

pytestmark = pytest.mark.django_db

LIST = "/api/v1/catalog/items"


@pytest.fixture
def api():
    return APIClient()


def _codes(response) -> list[str]:
    assert response.status_code == 200, response.content[:300]
    return [row["code"] for row in response.json()["results"]]


def test_a_second_request_is_answered_without_a_query_and_byte_for_byte(api, demo_catalog, django_assert_num_queries):
    first = api.get(LIST, {"page_size": 100})
    item = Item.objects.filter(status="published").order_by("code").first()
    detail = api.get(f"{LIST}/{item.code}")
    with django_assert_num_queries(0):
        again = api.get(LIST, {"page_size": 100})
        detail_again = api.get(f"{LIST}/{item.code}")
    assert again.content == first.content and detail_again.content == detail.content
    assert again["Content-Type"] == "application/json"


def test_cancelling_an_item_takes_it_off_the_list_once_committed(api, demo_catalog, django_capture_on_commit_callbacks):
    item = Item.objects.filter(status="published").order_by("code").first()
    assert item.code in _codes(api.get(LIST, {"page_size": 100}))
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_item(item=item, document="沪宝府〔2026〕1号", decided_on=date(2026, 11, 1), by=None)
    assert item.code not in _codes(api.get(LIST, {"page_size": 100}))
    assert api.get(f"{LIST}/{item.code}").json()["status"] == "cancelled"


def test_another_process_s_change_renews_the_token_and_old_answers_are_not_served(api, demo_catalog, monkeypatch):
    item = Item.objects.filter(status="published").order_by("code").first()
    api.get(LIST, {"page_size": 100})
    # another web process changes the directory: this one keeps its answers, the shared token moves
    Item.objects.filter(pk=item.pk).update(status=Item.Status.CANCELLED)
    assert item.code in _codes(api.get(LIST, {"page_size": 100}))  # still this process's answer …
    caches["default"].set(directory.TOKEN_KEY, "renewed-by-another-process", directory.TOKEN_SECONDS)
    assert item.code in _codes(api.get(LIST, {"page_size": 100}))  # … for as long as it holds the token read
    monkeypatch.setattr(directory, "TOKEN_HOLD_SECONDS", 0)  # (a second) …
    assert item.code not in _codes(api.get(LIST, {"page_size": 100}))  # … then the renewed token is seen


def test_errors_are_not_kept(api, demo_catalog):
    assert api.get(LIST, {"type": "99"}).status_code == 400
    assert api.get(f"{LIST}/NO-SUCH-ITEM").status_code == 404
    assert not directory._answers


def test_the_process_keeps_a_bounded_number_of_answers(api, demo_catalog, monkeypatch):
    monkeypatch.setattr(directory, "MAX_ANSWERS", 2)
    for q in ("食品", "许可", "登记"):
        api.get(LIST, {"q": q})
    assert [key[-1] for key in directory._answers] == [f"{LIST}?q=%E8%AE%B8%E5%8F%AF", f"{LIST}?q=%E7%99%BB%E8%AE%B0"]


@pytest.mark.redis
def test_nothing_is_cached_while_redis_is_down(api, demo_catalog, monkeypatch, django_assert_num_queries):
    state = caches["default"].state
    monkeypatch.setattr(state, "degraded_since", time.time())
    monkeypatch.setattr(state, "retry_at", time.monotonic() + 3600)
    api.get(LIST)
    assert not directory._answers
    with django_assert_num_queries(2):  # the COUNT and the page, every time
        assert api.get(LIST).status_code == 200
