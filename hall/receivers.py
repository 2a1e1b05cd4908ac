"""Keep role groups and their permissions present after every migrate; the calendar reads its shared
version once per request; a saved department drops the list rows' department references."""

from django.core.signals import request_finished, request_started
from django.db.models.signals import post_delete, post_migrate, post_save
from django.dispatch import receiver

from hall import calendar
from hall.models import Department
from hall.selectors import forget_department_refs


@receiver(post_migrate)
def create_role_groups(sender, **kwargs):
    # Runs once per migrated app; cheap and idempotent, so later apps' permissions are picked up too.
    from hall.services import ensure_role_groups

    ensure_role_groups()


request_started.connect(calendar.request_started, dispatch_uid="hall-calendar-request-started")
request_finished.connect(calendar.request_finished, dispatch_uid="hall-calendar-request-finished")
post_save.connect(forget_department_refs, sender=Department, dispatch_uid="hall-department-refs-saved")
post_delete.connect(forget_department_refs, sender=Department, dispatch_uid="hall-department-refs-deleted")
