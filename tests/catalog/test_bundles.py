"""一件事 bundles in the catalog: the merged guide, versioning, the public pages and API."""

import pytest
from django.core.exceptions import ValidationError

import catalog.demo
from catalog import bundles
from catalog.bundle_models import Bundle, BundleMember, BundleVersion
from hall.errors import NotPermitted
from hall.models import User
from tests.approvals import helpers

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    helpers.load_demo()


def test_demo_publishes_the_two_bundles(seeded):
    codes = {b.code: b for b in bundles.public_bundles()}
    assert set(codes) >= {"YJS-KBQY", "YJS-ESFMM"}
    kbqy = bundles.guide("YJS-KBQY")
    assert [item.code for item, _ in kbqy.members] == ["SCJGJ-XK-0001", "GAFJ-QT-0005", "SWJ-QT-0001", "RSJ-GG-0004"]
    assert codes["YJS-ESFMM"].lead_department.code == "ZRZYJ"  # the demo clerk's department


def test_a_material_several_items_need_is_asked_once(seeded):
    """The legal representative's ID is required by all four members (share_key legal_rep_id) and the
    authorisation by three (same name): each appears once in the merged list, naming its items."""
    guide = bundles.guide("YJS-KBQY")
    by_key = {m.key: m for m in guide.materials}
    identity = by_key["key:legal_rep_id"]
    assert len(identity.requirements) == 4 and identity.required and identity.shared
    premises = by_key["key:premises"]
    assert {item.code for item, _ in premises.requirements} == {"SCJGJ-XK-0001", "SWJ-QT-0001"}
    proxy = by_key["name:授权委托书及受托人身份证明"]
    assert len(proxy.requirements) == 3 and not proxy.required
    total = sum(version.materials.count() for _, version in guide.members)
    assert len(guide.materials) == total - 3 - 1 - 2


def test_the_guide_states_the_longest_committed_limit(seeded):
    guide = bundles.guide("YJS-ESFMM")
    assert [v.committed_days for _, v in guide.members] == [3, 5]
    assert guide.committed_days == 5


def test_the_merged_form_has_each_field_once(seeded):
    names = [f.name for f in bundles.guide("YJS-KBQY").fields]
    assert names.count("company_name") == 1 and "legal_rep_id" in names and "employees" in names


def test_publication_is_four_eyes_and_supersedes_the_previous_version(seeded):
    bundle = Bundle.objects.get(code="YJS-ESFMM")
    first = bundle.current_version
    admin, admin2 = User.objects.get(username="catalog_admin"), User.objects.get(username="catalog_admin2")
    draft = bundles.start_bundle_draft(bundle=bundle, by=admin)
    assert list(draft.members.values_list("item__code", flat=True)) == ["ZRZYJ-QR-0002", "GYSY-GG-0001"]
    bundles.submit_bundle_for_review(version=draft, by=admin)
    with pytest.raises(NotPermitted):
        bundles.publish_bundle_version(version=draft, by=admin)
    bundles.publish_bundle_version(version=draft, by=admin2)
    bundle.refresh_from_db()
    first.refresh_from_db()
    assert bundle.current_version == draft and first.state == "superseded"
    with pytest.raises(ValidationError):
        first.save()  # a published version never changes


def test_a_bundle_needs_two_members_led_by_one_of_their_departments(seeded):
    bundle = Bundle.objects.get(code="YJS-ESFMM")
    admin = User.objects.get(username="catalog_admin")
    draft = bundles.start_bundle_draft(bundle=bundle, by=admin)
    BundleMember.objects.filter(version=draft, item__code="ZRZYJ-QR-0002").delete()
    with pytest.raises(ValidationError) as refused:
        bundles.submit_bundle_for_review(version=draft, by=admin)
    assert {"members", "lead_department"} <= set(refused.value.message_dict)
    assert BundleVersion.objects.get(pk=draft.pk).state == "draft"


def test_reimporting_the_demo_changes_nothing(seeded):
    before = BundleVersion.objects.count()
    catalog.demo.seed(password="x" * 8, log=lambda message: None)
    assert BundleVersion.objects.count() == before


def test_catalog_api_lists_bundles_and_shows_the_merged_guide(seeded, client, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        listing = client.get("/api/v1/catalog/bundles").json()
    rows = {row["code"]: row for row in listing["results"]}
    assert rows["YJS-KBQY"]["lead_department"]["code"] == "SCJGJ"
    assert [i["code"] for i in rows["YJS-ESFMM"]["items"]] == ["ZRZYJ-QR-0002", "GYSY-GG-0001"]
    detail = client.get("/api/v1/catalog/bundles/YJS-KBQY").json()
    shared = next(m for m in detail["materials"] if m["key"] == "key:legal_rep_id")
    assert shared["shared"] and len(shared["requirements"]) == 4
    assert detail["committed_days"] == 3 and len(detail["conditions"]) == 4
    assert client.get("/api/v1/catalog/bundles/NOPE").status_code == 404


def test_public_pages_show_the_bundle_guide(seeded, client):
    assert "开办企业“一件事”" in client.get("/items/bundles/").content.decode()
    page = client.get("/items/bundles/YJS-ESFMM/").content.decode()
    assert "多个事项共用，只交一次" in page and "二手房供水、供电、燃气过户" in page
    assert client.get("/items/bundles/NOPE/").status_code == 404


def test_the_bundle_lists_do_not_grow_with_the_bundles(seeded, client):
    """Issue 22: ``GET /api/v1/catalog/bundles`` and /items/bundles/, the demo's bundles then three times as
    many (copies of YJS-ESFMM's published version), not more statements."""
    from tests.querycount import assert_flat

    source = Bundle.objects.get(code="YJS-ESFMM")
    copied = iter(range(100))

    def copies(n: int) -> None:
        for _ in range(n):
            i = next(copied)
            bundle = Bundle.objects.create(
                code=f"YJS-COPY{i}", name=f"一件事副本{i}", theme=source.theme,
                lead_department=source.lead_department, status=Bundle.Status.PUBLISHED,
            )  # fmt: skip
            version = BundleVersion.objects.create(bundle=bundle, number=1, state="published",
                                                   summary=source.current_version.summary)  # fmt: skip
            BundleMember.objects.bulk_create(
                BundleMember(version=version, item_id=m.item_id, position=m.position)
                for m in source.current_version.members.all()
            )
            Bundle.objects.filter(pk=bundle.pk).update(current_version=version)

    published = Bundle.objects.filter(status=Bundle.Status.PUBLISHED).count()
    assert_flat(
        lambda: client.get("/api/v1/catalog/bundles", {"page_size": 100}).json()["results"],
        lambda: copies(2 * published),
        len,
    )
    assert_flat(
        lambda: client.get("/items/bundles/").context["guides"],
        lambda: copies(6 * published),
        len,
    )
