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
