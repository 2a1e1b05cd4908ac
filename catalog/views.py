"""Public catalog pages (办事指南): search, item guide, printable guide, one-time notice, changes.

The directory, its items' conditions, materials, fees and limits, and its changes are public
(行政许可法 art. 30); every page here is open to anyone and reads only published versions.
"""

from pathlib import Path

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.static import serve

from catalog import figures as public_figures
from catalog import selectors
from catalog.flowchart import flowchart_svg
from catalog.models import Audience, CatalogChange, Item, ItemType, ItemVersion, Theme
from hall.models import Department

SEARCH_PAGE_SIZE = 20
CHANGES_PAGE_SIZE = 50
MAX_QUERY_LENGTH = 100
AUDIENCES = (("person", "个人"), ("legal", "法人"))
# The decisions behind an item's public status, shown as a banner on its guide.
STATUS_ACTIONS = (CatalogChange.Action.CANCEL, CatalogChange.Action.CONVERT, CatalogChange.Action.DELEGATE)


def search(request):
    """事项查询: full text (Chinese substrings or pinyin initials) with department/type/theme filters."""
    filters = _search_filters(request.GET)
    include_inactive = request.GET.get("all") == "1"
    items = selectors.search_items(**filters, include_inactive=include_inactive).prefetch_related("delegated_to")
    page = Paginator(items, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
    per_item, _ = public_figures.figures([item.pk for item in page])  # e.g. 好差评 满意率, one query per provider
    for row in page:
        row.public_figures = per_item.get(row.pk, [])
    return render(
        request,
        "catalog/search.html",
        {
            "page_obj": page,
            "filters": filters,
            "include_inactive": include_inactive,
            "filtered": any(filters.values()) or include_inactive,
            "departments": Department.objects.filter(is_active=True).order_by("level", "sort_order", "code"),
            "item_types": ItemType.choices,
            "theme_groups": _theme_groups(),
            "audiences": AUDIENCES,
        },
    )


def item(request, code):
    """办事指南: every element of the implementation list of the current (or a historic) version."""
    version = _version_or_404(request, code)
    context = _guide(version)
    context["versions"] = _frozen_versions(version.item)
    context["apply_url"] = _apply_url(version.item) if context["is_current"] and version.item.accepts_filings else None
    per_item, per_department = public_figures.figures([version.item_id], [version.item.department_id])
    context["item_figures"] = per_item.get(version.item_id, [])
    context["department_figures"] = per_department.get(version.item.department_id, [])
    return render(request, "catalog/item.html", context)


def print_guide(request, code):
    """The same guide on A4, without the site navigation."""
    return render(request, "catalog/print.html", _guide(_version_or_404(request, code)))


def checklist(request, code):
    """一次性告知单: every material at once, so that one visit is enough (行政许可法 art. 32)."""
    return render(request, "catalog/checklist.html", _guide(_version_or_404(request, code)))


def changes(request):
    """目录变更公告: the directory's published changes, newest first."""
    action = request.GET.get("action", "")
    rows = (
        CatalogChange.objects.filter(item__status__in=selectors.PUBLIC_STATUSES)
        .select_related("item", "version")
        .prefetch_related(Prefetch("related_items", queryset=Item.objects.only("code", "name")))
        .order_by("-at", "-id")
    )
    if action in CatalogChange.Action.values:
        rows = rows.filter(action=action)
    else:
        action = ""
    page = Paginator(rows, CHANGES_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "catalog/changes.html", {"page_obj": page, "action": action, "actions": CatalogChange.Action.choices}
    )


# --- helpers -------------------------------------------------------------------------------------------------------


def _search_filters(params) -> dict[str, str]:
    audience = params.get("audience", "")
    return {
        "q": params.get("q", "").strip()[:MAX_QUERY_LENGTH],
        "department": params.get("department", "").strip(),
        "type": params.get("type", "").strip(),
        "theme": params.get("theme", "").strip(),
        "audience": audience if audience in dict(AUDIENCES) else "",
    }


def _theme_groups() -> list[tuple[str, list[Theme]]]:
    """Themes for the filter, grouped by whom they serve (个人 / 法人 / both)."""
    themes = list(Theme.objects.all())
    groups = [(label, [t for t in themes if t.audience == value]) for value, label in Audience.choices]
    return [(label, members) for label, members in groups if members]


def _version_or_404(request, code: str) -> ItemVersion:
    """The current version, or ``?version=N`` among the frozen ones; anything else is a 404, never a 500."""
    raw = request.GET.get("version", "")
    number = None
    if raw:
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
            raise Http404("没有这个版本。")
        number = int(raw)
    version = selectors.item_version(code, number)
    if version is None:
        raise Http404("没有这个事项或版本。")
    return version


def _guide(version: ItemVersion) -> dict:
    """What the item page, the printable guide and the one-time notice all show."""
    item = version.item
    steps = list(version.steps.all())
    return {
        "item": item,
        "version": version,
        "materials": list(version.materials.all()),
        "fees": list(version.fees.all()),
        "steps": steps,
        "flowchart": flowchart_svg(steps),
        "compression": _compression_percent(version.statutory_days, version.committed_days),
        "is_current": version.state == ItemVersion.State.PUBLISHED,
        "delegated_to": list(item.delegated_to.all()),
        "decisions": _status_decisions(item),
    }


def _compression_percent(statutory: int, committed: int) -> int | None:
    """How much shorter the committed limit is than the statutory one (1 − 承诺/法定), in whole percent."""
    if not statutory:
        return None
    return round(100 * (statutory - committed) / statutory)


def _status_decisions(item: Item) -> dict[str, CatalogChange]:
    """The latest cancel / convert / delegate decision per action (document number and date).

    Read query private to these pages: one query, and only for items whose status needs a banner.
    """
    if item.status == Item.Status.PUBLISHED and not item.delegated_to.all():
        return {}
    latest: dict[str, CatalogChange] = {}
    for change in item.changes.filter(action__in=STATUS_ACTIONS).order_by("-at", "-id"):
        latest.setdefault(change.action, change)
    return latest


def _frozen_versions(item: Item):
    """Every published or superseded version of the item, newest first (read query private to this page)."""
    return (
        item.versions.filter(state__in=ItemVersion.FROZEN_STATES)
        .only("item", "number", "state", "published_at", "superseded_at")
        .order_by("-number")
    )


def _apply_url(item: Item) -> str | None:
    """在线申办 links to the approvals app when its start page exists; the catalog does not depend on it."""
    try:
        return reverse("approvals:start", args=[item.code])
    except NoReverseMatch:
        return None


def public_file(request, path: str):
    """A file of the published directory (空白表格, 审批结果样本) under ``MEDIA_ROOT/catalog/``.

    Only this folder is public: applicants' materials and notices live elsewhere in MEDIA_ROOT and are
    served by views that check who asks. ``serve`` refuses paths that leave the folder.
    """
    return serve(request, path, document_root=Path(settings.MEDIA_ROOT) / "catalog")
