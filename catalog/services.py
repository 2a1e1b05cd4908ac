"""Catalog admin actions (审改办/法制办): drafts, four-eyes publication, dynamic management.

Every action is one transaction, locks the item row, writes the hall audit trail and, where the
public must know, a ``CatalogChange`` (the directory and its changes are published, 行政许可法 art. 30).
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from pypinyin import Style, lazy_pinyin

from catalog.models import CatalogChange, FeeStandard, FormField, Item, ItemVersion, MaterialRequirement, ProcessStep
from hall import audit
from hall.errors import Conflict, NotPermitted
from hall.models import Department, User

PARTS = (MaterialRequirement, FeeStandard, ProcessStep, FormField)
OPEN_STATES = (ItemVersion.State.DRAFT, ItemVersion.State.IN_REVIEW)


def version_errors(version: ItemVersion) -> dict[str, list[str]]:
    """Every validation error of a saved version and its parts, keyed like ``materials[2].condition``."""
    errors: dict[str, list[str]] = {}
    try:
        version.full_clean(exclude=["item", "created_by", "submitted_by", "published_by"], validate_unique=False)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    for model in PARTS:
        related = model._meta.default_related_name
        for index, part in enumerate(getattr(version, related).all()):
            try:
                part.full_clean(exclude=["version"], validate_unique=False, validate_constraints=False)
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    errors[f"{related}[{index}].{field}"] = messages
    fees = version.fees.count()
    if version.charges_fees and not fees:
        errors["fees"] = ["标注为收费的事项须列出收费项目及依据。"]
    if not version.charges_fees and fees:
        errors["charges_fees"] = ["列有收费项目的事项须标注为收费；不收费的请删除收费项目。"]
    if version.joint and not version.joint_departments.exists():
        errors["joint_departments"] = ["联合审批事项须列出联办部门。"]
    if not version.materials.exists():
        errors["materials"] = ["请至少列出一项申请材料。"]
    if problem := commitment_problem(version, version.materials.all()):
        errors["commitment_text"] = [problem]
    names = [f.name for f in version.fields.all()]
    if len(names) != len(set(names)):
        errors["fields"] = ["申请表字段名不能重复。"]
    return errors


def commitment_problem(version: ItemVersion, materials) -> str:
    """告知承诺制 (国办发〔2020〕42号): a material a commitment may replace needs the item to practise
    tell-and-commit and to state what is promised and what a false promise costs."""
    if any(m.commitment_allowed for m in materials):
        if not version.tell_and_commit:
            return "列有“可以告知承诺替代”的材料，须勾选“告知承诺制”。"
        if not (version.commitment_text or "").strip():
            return "实行告知承诺制的事项须写明承诺内容及虚假承诺的法律后果。"
    return ""


def ensure_valid(version: ItemVersion) -> None:
    if errors := version_errors(version):
        raise ValidationError(errors)


def search_text_for(item: Item, version: ItemVersion) -> str:
    """What public search matches: names, department, keywords, result and materials."""
    parts = [item.code, item.name, item.department.name, item.department.short_name, item.keywords, version.result_name]
    parts += [m.name for m in version.materials.all()]
    parts += [t.name for t in item.themes.all()]
    return "\n".join(p for p in parts if p).lower()


def pinyin_initials(text: str) -> str:
    return "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore")).lower()


def _locked(item: Item) -> Item:
    return Item.objects.select_for_update().get(pk=item.pk)


def clone_version(source: ItemVersion, *, number: int, by: User | None) -> ItemVersion:
    """A new draft with the content of ``source`` (fields, parts and joint departments)."""
    draft = ItemVersion.objects.get(pk=source.pk)
    draft.pk = None
    draft.number, draft.state = number, ItemVersion.State.DRAFT
    draft.created_by, draft.submitted_by, draft.published_by = by, None, None
    draft.published_at = draft.superseded_at = None
    draft.content_hash = ""
    draft.save()
    draft.joint_departments.set(source.joint_departments.all())
    for model in PARTS:
        rows = list(model.objects.filter(version=source))
        for row in rows:
            row.pk, row.version = None, draft
        model.objects.bulk_create(rows)
    return draft


def start_draft(*, item: Item, by: User) -> ItemVersion:
    """Edit an item: a new draft version copied from the current one (published versions never change)."""
    with transaction.atomic():
        item = _locked(item)
        if item.status in (Item.Status.CANCELLED, Item.Status.CONVERTED):
            raise Conflict("已取消或已改为备案的事项不能再修订。")
        if item.versions.filter(state__in=OPEN_STATES).exists():
            raise Conflict("该事项已有未发布的草稿或待审核版本，请先完成或撤回。")
        latest = item.versions.order_by("-number").first()
        if latest is None:
            raise Conflict("该事项还没有任何版本。")
        draft = clone_version(item.current_version or latest, number=latest.number + 1, by=by)
        audit.record("catalog.start_draft", draft, actor=by, item=item.code, number=draft.number)
    return draft


def submit_for_review(*, version: ItemVersion, by: User) -> ItemVersion:
    """Draft → in review. All elements must validate; a second admin publishes (four-eyes)."""
    with transaction.atomic():
        _locked(version.item)
        version = ItemVersion.objects.select_for_update().get(pk=version.pk)
        if version.state != ItemVersion.State.DRAFT:
            raise Conflict("只有草稿可以提交审核。")
        ensure_valid(version)
        version.state, version.submitted_by = ItemVersion.State.IN_REVIEW, by
        version.save(update_fields=["state", "submitted_by"])
        audit.record("catalog.submit", version, actor=by)
    return version


def return_to_draft(*, version: ItemVersion, by: User, reason: str) -> ItemVersion:
    """The reviewing admin sends a version back with a reason."""
    if not reason.strip():
        raise ValidationError({"reason": "请说明退回理由。"})
    with transaction.atomic():
        _locked(version.item)
        version = ItemVersion.objects.select_for_update().get(pk=version.pk)
        if version.state != ItemVersion.State.IN_REVIEW:
            raise Conflict("只有待审核的版本可以退回。")
        version.state = ItemVersion.State.DRAFT
        version.save(update_fields=["state"])
        audit.record("catalog.return_to_draft", version, actor=by, reason=reason)
    return version


def discard_draft(*, version: ItemVersion, by: User) -> None:
    """Throw away an unpublished draft (or a version in review) with its parts; published ones stay."""
    with transaction.atomic():
        _locked(version.item)
        version = ItemVersion.objects.select_for_update().get(pk=version.pk)
        if version.state not in OPEN_STATES:
            raise Conflict("已发布的版本不能删除。")
        number, item = version.number, version.item
        for model in PARTS:
            model.objects.filter(version=version).delete()
        version.delete()
        audit.record("catalog.discard_draft", item, actor=by, number=number)


def publish_version(
    *, version: ItemVersion, by: User | None, document: str = "", decided_on: date | None = None, four_eyes: bool = True
) -> ItemVersion:
    """In review → published; the previous version is superseded in the same transaction (no gap).

    ``four_eyes``: the publisher must not be the admin who submitted it (imports and the demo
    seed publish as the system, with ``four_eyes=False``).
    """
    with transaction.atomic():
        item = _locked(version.item)
        version = ItemVersion.objects.select_for_update().get(pk=version.pk)
        if version.state != ItemVersion.State.IN_REVIEW:
            raise Conflict("只有待审核的版本可以发布。")
        if four_eyes and by is not None and version.submitted_by_id == by.pk:
            raise NotPermitted("发布须由提交审核人以外的另一名目录管理员完成。")
        if item.status in (Item.Status.CANCELLED, Item.Status.CONVERTED):
            raise Conflict("已取消或已改为备案的事项不能发布新版本。")
        ensure_valid(version)
        now = timezone.now()
        previous = item.current_version
        if previous is not None:
            previous.state, previous.superseded_at = ItemVersion.State.SUPERSEDED, now
            previous.save(update_fields=["state", "superseded_at"])
        version.state, version.published_by, version.published_at = ItemVersion.State.PUBLISHED, by, now
        from catalog.io import content_hash  # io builds on services; import here to avoid the cycle

        version.content_hash = content_hash(version)
        version.save(update_fields=["state", "published_by", "published_at", "content_hash"])
        first = item.status == Item.Status.DRAFT
        note = f"发布第 {version.number} 版"
        if previous is not None:  # the public notice says what changed (动态管理), not only that it did
            from catalog.diff import change_summary

            note += f"。变更内容：{change_summary(previous, version)}"
        item.current_version = version
        item.status = Item.Status.PUBLISHED
        item.search_text = search_text_for(item, version)
        item.pinyin_initials = pinyin_initials(item.name)
        item.save(update_fields=["current_version", "status", "search_text", "pinyin_initials", "updated_at"])
        CatalogChange.objects.create(
            item=item,
            version=version,
            action=CatalogChange.Action.PUBLISH if first else CatalogChange.Action.REVISE,
            document=document,
            decided_on=decided_on,
            note=note,
            by=by,
        )
        audit.record("catalog.publish", version, actor=by, previous=getattr(previous, "number", None))
    return version


def _decision(document: str, decided_on: date | None) -> None:
    errors = {}
    if not document.strip():
        errors["document"] = "请填写决定文号。"
    if decided_on is None:
        errors["decided_on"] = "请填写决定日期。"
    if errors:
        raise ValidationError(errors)


def cancel_item(*, item: Item, document: str, decided_on: date | None, note: str = "", by: User | None) -> Item:
    """取消: no new filings; the item stays visible, marked cancelled, with its decision."""
    _decision(document, decided_on)
    with transaction.atomic():
        item = _locked(item)
        if item.status != Item.Status.PUBLISHED:
            raise Conflict("只有已发布的事项可以取消。")
        item.status = Item.Status.CANCELLED
        item.save(update_fields=["status", "updated_at"])
        CatalogChange.objects.create(
            item=item, action=CatalogChange.Action.CANCEL, document=document, decided_on=decided_on, note=note, by=by
        )
        audit.record("catalog.cancel", item, actor=by, document=document)
    return item


def delegate_item(
    *, item: Item, to: list[Department], document: str, decided_on: date | None, note: str = "", by: User | None
) -> Item:
    """下放: the implementing level moves to townships; those halls handle the item from now on."""
    _decision(document, decided_on)
    if not to or any(d.level != Department.Level.TOWNSHIP for d in to):
        raise ValidationError({"to": "请选择承接下放的乡镇（街道）。"})
    with transaction.atomic():
        item = _locked(item)
        if item.status != Item.Status.PUBLISHED:
            raise Conflict("只有已发布的事项可以下放。")
        item.level = Department.Level.TOWNSHIP
        item.save(update_fields=["level", "updated_at"])
        item.delegated_to.add(*to)
        change = CatalogChange.objects.create(
            item=item, action=CatalogChange.Action.DELEGATE, document=document, decided_on=decided_on, by=by,
            note=note or "下放至：" + "、".join(d.name for d in to),
        )  # fmt: skip
        audit.record("catalog.delegate", item, actor=by, to=[d.code for d in to], change=change.pk)
    return item


def convert_to_filing(
    *, item: Item, document: str, decided_on: date | None, replaced_by: Item | None = None, note: str = "", by
) -> Item:
    """改为备案: the licence is no longer granted; a filing item (if given) takes its place."""
    _decision(document, decided_on)
    with transaction.atomic():
        item = _locked(item)
        if item.status != Item.Status.PUBLISHED:
            raise Conflict("只有已发布的事项可以改为备案。")
        item.status, item.replaced_by = Item.Status.CONVERTED, replaced_by
        item.save(update_fields=["status", "replaced_by", "updated_at"])
        change = CatalogChange.objects.create(
            item=item, action=CatalogChange.Action.CONVERT, document=document, decided_on=decided_on, note=note, by=by
        )
        if replaced_by is not None:
            change.related_items.add(replaced_by)
        audit.record("catalog.convert", item, actor=by, replaced_by=getattr(replaced_by, "code", None))
    return item


def note_merge_or_split(
    *, item: Item, action: str, related: list[Item], document: str, decided_on: date | None, note: str = "", by
) -> CatalogChange:
    """合并/拆分: recorded and published as a change linking the items concerned."""
    if action not in (CatalogChange.Action.MERGE, CatalogChange.Action.SPLIT):
        raise ValidationError({"action": "只能记录合并或拆分。"})
    if not related or any(other.pk == item.pk for other in related):
        raise ValidationError({"related": "请选择与本事项合并或拆分出的其他事项。"})
    _decision(document, decided_on)
    with transaction.atomic():
        _locked(item)
        change = CatalogChange.objects.create(
            item=item, action=action, document=document, decided_on=decided_on, note=note, by=by
        )
        change.related_items.set(related)
        audit.record(f"catalog.{action}", item, actor=by, related=[i.code for i in related])
    return change
