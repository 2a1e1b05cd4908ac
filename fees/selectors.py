"""Reads of the fee pages."""

import segno
from django.apps import apps
from django.db.models import Q

from fees.models import Assessment
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
