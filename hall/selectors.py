"""Read queries about the hall shared by views and the API."""

from hall.models import Department, User


def departments_of(user: User):
    """Departments the user works in (any role), in display order."""
    return Department.objects.filter(memberships__user=user).distinct().order_by("sort_order", "code")


def department_refs(ids) -> dict[int, dict]:
    """``{id: {"code", "name"}}`` of the departments ``ids`` (the reference shown in list rows)."""
    if not ids:
        return {}
    return {pk: {"code": code, "name": name} for pk, code, name in
            Department.objects.filter(pk__in=ids).values_list("pk", "code", "name")}  # fmt: skip
