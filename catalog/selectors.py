"""Read queries on the catalog shared by the public pages, the API and other apps."""

import re

from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When

from catalog.models import FeeStandard, FormField, Item, ItemVersion, MaterialRequirement, ProcessStep

PUBLIC_STATUSES = (Item.Status.PUBLISHED, Item.Status.CANCELLED, Item.Status.CONVERTED)
_ASCII_WORD = re.compile(r"^[a-z]+$")


def public_items() -> QuerySet[Item]:
    """Items the public may see: published ones and those cancelled or converted (marked as such)."""
    return Item.objects.filter(status__in=PUBLIC_STATUSES, current_version__isnull=False).select_related(
        "department", "current_version"
    )


def search_items(
    *,
    q: str = "",
    department: str = "",
    type: str = "",
    theme: str = "",
    audience: str = "",
    include_inactive: bool = False,
) -> QuerySet[Item]:
    """Public search: every term must match (Chinese substrings or pinyin initials); name hits first.

    Chinese needs no word segmentation for substring search: 食品 matches 食品经营许可.
    """
    items = public_items()
    if not include_inactive:
        items = items.filter(status=Item.Status.PUBLISHED)
    terms = [t for t in q.lower().split() if t][:5]
    for term in terms:
        match = Q(search_text__contains=term)
        if _ASCII_WORD.match(term):
            match |= Q(pinyin_initials__startswith=term) | Q(pinyin_initials__contains=term)
        items = items.filter(match)
    if department:
        delegated = Item.delegated_to.through.objects.filter(department__code=department).values("item_id")
        items = items.filter(Q(department__code=department) | Q(pk__in=delegated))
    if type:
        items = items.filter(type=type)
    if theme:
        items = items.filter(themes__code=theme)
    if audience == "person":
        items = items.filter(for_person=True)
    elif audience == "legal":
        items = items.filter(for_legal=True)
    if terms:
        name_hit = Case(When(name__contains=terms[0], then=Value(0)), default=Value(1), output_field=IntegerField())
        return items.annotate(name_rank=name_hit).order_by("name_rank", "code")
    return items.order_by("code")  # codes start with the department code; the unique index serves LIMIT


def version_with_parts(queryset=None) -> QuerySet[ItemVersion]:
    """Versions with everything an item page or the item API shows, in a constant number of queries."""
    queryset = queryset if queryset is not None else ItemVersion.objects.all()
    return queryset.select_related("item__department", "item__replaced_by", "regulator", "report_to").prefetch_related(
        Prefetch("materials", queryset=MaterialRequirement.objects.order_by("position", "id")),
        Prefetch("fees", queryset=FeeStandard.objects.order_by("position", "id")),
        Prefetch("steps", queryset=ProcessStep.objects.order_by("position", "id")),
        Prefetch("fields", queryset=FormField.objects.order_by("position", "id")),
        "joint_departments",
        "item__themes",
        "item__delegated_to",
    )


def item_version(code: str, number: int | None = None) -> ItemVersion | None:
    """The current public version of an item, or a historic one by number; None when absent."""
    versions = version_with_parts().filter(item__code=code, item__status__in=PUBLIC_STATUSES)
    if number is None:
        versions = versions.filter(state=ItemVersion.State.PUBLISHED)
    else:
        versions = versions.filter(number=number, state__in=ItemVersion.FROZEN_STATES)
    return versions.first()


def filing_version(code: str) -> ItemVersion | None:
    """The version new applications are filed under; None when the item takes no filings."""
    return (
        ItemVersion.objects.select_related("item__department")
        .filter(item__code=code, item__status=Item.Status.PUBLISHED, state=ItemVersion.State.PUBLISHED)
        .first()
    )
