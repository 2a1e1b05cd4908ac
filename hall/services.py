"""User actions on the hall itself: the working-day calendar, staff roles, absence, heartbeats."""

from datetime import date

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone

from hall import audit, calendar
from hall.models import CalendarDay, CalendarYear, Department, Heartbeat, StaffMembership, User
from hall.roles import Role
from hall.signals import calendar_changed


def _calendar_changed(years: set[int], by) -> None:
    """Reload the calendar everywhere, then let listeners (open cases' due dates) react."""
    calendar.invalidate(shared=False)

    def after_commit():
        calendar.invalidate()
        calendar_changed.send(sender=CalendarDay, years=years, by=by)

    transaction.on_commit(after_commit)


def set_calendar_day(*, day: date, is_working: bool, note: str, by: User | None, ip: str | None = None) -> CalendarDay:
    """Enter or change an override of the official schedule (a holiday notice, a closure)."""
    with transaction.atomic():
        row = CalendarDay.objects.select_for_update().filter(date=day).first()
        before = None if row is None else row.is_working
        row = row or CalendarDay(date=day)
        row.is_working, row.note, row.updated_by = is_working, note, by
        row.save()
        audit.record("calendar.set_day", day, actor=by, ip=ip, before=before, after=is_working, note=note)
        _calendar_changed({day.year}, by)
    return row


def delete_calendar_day(*, day: date, by: User | None, ip: str | None = None) -> None:
    """Remove an override: the day falls back to the official schedule."""
    with transaction.atomic():
        deleted, _ = CalendarDay.objects.filter(date=day).delete()
        if deleted:
            audit.record("calendar.delete_day", day, actor=by, ip=ip)
            _calendar_changed({day.year}, by)


def confirm_calendar_year(*, year: int, note: str, by: User | None, ip: str | None = None) -> CalendarYear:
    """Declare a year's schedule entered: its due dates stop being provisional and are recomputed."""
    with transaction.atomic():
        row, _ = CalendarYear.objects.update_or_create(year=year, defaults={"note": note, "confirmed_by": by})
        audit.record("calendar.confirm_year", year, actor=by, ip=ip, note=note)
        _calendar_changed({year}, by)
    return row


def grant_role(*, user: User, role: str, department: Department | None = None, by: User | None = None) -> None:
    """Give a user a role (its group) and, for department roles, membership of that department."""
    with transaction.atomic():
        user.groups.add(Group.objects.get_or_create(name=role)[0])
        if department is not None:
            StaffMembership.objects.get_or_create(user=user, department=department, role=role)
        audit.record("staff.grant_role", user, actor=by, role=role, department=getattr(department, "code", None))
    user.__dict__.pop("_access", None)


def register_applicant(*, user: User, ip=None) -> User:
    """实名注册: save a new applicant account whose real-name data and password the registration form
    has checked (the identity number's check digit included; it is kept so that filing starts from it),
    give it the applicant role, audit it."""
    with transaction.atomic():
        user.save()
        grant_role(user=user, role=Role.APPLICANT)
        audit.record("hall.register", user.username, actor=user, ip=ip)
    return user


def set_absent(*, user: User, absent: bool, by: User) -> User:
    """Mark a staff member away or back (服务AB角: the B role takes new work while A is away)."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_absent=absent)
        user.is_absent = absent
        audit.record("staff.set_absent", user, actor=by, absent=absent)
    return user


def record_heartbeat(name: str) -> Heartbeat:
    """Note that a periodic process ran now; /healthz reports it stale after BEAT_HEARTBEAT_MAX_AGE."""
    beat, _ = Heartbeat.objects.update_or_create(name=name, defaults={"at": timezone.now()})
    return beat


# Django-admin permissions a role needs: catalog admins edit the directory, the calendar and the holiday item
# list (节假日事项目录: which items may be booked on holidays) there.
ROLE_ADMIN_PERMISSIONS = {
    Role.CATALOG_ADMIN: {"catalog": None, "hall": ("calendarday", "calendaryear", "holidayitem")},
}


def ensure_role_groups() -> None:
    """Create the role groups and give them their admin permissions (idempotent, runs after migrate)."""
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.value)
        for app_label, models in ROLE_ADMIN_PERMISSIONS.get(role, {}).items():
            perms = Permission.objects.filter(content_type__app_label=app_label)
            if models is not None:
                perms = perms.filter(content_type__model__in=models)
            group.permissions.add(*perms)
