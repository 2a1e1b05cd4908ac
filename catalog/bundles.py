"""一件事 bundles in the catalog: the merged guide, the catalog admin's actions, the demo import.

The guide merges the member items' current published versions (国办发〔2024〕3号 "一次告知、一表申请"):

- conditions: every member's 受理条件 under its name, plus the bundle's own;
- materials: one list in which a material that several items need is asked once. Two requirements
  are *the same material* when they carry the same ``share_key`` (set by the catalog admin on each
  item version's material), or, without a key, when their names are equal once spaces and
  punctuation are removed (``material_key``). A merged material is required when any member
  requires it; it lists the items that use it;
- the time limit: the longest committed limit (承诺时限) of the members, each sub-case still runs on
  its own;
- the form: the union of the members' form fields by field name (the first member's definition of a
  name wins; required when any member requires it).

Bundle versions follow the items' four-eyes rule: one admin submits, another publishes
(``publish_bundle_version``), the previous version is superseded in the same transaction.
"""

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from catalog.bundle_models import Bundle, BundleMember, BundleVersion
from catalog.models import FormField, Item, MaterialRequirement, Theme
from hall import audit
from hall.errors import Conflict, NotPermitted
from hall.models import Department, User

OPEN_STATES = ("draft", "in_review")
_NOT_A_WORD = re.compile(r"[\W_]+")


def material_key(requirement: MaterialRequirement) -> str:
    """What makes two items' requirements one material of a bundle (see the module docstring)."""
    if requirement.share_key:
        return f"key:{requirement.share_key}"
    return "name:" + _NOT_A_WORD.sub("", requirement.name).lower()


@dataclass
class MergedMaterial:
    key: str
    name: str
    required: bool
    copies: int
    form: str
    condition: str
    note: str
    e_licence: bool
    requirements: list = field(default_factory=list)  # [(Item, MaterialRequirement)]

    @property
    def item_names(self) -> list[str]:
        return [item.name for item, _ in self.requirements]

    @property
    def shared(self) -> bool:
        return len(self.requirements) > 1


@dataclass
class Guide:
    """One bundle as the applicant reads it: the members' current versions merged."""

    bundle: Bundle
    version: BundleVersion
    members: list  # [(Item, ItemVersion | None)]
    materials: list[MergedMaterial]
    fields: list[FormField]
    committed_days: int
    statutory_days: int

    @property
    def departments(self) -> list[Department]:
        seen = {}
        for item, _ in self.members:
            seen.setdefault(item.department_id, item.department)
        return list(seen.values())

    @property
    def unavailable(self) -> list[Item]:
        """Members that take no filings now (cancelled, converted, unpublished): the bundle cannot be filed."""
        return [item for item, version in self.members if version is None or not item.accepts_filings]

    @property
    def online(self) -> bool:
        return not self.unavailable and all(version.channel_online for _, version in self.members)

    @property
    def accepts_filings(self) -> bool:
        return self.bundle.accepts_filings and not self.unavailable


def merge_materials(members) -> list[MergedMaterial]:
    merged: dict[str, MergedMaterial] = {}
    for item, version in members:
        if version is None:
            continue
        for requirement in version.materials.all():
            key = material_key(requirement)
            entry = merged.get(key)
            if entry is None:
                entry = merged[key] = MergedMaterial(
                    key=key, name=requirement.name, required=requirement.required, copies=requirement.copies,
                    form=requirement.get_form_display(), condition=requirement.condition, note=requirement.note,
                    e_licence=requirement.e_licence,
                )  # fmt: skip
            else:
                entry.required |= requirement.required
                entry.copies = max(entry.copies, requirement.copies)
                entry.e_licence &= requirement.e_licence
                if entry.required:
                    entry.condition = ""
            entry.requirements.append((item, requirement))
    return list(merged.values())


def merge_fields(members) -> list[FormField]:
    fields: dict[str, FormField] = {}
    for _, version in members:
        if version is None:
            continue
        for form_field in version.fields.all():
            known = fields.get(form_field.name)
            if known is None:
                fields[form_field.name] = form_field
            elif form_field.required and not known.required:
                known.required = True  # in memory only: the merged form's field
    return list(fields.values())


# --- selectors -------------------------------------------------------------------------------------


def _members_prefetch() -> Prefetch:
    items = Item.objects.select_related("department", "current_version").prefetch_related(
        Prefetch("current_version__materials", queryset=MaterialRequirement.objects.order_by("position", "id")),
        Prefetch("current_version__fields", queryset=FormField.objects.order_by("position", "id")),
    )
    return Prefetch("current_version__members", queryset=BundleMember.objects.prefetch_related(
        Prefetch("item", queryset=items)).order_by("position", "id"))  # fmt: skip


def public_bundles() -> QuerySet[Bundle]:
    """Published bundles with their current versions and members, in a constant number of queries."""
    return (
        Bundle.objects.filter(status=Bundle.Status.PUBLISHED, current_version__isnull=False)
        .select_related("theme", "lead_department", "current_version")
        .prefetch_related(_members_prefetch())
        .order_by("code")
    )


def guide_for(bundle: Bundle, version: BundleVersion | None = None) -> Guide:
    version = version or bundle.current_version
    members = []
    for member in version.members.all():
        item = member.item
        current = item.current_version if item.accepts_filings else None
        members.append((item, current))
    versions = [v for _, v in members if v is not None]
    return Guide(
        bundle=bundle, version=version, members=members, materials=merge_materials(members),
        fields=merge_fields(members), committed_days=max((v.committed_days for v in versions), default=0),
        statutory_days=max((v.statutory_days for v in versions), default=0),
    )  # fmt: skip


def guide(code: str) -> Guide | None:
    """The published bundle's guide, or None."""
    bundle = public_bundles().filter(code=code[:36]).first()
    return guide_for(bundle) if bundle is not None else None


# --- the catalog admin's actions -------------------------------------------------------------------


def bundle_version_errors(version: BundleVersion) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    members = list(version.members.select_related("item"))
    if len(members) < 2:
        errors["members"] = ["一件事至少包含两个事项。"]
    if not version.summary.strip():
        errors["summary"] = ["请填写一件事说明。"]
    inactive = [m.item.name for m in members if not m.item.accepts_filings]
    if inactive:
        errors["members"] = [f"以下事项未发布或已取消，不能纳入一件事：{'、'.join(inactive)}。"]
    lead = version.bundle.lead_department_id
    if members and lead not in {m.item.department_id for m in members}:
        errors["lead_department"] = ["牵头部门须承办其中至少一个事项（一窗受理由牵头部门窗口负责）。"]
    return errors


def _locked(bundle: Bundle) -> Bundle:
    return Bundle.objects.select_for_update().get(pk=bundle.pk)


def start_bundle_draft(*, bundle: Bundle, by: User | None) -> BundleVersion:
    """A new draft copied from the current (or latest) version; published versions never change."""
    with transaction.atomic():
        bundle = _locked(bundle)
        if bundle.versions.filter(state__in=OPEN_STATES).exists():
            raise Conflict("该一件事已有未发布的草稿或待审核版本，请先完成或撤回。")
        source = bundle.current_version or bundle.versions.order_by("-number").first()
        number = (bundle.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        draft = BundleVersion.objects.create(
            bundle=bundle, number=number, summary=source.summary if source else "",
            extra_conditions=source.extra_conditions if source else "", created_by=by,
        )  # fmt: skip
        if source is not None:
            BundleMember.objects.bulk_create(
                BundleMember(version=draft, item_id=m.item_id, position=m.position) for m in source.members.all()
            )
        audit.record("catalog.bundle_start_draft", draft, actor=by, bundle=bundle.code, number=number)
    return draft


def submit_bundle_for_review(*, version: BundleVersion, by: User | None) -> BundleVersion:
    with transaction.atomic():
        _locked(version.bundle)
        version = BundleVersion.objects.select_for_update().get(pk=version.pk)
        if version.state != "draft":
            raise Conflict("只有草稿可以提交审核。")
        if errors := bundle_version_errors(version):
            raise ValidationError(errors)
        version.state, version.submitted_by = "in_review", by
        version.save(update_fields=["state", "submitted_by"])
        audit.record("catalog.bundle_submit", version, actor=by)
    return version


def publish_bundle_version(*, version: BundleVersion, by: User | None, four_eyes: bool = True) -> BundleVersion:
    """In review → published, superseding the previous version in the same transaction (no gap).
    As for items, the publisher is not the admin who submitted it (the demo import publishes as the system)."""
    with transaction.atomic():
        bundle = _locked(version.bundle)
        version = BundleVersion.objects.select_for_update().get(pk=version.pk)
        if version.state != "in_review":
            raise Conflict("只有待审核的版本可以发布。")
        if four_eyes and by is not None and version.submitted_by_id == by.pk:
            raise NotPermitted("发布须由提交审核人以外的另一名目录管理员完成。")
        if errors := bundle_version_errors(version):
            raise ValidationError(errors)
        now = timezone.now()
        previous = bundle.current_version
        if previous is not None:
            previous.state, previous.superseded_at = "superseded", now
            previous.save(update_fields=["state", "superseded_at"])
        version.state, version.published_by, version.published_at = "published", by, now
        version.save(update_fields=["state", "published_by", "published_at"])
        bundle.current_version, bundle.status = version, Bundle.Status.PUBLISHED
        bundle.save(update_fields=["current_version", "status", "updated_at"])
        audit.record("catalog.bundle_publish", version, actor=by, previous=getattr(previous, "number", None))
    return version


def return_bundle_to_draft(*, version: BundleVersion, by: User, reason: str) -> BundleVersion:
    if not (reason or "").strip():
        raise ValidationError({"reason": ["请说明退回理由。"]})
    with transaction.atomic():
        _locked(version.bundle)
        version = BundleVersion.objects.select_for_update().get(pk=version.pk)
        if version.state != "in_review":
            raise Conflict("只有待审核的版本可以退回。")
        version.state = "draft"
        version.save(update_fields=["state"])
        audit.record("catalog.bundle_return", version, actor=by, reason=reason)
    return version


# --- the demo file's ``bundles:`` section ------------------------------------------------------------


def import_bundles(rows: list[dict]) -> int:
    """Create or revise bundles from the catalog file (``code, name, theme, lead_department, summary,
    extra_conditions, items: [codes]``); a bundle whose current version already says the same is left
    alone. Published as the system (``four_eyes=False``), like the item import. Returns how many changed."""
    changed = 0
    with transaction.atomic():
        for row in rows:
            theme = Theme.objects.get(code=row["theme"])
            lead = Department.objects.get(code=row["lead_department"])
            items = [Item.objects.get(code=code) for code in row["items"]]
            bundle, _ = Bundle.objects.update_or_create(
                code=row["code"], defaults={"name": row["name"], "theme": theme, "lead_department": lead}
            )
            current = bundle.current_version
            wanted = (row["summary"].strip(), (row.get("extra_conditions") or "").strip(), [i.pk for i in items])
            if current is not None and (
                current.summary, current.extra_conditions, [m.item_id for m in current.members.all()]
            ) == wanted:  # fmt: skip
                continue
            bundle.versions.filter(state__in=OPEN_STATES).delete()
            number = (bundle.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
            version = BundleVersion.objects.create(
                bundle=bundle, number=number, summary=wanted[0], extra_conditions=wanted[1], state="in_review"
            )
            BundleMember.objects.bulk_create(
                BundleMember(version=version, item=item, position=index) for index, item in enumerate(items)
            )
            publish_bundle_version(version=version, by=None, four_eyes=False)
            changed += 1
    return changed
