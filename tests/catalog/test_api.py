"""GET /api/v1/catalog/items and /items/{code}: the item shape of DESIGN.md."""

import pytest
from rest_framework.test import APIClient

from catalog import services
from catalog.models import Item

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_list_is_public_paginated_and_filters_by_text(api, demo_catalog):
    response = api.get("/api/v1/catalog/items", {"q": "食品"})
    assert response.status_code == 200
    body = response.json()
    assert {"count", "next", "previous", "results"} <= set(body)
    names = [row["name"] for row in body["results"]]
    assert any("食品经营许可" in name for name in names)
    # Name hits first, then items that mention 食品 in their materials or keywords.
    hits = [("食品" in name) for name in names]
    assert hits == sorted(hits, reverse=True)
    codes = [row["code"] for row in body["results"]]
    assert all("食品" in text for text in Item.objects.filter(code__in=codes).values_list("search_text", flat=True))
    assert body["results"][0]["department"]["code"]


def test_list_filters_by_department_type_and_theme(api, demo_catalog):
    rows = api.get("/api/v1/catalog/items", {"department": "ZRZYJ", "page_size": 100}).json()["results"]
    assert rows and {r["department"]["code"] for r in rows} == {"ZRZYJ"}
    rows = api.get("/api/v1/catalog/items", {"type": "01", "page_size": 100}).json()["results"]
    assert rows and {r["type"] for r in rows} == {"01"}
    rows = api.get("/api/v1/catalog/items", {"theme": "budongchan", "page_size": 100}).json()["results"]
    assert rows and all(Item.objects.get(code=r["code"]).themes.filter(code="budongchan").exists() for r in rows)


def test_pinyin_initials_find_an_item(api, demo_catalog):
    item = Item.objects.filter(status="published").order_by("code").first()
    rows = api.get("/api/v1/catalog/items", {"q": item.pinyin_initials[:4], "page_size": 100}).json()["results"]
    assert item.code in [r["code"] for r in rows]


def test_cancelled_items_are_not_listed(api, demo_catalog):
    cancelled = Item.objects.get(status=Item.Status.CANCELLED)
    rows = api.get("/api/v1/catalog/items", {"page_size": 100}).json()["results"]
    assert cancelled.code not in [r["code"] for r in rows]


def test_invalid_filter_is_400_with_fields(api, demo_catalog):
    response = api.get("/api/v1/catalog/items", {"type": "99"})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"type"}


def test_detail_has_the_item_shape(api, demo_catalog):
    item = Item.objects.filter(current_version__charges_fees=True).order_by("code").first()
    body = api.get(f"/api/v1/catalog/items/{item.code}").json()
    for key in ("code", "name", "department", "type", "statutory_days", "committed_days", "joint", "materials", "fees"):
        assert key in body
    assert body["department"] == {"code": item.department.code, "name": item.department.name}
    material = body["materials"][0]
    assert {"id", "name", "required", "copies", "source"} <= set(material)
    fee = body["fees"][0]
    assert {"id", "name", "basis"} <= set(fee) and ("amount_fen" in fee or "rule" in fee)


def test_historic_version_by_number_and_404s(api, demo_catalog):
    item = Item.objects.get(code="SCJGJ-XK-0002") if Item.objects.filter(code="SCJGJ-XK-0002").exists() else None
    item = item or Item.objects.filter(status="published").first()
    old_days = item.current_version.committed_days
    draft = services.start_draft(item=item, by=None)
    draft.committed_days = max(old_days - 1, 0) if old_days else 0
    draft.handling_kind = "instant" if draft.committed_days == 0 else draft.handling_kind
    draft.save()
    services.submit_for_review(version=draft, by=None)
    services.publish_version(version=draft, by=None, four_eyes=False)

    assert api.get(f"/api/v1/catalog/items/{item.code}").json()["version"] == 2
    old = api.get(f"/api/v1/catalog/items/{item.code}", {"version": 1}).json()
    assert old["version"] == 1 and old["committed_days"] == old_days and old["version_state"] == "superseded"
    assert api.get(f"/api/v1/catalog/items/{item.code}", {"version": 9}).status_code == 404
    assert api.get(f"/api/v1/catalog/items/{item.code}", {"version": "x"}).status_code == 400
    missing = api.get("/api/v1/catalog/items/NO-SUCH-CODE")
    assert missing.status_code == 404 and missing.json()["error"] == "not_found"


def test_list_query_count_does_not_grow_with_the_page(api, demo_catalog, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        small = api.get("/api/v1/catalog/items", {"page_size": 5})
    with django_assert_max_num_queries(2):
        large = api.get("/api/v1/catalog/items", {"page_size": 100})
    assert len(small.json()["results"]) == 5 and len(large.json()["results"]) > 30


def test_detail_query_count_is_constant(api, demo_catalog, django_assert_max_num_queries):
    code = Item.objects.filter(status="published").first().code
    with django_assert_max_num_queries(10):
        assert api.get(f"/api/v1/catalog/items/{code}").status_code == 200
