"""Written notices (文书): issued by the act that causes them (``issue``, inside the act's transaction:
numbered, dated, given a verification code), then rendered once to PDF from an HTML template with a
CJK font by weasyprint right after commit, stored with their SHA-256, verifiable on a public page.
A download only reads what was issued; nothing in a notice changes after its act.

受理通知书 acceptance · 不予受理通知书 rejection · 补正材料通知书 correction (one-time, art. 32) ·
特别程序告知书 special_procedure (art. 45) · 延期通知书 extension (art. 42) ·
decision 决定书 named for the item's type (准予/不予行政许可决定书 only for 行政许可, art. 38) ·
送达回证 delivery_receipt ·
缴款通知书 payment and 收费票据 receipt (arts. 58, 59: published standards only, all to the treasury).
"""

import base64
import hashlib
import secrets
import threading
from datetime import datetime

import segno
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from approvals.models import Application, Notice, NumberSequence
from fees.models import Assessment
from fees.money import capital_yuan
from fees.services import RECEIPT_CODE
from hall import outbox
from hall.errors import OutsideScope
from hall.prepared import OneRow

TITLES = {
    "acceptance": "受理通知书",
    "rejection": "不予受理通知书",
    "correction": "补正材料通知书",
    "special_procedure": "特别程序告知书",
    "extension": "延期通知书",
    "decision": "决定书",
    "delivery_receipt": "送达回证",
    "payment": "缴款通知书",
    "receipt": "收费票据",
    "refund": "退款凭证",
    "joint_minutes": "集中会审纪要",
    "commitment": "告知承诺书",
    "revocation": "撤销行政决定书",
}
SERIAL_WORDS = {"acceptance": "受", "rejection": "不受", "correction": "补", "special_procedure": "特",
                "extension": "延", "decision": "决", "delivery_receipt": "送", "payment": "缴",
                "receipt": "票", "refund": "退", "joint_minutes": "会", "commitment": "诺",
                "revocation": "撤"}  # fmt: skip


def occurrence(case: Application, kind: str) -> int | None:
    """Which occurrence of ``kind`` the case has reached (e.g. the correction round), None if none yet:
    the ``seq`` of the notice its act issues."""
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
    if kind == "joint_minutes":  # 集中会审纪要 of a joint case: one per recorded meeting (no query otherwise)
        if not case.item_version.joint:
            return None
        return case.joint_meetings.filter(recorded_at__isnull=False).count() or None
    if kind == "commitment":  # one signed 告知承诺书 per signing; only tell-and-commit versions have them
        if not case.item_version.tell_and_commit:
            return None
        signed = getattr(case, "signed_commitments", None)  # read by selectors.case_detail
        return (len(signed) if signed is not None else case.commitments.count()) or None
    if kind == "revocation":
        return 1 if case.state == "revoked" else None
    if kind in ("payment", "receipt", "refund"):
        assessment = _assessment(case)
        if assessment is None:
            return None
        if kind == "payment":
            return assessment.revision  # a corrected assessment gets a new, separately numbered notice
        if kind == "refund":
            return assessment.refunds.count() or None  # one 退款凭证 per refund (partial refunds)
        # a waiver (减免) gets its receipt too, reading 0
        return 1 if assessment.status in (Assessment.Status.PAID, Assessment.Status.WAIVED) else None
    return None


def _assessment(case: Application) -> Assessment | None:
    """The case's 缴款通知 (fees), read once per case object; items that charge nothing have none."""
    if not case.item_version.charges_fees:
        return None
    try:
        return case.fee_assessment
    except ObjectDoesNotExist:
        return None


def _serial(case: Application, kind: str, year: int) -> str:
    key = f"notice-{case.department.code}-{kind}-{year}"
    value = NumberSequence.next(key)
    return f"{case.department.short_name or case.department.code}{SERIAL_WORDS[kind]}字〔{year}〕第{value:04d}号"


def _qr_data_uri(url: str) -> str:
    svg = segno.make(url, error="m").svg_inline(scale=3)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def _facts(case: Application) -> dict:
    """What may still change after the act (an extension moves the due date): kept as of the act, so a
    notice rendered later reads exactly what the act decided."""
    return {
        name: value.isoformat() if value else None
        for name, value in (("decision_due", case.decision_due), ("delivery_due", case.delivery_due))
    } | {"extension_days": case.extension_days, "extension_reason": case.extension_reason}


def _as_of(facts: dict) -> dict:
    parsed = dict(facts)
    for name in ("decision_due", "delivery_due"):
        parsed[name] = datetime.fromisoformat(facts[name]) if facts.get(name) else None
    return parsed


def title_of(notice: Notice) -> str:
    """A decision document is named for what the item is (only 行政许可 items get 行政许可决定书)."""
    if notice.kind == "decision":
        terms = notice.application.decision_terms
        return terms.approved_title if notice.application.decision == "approved" else terms.denied_title
    return TITLES[notice.kind]


def _context(notice: Notice, verify_url: str) -> dict:
    case, kind, seq = notice.application, notice.kind, notice.seq
    context = {"case": case, "kind": kind, "title": title_of(notice), "serial": notice.serial,
               "code": notice.verification_code, "verify_url": verify_url, "qr": _qr_data_uri(verify_url),
               "issued_on": timezone.localdate(notice.issued_at), "version": case.item_version,
               "facts": _as_of(notice.facts), "terms": case.decision_terms}  # fmt: skip
    if kind == "correction":
        context["notice"] = case.correction_notices.prefetch_related("items__requirement").get(round=seq)
    if kind == "special_procedure":
        context["suspension"] = case.suspensions.order_by("started_at", "id")[seq - 1]
    if kind in ("rejection", "decision"):
        context["event"] = case.events.filter(
            action__in=["reject_intake", "approve", "deny", "instant_approve", "decide_on_the_spot"]
        ).last()
    if kind == "commitment":
        context["commitment"] = case.commitments.prefetch_related("requirements").get(seq=seq)
    if kind == "revocation":
        context["event"] = case.events.filter(action="revoke").last()
    if kind in ("payment", "receipt", "refund"):
        context.update(_fee_context(case, kind, seq))
    if kind == "joint_minutes":
        context["meeting"] = case.joint_meetings.prefetch_related("participants__memberships__department").get(
            minutes_seq=seq
        )
        context["tasks"] = case.joint_tasks.select_related("department").order_by("department__code")
    return context


def _fee_context(case: Application, kind: str, seq: int = 1) -> dict:
    assessment = Assessment.objects.select_related("department").prefetch_related("lines").get(application=case)
    context = {"assessment": assessment, "lines": list(assessment.lines.all()),
               "capital": capital_yuan(assessment.due_fen)}  # fmt: skip
    if kind == "refund":
        refund = assessment.refunds.select_related("request", "approved_by").order_by("created_at", "id")[seq - 1]
        code, _, number = refund.receipt_number.partition("-")
        context.update(refund=refund, receipt_code=code, receipt_no=number, capital=capital_yuan(refund.amount_fen))
        return context
    if kind == "receipt" and assessment.status == Assessment.Status.WAIVED:
        context.update(payment=None, receipt_code=RECEIPT_CODE, receipt_no="—（减免，无实收）", capital=capital_yuan(0))
        return context
    if kind == "receipt":
        payment = assessment.payments.select_related("recorded_by").order_by("created_at", "id").last()
        code, _, number = payment.receipt_number.partition("-")
        context.update(payment=payment, receipt_code=code or RECEIPT_CODE, receipt_no=number or payment.receipt_number,
                       capital=capital_yuan(payment.amount_fen))  # fmt: skip
    return context


_fonts = threading.local()


def font_config():
    """One weasyprint ``FontConfiguration`` per thread, reused by every render (issue 22, point 3).

    Without one, weasyprint builds a new configuration — a new Pango font map — per document, and each
    map loads the ~20 MB Noto CJK faces again: a worker's memory grew with every notice it rendered.
    Per thread, because a Pango font map is not meant to be shared between threads (the web's
    render-on-download path may run in threads; Celery's prefork workers have one)."""
    config = getattr(_fonts, "config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration

        config = _fonts.config = FontConfiguration()
    return config


def render_pdf(html: str, base_url: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url).write_pdf(font_config=font_config())


# The notice an act issues, if it exists already (asked by every act that issues one): compiled once
# (hall.prepared; issue 22).
_ISSUED = OneRow(
    lambda application_id, kind, seq: (
        Notice.objects.filter(application_id=application_id).filter(kind=kind).filter(seq=seq).order_by("pk")
    )
)


def issue(case: Application, kind: str, *, at: datetime | None = None) -> Notice:
    """出具: the act that causes a notice issues it, inside its own transaction — numbered and dated
    then, whatever happens later. The PDF is rendered after commit through the outbox
    (``render_issued``); a download only reads it (and renders it first if no worker has yet)."""
    seq = occurrence(case, kind)
    at = at or timezone.now()
    existing = _ISSUED.get(case.pk, kind, seq)
    if existing is not None:
        return existing
    notice = Notice.objects.create(
        application=case, kind=kind, seq=seq, serial=_serial(case, kind, timezone.localdate(at).year),
        verification_code=secrets.token_hex(6).upper(), issued_at=at, facts=_facts(case),
    )  # fmt: skip
    outbox.enqueue("approvals.notices.render_issued", notice_id=notice.pk)
    return notice


def render(notice: Notice) -> Notice:
    """Render and store the PDF of an issued notice once (concurrent renders: the first one stays)."""
    if notice.pdf:
        return notice
    verify_url = settings.SITE_URL + reverse("approvals:verify", args=[notice.verification_code])
    html = render_to_string(f"approvals/notices/{notice.kind}.html", _context(notice, verify_url))
    pdf = render_pdf(html, settings.SITE_URL + "/")
    with transaction.atomic():
        locked = Notice.objects.select_for_update().select_related("application").get(pk=notice.pk)
        if not locked.pdf:
            locked.sha256, locked.size = hashlib.sha256(pdf).hexdigest(), len(pdf)
            locked.pdf.save(f"{locked.verification_code}.pdf", ContentFile(pdf), save=False)
            locked.save(update_fields=["pdf", "sha256", "size"])
    return locked


def render_issued(*, notice_id: int) -> None:
    """Outbox handler (written by the act, run after commit): a failed render leaves the notice issued
    and unrendered — never undoing the act — and is retried; a download renders it meanwhile, from
    what was fixed at issue."""
    render(Notice.objects.select_related("application").get(pk=notice_id))


def notice_for(case: Application, kind: str) -> Notice:
    """The issued notice of this kind for the case's current occurrence; 404 while none was issued."""
    if kind not in TITLES:
        raise OutsideScope("没有这种文书。")
    seq = occurrence(case, kind)
    notice = Notice.objects.filter(application=case, kind=kind, seq=seq).first() if seq else None
    if notice is None:
        raise OutsideScope("本件尚未出具该文书。")
    notice.application = case
    return render(notice)


def issued_notices(case: Application) -> list[dict]:
    """The notices the case has, one row per kind at its current occurrence, for the case pages."""
    current = {kind: occurrence(case, kind) for kind in TITLES}
    issued = {}
    for notice in Notice.objects.filter(application=case).only("kind", "seq", "application_id").order_by("id"):
        if current.get(notice.kind) == notice.seq:
            notice.application = case
            issued[notice.kind] = title_of(notice)
    return [{"kind": kind, "title": issued[kind]} for kind in TITLES if kind in issued]
