"""The workbench's counts of open cases per state, per department, kept in the shared cache between the
transitions that change them (issue 22: counting a department's open cases on every refresh of every
clerk's workbench was the page's largest query).

Each department's counts are stored under its *version*, a random token replaced after every committed
transition of one of its cases (``approvals.receivers``): a count computed before a commit is stored
under the old token and never read again, so the tabs never show a count older than the last move.
Counts expire after ``SECONDS`` all the same (a bulk change outside the workflow, an operator's SQL).
While the shared cache is degraded (Redis down) the counts are read from the database: a process's
local memory would not hear about the other processes' transitions.
"""

import uuid
from collections import Counter

from django.core.cache import cache
from django.db.models import Count

from approvals.models import OPEN_STATES, Application

SECONDS = 300


def _version_key(department_id: int) -> str:
    return f"queue-counts:version:{department_id}"


def open_counts(department_ids) -> dict[str, int]:
    """``{state: n}`` of the open cases of ``department_ids``: two cache round trips when nothing moved."""
    department_ids = sorted(department_ids)
    if not department_ids:
        return {}
    if getattr(cache, "degraded", False):
        return _count(department_ids).get(None, {})
    versions = cache.get_many([_version_key(d) for d in department_ids])
    keys = {d: f"queue-counts:{d}:{versions.get(_version_key(d), '')}" for d in department_ids}
    found = cache.get_many(list(keys.values()))
    missing = [d for d, key in keys.items() if key not in found]
    if missing:
        counted = _count(missing, per_department=True)
        fresh = {keys[d]: counted.get(d, {}) for d in missing}
        cache.set_many(fresh, SECONDS)
        found.update(fresh)
    totals = Counter()
    for counts in found.values():
        totals.update(counts)
    return dict(totals)


def _count(department_ids, *, per_department: bool = False) -> dict:
    """One index range (department, state) per department: ``{department_id or None: {state: n}}``."""
    rows = Application.objects.filter(department_id__in=department_ids, state__in=OPEN_STATES).order_by()
    columns = ("department_id", "state") if per_department else ("state",)
    counts = {}
    for row in rows.values(*columns).annotate(n=Count("*")):
        counts.setdefault(row.get("department_id"), {})[row["state"]] = row["n"]
    return counts


def moved(department_id: int) -> None:
    """A case of the department changed state (after commit): its counts are counted again."""
    cache.set(_version_key(department_id), uuid.uuid4().hex, None)
