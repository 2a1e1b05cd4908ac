"""Read-only admin for cases: state changes go through the services (the workbench and the API)."""

from django.contrib import admin

from approvals.models import Application, Event


class EventInline(admin.TabularInline):
    model = Event
    fields = ("at", "action", "from_state", "to_state", "actor", "actor_role", "reason", "ip")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ("number", "item", "department", "state", "applicant_name", "submitted_at", "decision_due")
    list_filter = ("state", "department", "channel", "deadline_provisional", "deemed_accepted")
    search_fields = ("number",)
    list_select_related = ("item", "department")
    date_hierarchy = "created_at"
    inlines = [EventInline]
    show_full_result_count = False  # no COUNT(*) over a million rows on every page

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
