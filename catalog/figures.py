"""Public figures that later apps show on the catalog's pages (the catalog imports none of them: DESIGN.md,
dependency direction). An app registers a provider in its ``AppConfig.ready``; a page asks for the figures
of the items (and departments) it shows, one call per provider — each provider answers with one aggregate
query for all of them, never a query per item.

A provider takes ``(item_ids, department_ids)`` and returns ``{"items": {item_id: figure},
"departments": {department_id: figure}}``; a figure is ``{"label", "value", "detail"}`` (text).
"""

PROVIDERS = []


def register(provider):
    PROVIDERS.append(provider)
    return provider


def figures(item_ids, department_ids=()) -> tuple[dict[int, list[dict]], dict[int, list[dict]]]:
    """(per item id, per department id) the figures every provider gives."""
    items: dict[int, list[dict]] = {}
    departments: dict[int, list[dict]] = {}
    item_ids, department_ids = list(item_ids), list(department_ids)
    for provider in PROVIDERS:
        given = provider(item_ids, department_ids)
        for key, figure in given.get("items", {}).items():
            items.setdefault(key, []).append(figure)
        for key, figure in given.get("departments", {}).items():
            departments.setdefault(key, []).append(figure)
    return items, departments
