from hall.notify import unread_count
from hall.preferences import elder_mode
from hall.roles import Role


def hall(request):
    """Navigation for the four personas: which sections this user may open."""
    user = getattr(request, "user", None)
    roles = user.role_names if user is not None and user.is_authenticated else frozenset()
    authenticated = user is not None and user.is_authenticated
    return {
        "hall_name": "行政服务中心",
        "elder_mode": elder_mode(request),  # 长辈模式 (适老化): larger text and targets, one column
        # Lazy: counted once (base.html uses {% with %}) and only where a page shows it.
        "unread": (lambda: unread_count(user)) if authenticated else 0,
        "nav": {
            "applicant": bool(roles & {Role.APPLICANT, Role.AGENT}),
            "staff": bool(roles & {Role.CLERK, Role.REVIEWER, Role.APPROVER, Role.CASHIER}),
            "cashier": Role.CASHIER in roles,
            "supervisor": Role.SUPERVISOR in roles,
            "catalog_admin": Role.CATALOG_ADMIN in roles or getattr(user, "is_superuser", False),
        },
    }
