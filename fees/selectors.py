"""Reads of the fee pages."""

import re

import segno
from django.apps import apps
from django.db.models import Count, Q, Sum

from fees.models import Assessment, Payment
from hall.models import User


def party_case(user: User, number: str):
    """The case if ``user`` filed it or owns it (the applicant or its agent), else None (→ 404)."""
    Application = apps.get_model("approvals", "Application")
    return (
        Application.objects.select_related("item", "department")
        .filter(Q(owner=user) | Q(filed_by=user), number=number).first()
    )  # fmt: skip


def assessment_of(case) -> Assessment | None:
    return Assessment.objects.filter(application_id=case.pk).prefetch_related("lines", "payments").first()


def qr_data_uri(text: str) -> str:
    return segno.make(text, error="m").svg_data_uri(scale=4)


def pay_context(request, case) -> dict:
    """The pay page: the assessment with its lines and payments; a QR code of this page for a phone."""
    assessment = assessment_of(case)
    payments = list(assessment.payments.all()) if assessment else []
    due = assessment is not None and assessment.status == Assessment.Status.DUE
    return {"case": case, "assessment": assessment, "payments": payments, "due": due,
            "qr": qr_data_uri(request.build_absolute_uri()) if due else None}  # fmt: skip


# --- the staff pages: the case to assess, the collection window's lookup and its lists (each list in a
# constant number of queries: ``select_related`` for every column a row shows) ---------------------------


def staff_case(number: str):
    """A case by number with what the assessment page shows (scope is checked by the caller)."""
    Application = apps.get_model("approvals", "Application")
    return (
        Application.objects.select_related("item", "item_version", "department")
        .filter(number=number).first()
    )  # fmt: skip


def window_query(raw: str) -> str:
    """What the cashier typed or scanned, as a 缴款码 or case number: spaces dropped, upper case; a scanned
    pay-page QR code (``…/fees/pay/<case number>/``) gives its case number."""
    text = "".join(str(raw or "").split())
    if match := re.search(r"/fees/pay/([^/?#]+)", text, flags=re.IGNORECASE):
        text = match.group(1)
    return text.upper()


def window_assessment(query: str) -> Assessment | None:
    """The assessment a cashier looks up by 缴款码, case number or scanned QR code — any department's:
    the hall has one collection point (一口收费); departments only limit who assesses."""
    query = window_query(query)
    if not query:
        return None
    return (
        Assessment.objects.select_related("application__item", "department")
        .prefetch_related("lines", "payments__recorded_by")
        .filter(Q(payment_code=query) | Q(application__number__iexact=query)).first()
    )  # fmt: skip


def collections_between(start, end, *, by=None, limit: int = 200):
    """Payments booked in ``[start, end)`` (by one cashier when ``by``), newest first, with what a row shows."""
    rows = Payment.objects.select_related("assessment__application__item", "assessment__department", "recorded_by")
    if by is not None:
        rows = rows.filter(recorded_by=by)
    return rows.filter(created_at__gte=start, created_at__lt=end).order_by("-created_at", "-id")[:limit]


def collections_total(start, end, *, by=None) -> dict:
    rows = Payment.objects.filter(created_at__gte=start, created_at__lt=end)
    if by is not None:
        rows = rows.filter(recorded_by=by)
    return rows.aggregate(count=Count("id"), total=Sum("amount_fen"))


def outstanding(*, limit: int = 50):
    """Assessments still due in the whole hall, newest first."""
    return (
        Assessment.objects.select_related("application__item")
        .filter(status=Assessment.Status.DUE)
        .order_by("-assessed_at", "-id")[:limit]
    )  # fmt: skip
