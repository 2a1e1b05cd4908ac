"""Catalog lifecycle: immutable published versions, four-eyes publication, dynamic management."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from catalog import services
from catalog.models import CatalogChange, FeeStandard, Item, ItemVersion, MaterialRequirement
from hall.errors import Conflict, NotPermitted
from hall.models import AuditEntry, Department
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admins(demo_catalog):
    return UserFactory(username="cat_a", roles=["catalog_admin"]), UserFactory(
        username="cat_b", roles=["catalog_admin"]
    )


def fee_item() -> Item:
    return Item.objects.filter(status="published", current_version__charges_fees=True).order_by("code").first()


def test_a_published_version_cannot_be_edited(demo_catalog):
    version = fee_item().current_version
    version.committed_days = 1
    with pytest.raises(ValidationError, match="已发布的版本不可修改"):
        version.save()
    material = version.materials.first()
    material.name = "改名"
    with pytest.raises(ValidationError):
        material.save()
    with pytest.raises(ValidationError):
        version.fees.first().delete()
    with pytest.raises(ValidationError):
        MaterialRequirement.objects.create(version=version, name="新增", form="copy", source="applicant")
    version.refresh_from_db()
    assert version.materials.filter(name="改名").count() == 0


def test_new_version_supersedes_the_old_without_touching_it(admins):
    author, publisher = admins
    item = fee_item()
    old = item.current_version
    old_fee = old.fees.first()
    old_snapshot = (old.committed_days, old_fee.amount_fen, list(old.materials.values_list("name", flat=True)))

    draft = services.start_draft(item=item, by=author)
    assert draft.number == old.number + 1 and draft.state == ItemVersion.State.DRAFT
    fee = draft.fees.first()
    fee.amount_fen = (fee.amount_fen or 0) + 100
    fee.rule = ""
    fee.save()
    draft.materials.first().delete()
    services.submit_for_review(version=draft, by=author)
    draft = services.publish_version(
        version=draft, by=publisher, document="区审改办〔2026〕9号", decided_on=date(2026, 11, 20)
    )

    item.refresh_from_db()
    old.refresh_from_db()
    assert item.current_version == draft
    assert old.state == ItemVersion.State.SUPERSEDED and old.superseded_at == draft.published_at
    old_fee.refresh_from_db()
    assert (old.committed_days, old_fee.amount_fen, list(old.materials.values_list("name", flat=True))) == old_snapshot
    assert ItemVersion.objects.filter(item=item, state="published").count() == 1
    assert CatalogChange.objects.filter(item=item, action="revise", version=draft).exists()


def test_publishing_needs_a_second_admin(admins):
    author, publisher = admins
    draft = services.start_draft(item=fee_item(), by=author)
    services.submit_for_review(version=draft, by=author)
    with pytest.raises(NotPermitted):
        services.publish_version(version=draft, by=author)
    services.publish_version(version=draft, by=publisher)
    assert AuditEntry.objects.filter(action="catalog.publish", actor=publisher).exists()


def test_only_one_open_draft_per_item(admins):
    author, _ = admins
    services.start_draft(item=fee_item(), by=author)
    with pytest.raises(Conflict):
        services.start_draft(item=fee_item(), by=author)


def test_submit_validates_every_element(admins):
    author, _ = admins
    draft = services.start_draft(item=fee_item(), by=author)
    ItemVersion.objects.filter(pk=draft.pk).update(handling_kind="instant", committed_days=1, statutory_days=5)
    FeeStandard.objects.filter(version=draft).update(basis="")
    draft.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        services.submit_for_review(version=draft, by=author)
    assert "handling_kind" in error.value.message_dict
    assert any(key.startswith("fees[0].basis") for key in error.value.message_dict)
    draft.refresh_from_db()
    assert draft.state == ItemVersion.State.DRAFT


def test_committed_beyond_statutory_is_refused_by_the_database_too(demo_catalog):
    from django.db import IntegrityError, transaction

    draft = services.start_draft(item=fee_item(), by=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        ItemVersion.objects.filter(pk=draft.pk).update(committed_days=draft.statutory_days + 5)


def test_cancel_keeps_the_item_visible_but_closed(admins):
    author, _ = admins
    item = fee_item()
    with pytest.raises(ValidationError):
        services.cancel_item(item=item, document="", decided_on=None, by=author)
    services.cancel_item(item=item, document="区政府令第5号", decided_on=date(2026, 11, 1), by=author)
    item.refresh_from_db()
    assert item.status == Item.Status.CANCELLED and not item.accepts_filings
    assert CatalogChange.objects.get(item=item, action="cancel").document == "区政府令第5号"
    with pytest.raises(Conflict):
        services.start_draft(item=item, by=author)


def test_delegation_moves_the_item_to_townships(admins):
    author, _ = admins
    item = Item.objects.filter(status="published", level="4", delegated_to__isnull=True).order_by("code").first()
    townships = list(Department.objects.filter(level="5"))
    with pytest.raises(ValidationError):
        services.delegate_item(item=item, to=[item.department], document="x", decided_on=date(2026, 1, 1), by=author)
    services.delegate_item(
        item=item, to=townships, document="区政发〔2026〕3号", decided_on=date(2026, 1, 1), by=author
    )
    item.refresh_from_db()
    assert item.level == "5" and set(item.delegated_to.all()) == set(townships) and item.accepts_filings


def test_conversion_to_filing_links_the_replacement(admins):
    author, _ = admins
    item, filing = Item.objects.filter(status="published").order_by("code")[:2]
    services.convert_to_filing(
        item=item, replaced_by=filing, document="国发〔2026〕1号", decided_on=date(2026, 2, 1), by=author
    )
    item.refresh_from_db()
    assert item.status == Item.Status.CONVERTED and item.replaced_by == filing
    change = CatalogChange.objects.get(item=item, action="convert")
    assert list(change.related_items.all()) == [filing]


def test_merge_is_recorded_as_a_public_change(admins):
    author, _ = admins
    a, b = Item.objects.filter(status="published").order_by("code")[:2]
    change = services.note_merge_or_split(
        item=a, action="merge", related=[b], document="区审改办〔2026〕2号", decided_on=date(2026, 3, 1), by=author
    )
    assert change.get_action_display() == "合并"


def test_a_draft_can_be_discarded_but_not_a_published_version(admins):
    author, _ = admins
    item = fee_item()
    draft = services.start_draft(item=item, by=author)
    services.discard_draft(version=draft, by=author)
    assert not ItemVersion.objects.filter(pk=draft.pk).exists()
    with pytest.raises(Conflict):
        services.discard_draft(version=item.current_version, by=author)
    services.start_draft(item=item, by=author)  # the slot is free again


def test_merge_needs_other_items(admins):
    author, _ = admins
    item = fee_item()
    for related in ([], [item]):
        with pytest.raises(ValidationError):
            services.note_merge_or_split(
                item=item, action="merge", related=related, document="x", decided_on=date(2026, 1, 1), by=author
            )
