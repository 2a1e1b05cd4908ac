"""Admin of the front desk: categories and their windows, appointment templates, the holiday item list
(节假日事项目录), and read-only views of tickets, slots, bookings and agency projects."""

from django.contrib import admin

from hall import audit
from hall.audit import client_ip
from hall.frontdesk.models import (
    Appointment,
    AppointmentSlot,
    AppointmentTemplate,
    CategoryWindow,
    HolidayItem,
    InvestmentProject,
    ServiceCategory,
    Ticket,
)


class AuditedAdmin(admin.ModelAdmin):
    """Configuration changes of the front desk are audited like the calendar's."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit.record(f"frontdesk.{obj._meta.model_name}.{'change' if change else 'add'}", obj, actor=request.user,
                     ip=client_ip(request), fields=sorted(form.changed_data))  # fmt: skip

    def delete_model(self, request, obj):
        audit.record(f"frontdesk.{obj._meta.model_name}.delete", obj, actor=request.user, ip=client_ip(request))
        super().delete_model(request, obj)


class CategoryWindowInline(admin.TabularInline):
    model = CategoryWindow
    extra = 1


class TemplateInline(admin.TabularInline):
    model = AppointmentTemplate
    extra = 0


@admin.register(ServiceCategory)
class ServiceCategoryAdmin(AuditedAdmin):
    list_display = ("code", "name", "prefix", "department", "average_minutes", "is_active")
    list_select_related = ("department",)
    inlines = [CategoryWindowInline, TemplateInline]


@admin.register(HolidayItem)
class HolidayItemAdmin(AuditedAdmin):
    list_display = ("item_code", "name", "category", "is_active")
    list_filter = ("is_active", "category")
    search_fields = ("item_code", "name")
    list_select_related = ("category",)


@admin.register(AppointmentTemplate)
class AppointmentTemplateAdmin(AuditedAdmin):
    list_display = ("category", "for_holidays", "start", "end", "capacity", "is_active")
    list_filter = ("for_holidays", "category")
    list_select_related = ("category",)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AppointmentSlot)
class AppointmentSlotAdmin(ReadOnlyAdmin):
    list_display = ("date", "start", "end", "category", "capacity", "booked", "for_holidays")
    list_filter = ("for_holidays", "category")
    date_hierarchy = "date"
    list_select_related = ("category",)


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyAdmin):
    list_display = ("slot", "user", "item_code", "state", "created_at")
    list_filter = ("state",)
    list_select_related = ("slot__category", "user")


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = ("day", "number", "category", "state", "window", "issued_at", "first_called_at", "finished_at")
    list_filter = ("state", "category")
    date_hierarchy = "day"
    list_select_related = ("category", "window")
    exclude = ("phone", "id_number")  # given at the kiosk: shown masked, like an applicant's everywhere
    readonly_fields = ("masked_phone", "masked_id_number")

    @admin.display(description="手机号码")
    def masked_phone(self, ticket):
        return f"{ticket.phone[:3]}****{ticket.phone[-4:]}" if ticket.phone else "—"

    @admin.display(description="证件号码")
    def masked_id_number(self, ticket):
        number = ticket.id_number
        return f"{number[:6]}{'*' * (len(number) - 10)}{number[-4:]}" if number else "—"


@admin.register(InvestmentProject)
class InvestmentProjectAdmin(ReadOnlyAdmin):
    list_display = ("name", "enterprise_name", "agent", "state", "requested_at")
    list_filter = ("state",)
    list_select_related = ("agent",)
