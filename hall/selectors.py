"""Read queries about the hall shared by views and the API."""

from hall.models import Department, User


def departments_of(user: User):
    """Departments the user works in (any role), in display order."""
    return Department.objects.filter(memberships__user=user).distinct().order_by("sort_order", "code")
