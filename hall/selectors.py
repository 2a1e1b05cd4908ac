"""Read queries about the hall shared by views and the API."""

import time

from hall.models import Department, User


def departments_of(user: User):
    """Departments the user works in (any role), in display order."""
    return Department.objects.filter(memberships__user=user).distinct().order_by("sort_order", "code")


# The departments' references for list rows, per process: a district has dozens of departments, a
# province a few thousand, and they are renamed a few times a year. Read whole, kept for a minute (a
# rename shows in other processes' lists within it) and dropped at once in the process that saves one
# (``hall.receivers``); the query per list page cost a tenth of the page (issue 22).
DEPARTMENT_REFS_SECONDS = 60
_department_refs: tuple[float, dict[int, dict]] = (0.0, {})


def department_refs(ids) -> dict[int, dict]:
    """``{id: {"code", "name"}}`` of the departments ``ids`` (the reference shown in list rows)."""
    global _department_refs
    if not ids:
        return {}
    read_at, refs = _department_refs
    if time.monotonic() - read_at > DEPARTMENT_REFS_SECONDS or not refs.keys() >= set(ids):
        rows = Department.objects.values_list("pk", "code", "name")
        refs = {pk: {"code": code, "name": name} for pk, code, name in rows}
        _department_refs = (time.monotonic(), refs)
    return {pk: refs[pk] for pk in ids if pk in refs}


def forget_department_refs(**kwargs) -> None:
    global _department_refs
    _department_refs = (0.0, {})
