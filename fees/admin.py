"""Read-only admin for fees: assessments and payments change only through fees.services."""

from django.contrib import admin

from fees.models import Assessment, AssessmentLine, Payment, PaymentAnomaly


class ReadOnlyAdmin(admin.ModelAdmin):
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class LineInline(admin.TabularInline):
    model = AssessmentLine
    fields = ("name", "quantity", "amount_fen", "note", "basis")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class PaymentInline(LineInline):
    model = Payment
    fields = ("receipt_number", "amount_fen", "channel", "transaction_id", "paid_at", "recorded_by")
    readonly_fields = fields


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin):
    list_display = ("payment_code", "application", "department", "due_fen", "paid_fen", "status", "assessed_at")
    list_filter = ("status", "department")
    search_fields = ("payment_code", "application__number")
    list_select_related = ("application", "department")
    inlines = [LineInline, PaymentInline]


@admin.register(PaymentAnomaly)
class PaymentAnomalyAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "gateway", "reason", "payment_code", "amount_fen", "transaction_id")
    list_filter = ("reason", "gateway")
    search_fields = ("payment_code", "transaction_id")
