"""The hall's roles. Each is a Django group of the same name (DESIGN.md, Permissions)."""

from django.db import models


class Role(models.TextChoices):
    APPLICANT = "applicant", "申请人"
    AGENT = "agent", "代办员"
    CLERK = "clerk", "窗口工作人员"
    REVIEWER = "reviewer", "审查人员"
    APPROVER = "approver", "审批人员"
    CASHIER = "cashier", "收费人员"
    SUPERVISOR = "supervisor", "监察人员"
    CATALOG_ADMIN = "catalog_admin", "事项目录管理员"


# Roles that work inside a department and are scoped by StaffMembership.
DEPARTMENT_ROLES = (Role.CLERK, Role.REVIEWER, Role.APPROVER, Role.CASHIER)
STAFF_ROLES = (*DEPARTMENT_ROLES, Role.SUPERVISOR, Role.CATALOG_ADMIN)


# Where each persona starts after logging in (issue 14, point 6), first match wins: URL names, so that
# hall need not import the apps that serve them (DESIGN.md: nothing in hall depends on them).
LANDING = (
    ((Role.SUPERVISOR,), "supervision:dashboard"),  # 电子监察
    ((Role.CLERK, Role.REVIEWER, Role.APPROVER), "approvals:workbench"),  # 窗口工作台
    ((Role.CASHIER,), "fees:cashier"),  # 收费窗口
    ((Role.CATALOG_ADMIN,), "admin:catalog_item_changelist"),  # 事项目录管理
    ((Role.APPLICANT, Role.AGENT), "approvals:my_cases"),  # 我的办件
)


def landing_url_name(user) -> str:
    """The URL name of the user's own desk; the home page for a user without a role."""
    roles = user.role_names
    for wanted, url_name in LANDING:
        if roles.intersection(wanted):
            return url_name
    return "admin:index" if user.is_superuser else "home"
