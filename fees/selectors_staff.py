"""Reads of the staff fee pages: the case to assess, the collection window's lookup and its lists
(each list in a constant number of queries: ``select_related`` for every column a row shows)."""

from django.apps import apps
from django.db.models import Count, Q, Sum

from fees.models import Assessment, Payment


def staff_case(number: str):
    """A case by number with what the assessment page shows (scope is checked by the caller)."""
    Application = apps.get_model("approvals", "Application")
    return (
        Application.objects.select_related("item", "item_version", "department")
        .filter(number=number).first()
    )  # fmt: skip


def window_assessment(departments, query: str) -> Assessment | None:
    """The assessment a cashier looks up by 缴款码 or case number, only in ``departments`` (a subquery)."""
    return (
        Assessment.objects.select_related("application__item", "department")
        .prefetch_related("lines", "payments__recorded_by")
        .filter(Q(payment_code=query) | Q(application__number=query), department_id__in=departments).first()
    )  # fmt: skip


def collections_between(departments, start, end, *, limit: int = 200):
    """Payments booked in ``[start, end)`` for ``departments``, newest first, with what a row shows."""
    return (
        Payment.objects.select_related("assessment__application__item", "recorded_by")
        .filter(assessment__department_id__in=departments, created_at__gte=start, created_at__lt=end)
        .order_by("-created_at", "-id")[:limit]
    )  # fmt: skip


def collections_total(departments, start, end) -> dict:
    return Payment.objects.filter(
        assessment__department_id__in=departments, created_at__gte=start, created_at__lt=end
    ).aggregate(count=Count("id"), total=Sum("amount_fen"))


def outstanding(departments, *, limit: int = 50):
    """Assessments still due in ``departments``, newest first (index ``fee_dept_status``)."""
    return (
        Assessment.objects.select_related("application__item")
        .filter(department_id__in=departments, status=Assessment.Status.DUE)
        .order_by("-assessed_at", "-id")[:limit]
    )  # fmt: skip
