"""Written notices (文书) as PDF: rendered once from an HTML template with a CJK font by weasyprint,
stored with their SHA-256, numbered, and verifiable on a public page by their verification code.

受理通知书 acceptance · 不予受理通知书 rejection · 补正材料通知书 correction (one-time, art. 32) ·
特别程序告知书 special_procedure (art. 45) · 延期通知书 extension (art. 42) ·
准予/不予行政许可决定书 decision (arts. 38, 39) · 送达回证 delivery_receipt ·
缴款通知书 payment and 收费票据 receipt (arts. 58, 59: published standards only, all to the treasury).
"""

import base64
import hashlib
import secrets

import segno
from django.core.exceptions import ObjectDoesNotExist
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from approvals.models import Application, Notice, NumberSequence
from fees.models import Assessment
from fees.money import capital_yuan
from fees.services import RECEIPT_CODE
from hall.errors import OutsideScope

TITLES = {
    "acceptance": "受理通知书",
    "rejection": "不予受理通知书",
    "correction": "补正材料通知书",
    "special_procedure": "特别程序告知书",
    "extension": "延期通知书",
    "decision": "行政许可决定书",
    "delivery_receipt": "送达回证",
    "payment": "缴款通知书",
    "receipt": "收费票据",
}
SERIAL_WORDS = {"acceptance": "受", "rejection": "不受", "correction": "补", "special_procedure": "特",
                "extension": "延", "decision": "决", "delivery_receipt": "送", "payment": "缴",
                "receipt": "票"}  # fmt: skip


def occurrence(case: Application, kind: str) -> int | None:
    """Which occurrence of ``kind`` the case has reached (e.g. the correction round), None if none yet."""
    if kind == "acceptance":
        return 1 if case.accepted_at else None
    if kind == "rejection":
        return 1 if case.state == "rejected" else None
    if kind == "correction":
        return case.correction_round or None
    if kind == "special_procedure":
        return case.suspensions.count() or None
    if kind == "extension":
        return 1 if case.extension_days else None
    if kind == "decision":
        return 1 if case.decided_at else None
    if kind == "delivery_receipt":
        return 1 if case.delivered_at else None
    if kind in ("payment", "receipt"):
        assessment = _assessment(case)
        if assessment is None:
            return None
        if kind == "payment":
            return assessment.revision  # a corrected assessment gets a new, separately numbered notice
        return 1 if assessment.status == Assessment.Status.PAID else None
    return None


def _assessment(case: Application) -> Assessment | None:
    """The case's 缴款通知 (fees), read once per case object; items that charge nothing have none."""
    if not case.item_version.charges_fees:
        return None
    try:
        return case.fee_assessment
    except ObjectDoesNotExist:
        return None


def _serial(case: Application, kind: str) -> str:
    year = timezone.localdate().year
    key = f"notice-{case.department.code}-{kind}-{year}"
    NumberSequence.objects.get_or_create(key=key)
    row = NumberSequence.objects.select_for_update().get(key=key)
    row.value += 1
    row.save(update_fields=["value"])
    return f"{case.department.short_name or case.department.code}{SERIAL_WORDS[kind]}字〔{year}〕第{row.value:04d}号"


def _qr_data_uri(url: str) -> str:
    svg = segno.make(url, error="m").svg_inline(scale=3)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _context(case: Application, kind: str, seq: int, serial: str, code: str, verify_url: str) -> dict:
    context = {"case": case, "kind": kind, "title": TITLES[kind], "serial": serial, "code": code,
               "verify_url": verify_url, "qr": _qr_data_uri(verify_url), "issued_on": timezone.localdate(),
               "version": case.item_version}  # fmt: skip
    if kind == "correction":
        context["notice"] = case.correction_notices.prefetch_related("items__requirement").get(round=seq)
    if kind == "special_procedure":
        context["suspension"] = case.suspensions.order_by("started_at")[seq - 1]
    if kind in ("rejection", "decision"):
        context["event"] = case.events.filter(action__in=["reject_intake", "approve", "deny"]).last()
    if kind in ("payment", "receipt"):
        context.update(_fee_context(case, kind))
    return context


def _fee_context(case: Application, kind: str) -> dict:
    assessment = Assessment.objects.select_related("department").prefetch_related("lines").get(application=case)
    context = {"assessment": assessment, "lines": list(assessment.lines.all()),
               "capital": capital_yuan(assessment.due_fen)}  # fmt: skip
    if kind == "receipt":
        payment = assessment.payments.select_related("recorded_by").order_by("created_at", "id").last()
        code, _, number = payment.receipt_number.partition("-")
        context.update(payment=payment, receipt_code=code or RECEIPT_CODE, receipt_no=number or payment.receipt_number,
                       capital=capital_yuan(payment.amount_fen))  # fmt: skip
    return context


def render_pdf(html: str, base_url: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url).write_pdf()


def notice_for(case: Application, kind: str, *, base_url: str) -> Notice:
    """The stored notice of this kind for the case's current occurrence, rendered on first request."""
    if kind not in TITLES:
        raise OutsideScope("没有这种文书。")
    seq = occurrence(case, kind)
    if seq is None:
        raise OutsideScope("本件尚未产生该文书。")
    existing = Notice.objects.filter(application=case, kind=kind, seq=seq).first()
    if existing is not None:
        return existing
    code = secrets.token_hex(6).upper()
    verify_url = base_url.rstrip("/") + reverse("approvals:verify", args=[code])
    try:
        with transaction.atomic():
            serial = _serial(case, kind)
            html = render_to_string(
                f"approvals/notices/{kind}.html", _context(case, kind, seq, serial, code, verify_url)
            )
            pdf = render_pdf(html, base_url)
            notice = Notice(application=case, kind=kind, seq=seq, serial=serial, verification_code=code,
                            sha256=hashlib.sha256(pdf).hexdigest(), size=len(pdf))  # fmt: skip
            notice.pdf.save(f"{code}.pdf", ContentFile(pdf), save=False)
            notice.save()
            return notice
    except IntegrityError:  # rendered concurrently by another request: serve that one
        return Notice.objects.get(application=case, kind=kind, seq=seq)
