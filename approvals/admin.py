"""Read-only admin for cases: state changes go through the services (the workbench and the API)."""

from django.contrib import admin

from approvals.models import Application, Evaluation, Event


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


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    """好差评, read only: a rating is the applicant's and is never edited or deleted here."""

    list_display = ("application", "level", "channel", "created_at")
    list_filter = ("level", "channel")
    search_fields = ("application__number",)
    list_select_related = ("application",)
    raw_id_fields = ("application", "rater")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
