"""Django admin for the hall: departments, windows, staff, the calendar (with a year overview)."""

import calendar as pycalendar
from datetime import date

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone

from hall import calendar, services
from hall.audit import client_ip
from hall.models import (
    AuditEntry,
    CalendarDay,
    CalendarYear,
    Department,
    StaffMembership,
    User,
    Window,
    WindowStaff,
)

admin.site.site_header = "行政服务中心 管理后台"
admin.site.site_title = "行政服务中心"
admin.site.index_title = "系统管理"


class MembershipInline(admin.TabularInline):
    model = StaffMembership
    extra = 0
    autocomplete_fields = ["department"]


@admin.register(User)
class HallUserAdmin(UserAdmin):
    fieldsets = (
        *UserAdmin.fieldsets,
        ("服务大厅", {"fields": ("real_name", "phone", "is_absent")}),
    )
    list_display = ("username", "real_name", "phone", "is_staff", "is_absent", "is_active")
    list_filter = ("groups", "is_staff", "is_absent", "is_active")
    search_fields = ("username", "real_name", "phone")
    inlines = [MembershipInline]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent", "phone", "is_active")
    list_filter = ("level", "is_active")
    search_fields = ("code", "name", "short_name")
    inlines = [MembershipInline]


class WindowStaffInline(admin.TabularInline):
    model = WindowStaff
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Window)
class WindowAdmin(admin.ModelAdmin):
    list_display = ("number", "name", "department", "chief_representative", "is_comprehensive", "is_active")
    list_filter = ("department", "is_comprehensive", "is_active")
    search_fields = ("number", "name")
    autocomplete_fields = ["department", "chief_representative"]
    list_select_related = ("department", "chief_representative")
    inlines = [WindowStaffInline]


@admin.register(StaffMembership)
class StaffMembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "department", "role", "title")
    list_filter = ("role", "department")
    search_fields = ("user__username", "user__real_name", "department__name")
    autocomplete_fields = ["user", "department"]
    list_select_related = ("user", "department")


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """Overrides go through hall.services so that every change is audited and due dates follow."""

    list_display = ("date", "is_working", "note", "updated_by", "updated_at")
    list_filter = ("is_working",)
    date_hierarchy = "date"
    fields = ("date", "is_working", "note")
    change_list_template = "admin/hall/calendarday/change_list.html"

    def get_readonly_fields(self, request, obj=None):
        return ("date",) if obj else ()

    def save_model(self, request, obj, form, change):
        saved = services.set_calendar_day(
            day=obj.date, is_working=obj.is_working, note=obj.note, by=request.user, ip=client_ip(request)
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.delete_calendar_day(day=obj.date, by=request.user, ip=client_ip(request))

    def delete_queryset(self, request, queryset):
        for day in list(queryset.values_list("date", flat=True)):
            services.delete_calendar_day(day=day, by=request.user, ip=client_ip(request))

    def get_urls(self):
        view = self.admin_site.admin_view(self.year_view)
        return [path("year/<int:year>/", view, name="hall_calendar_year"), *super().get_urls()]

    def year_view(self, request, year: int):
        """The whole year month by month, so a person can check the schedule at a glance."""
        if not 1900 <= year <= 2999:
            year = timezone.localdate().year
        months = []
        for month in range(1, 13):
            weeks = []
            for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
                weeks.append([(d, calendar.day_kind(d)) if d.month == month else (None, "") for d in week])
            months.append({"number": month, "weeks": weeks})
        notes = dict(CalendarDay.objects.filter(date__year=year).values_list("date", "note"))
        context = {
            **self.admin_site.each_context(request),
            "title": f"{year} 年工作日历",
            "year": year,
            "months": months,
            "notes": sorted(notes.items()),
            "provisional": calendar.is_provisional(date(year, 1, 1)),
            "working_days": calendar.working_days_between(date(year - 1, 12, 31), date(year, 12, 31)),
            "opts": self.model._meta,
            "changelist_url": reverse("admin:hall_calendarday_changelist"),
        }
        return render(request, "admin/hall/calendar_year.html", context)


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ("year", "note", "confirmed_by", "confirmed_at")
    fields = ("year", "note")

    def save_model(self, request, obj, form, change):
        services.confirm_calendar_year(year=obj.year, note=obj.note, by=request.user, ip=client_ip(request))


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is append-only."""

    list_display = ("at", "actor", "action", "target", "ip")
    list_filter = ("action",)
    search_fields = ("target", "actor__username")
    list_select_related = ("actor",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# The front desk's admin (categories, windows, templates, the holiday item list) registers itself here.
from hall.frontdesk import admin as _frontdesk_admin  # noqa: E402, F401
