"""Navigation figures supervision adds to every page (configured in settings: nothing imports us)."""

from hall.roles import DEPARTMENT_ROLES


def orders(request):
    """Staff see how many 督办 wait for their department's answer (counted lazily, once a page)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.role_names & set(DEPARTMENT_ROLES):
        return {"open_orders": 0}

    def count() -> int:
        from supervision.orders import visible_orders

        return visible_orders(user).filter(state="open").count()

    return {"open_orders": count}
