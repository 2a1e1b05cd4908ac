"""E-licences (电子证照): issued by the approval or the delivery of a case, verified by anyone, revoked by
an approver (or by the tell-and-commit ``revoke``), expired by the supervision scan, reused instead of
an upload (免证办).

- Issued once per approved case whose item's result is a licence or a certificate (``issues_licence``):
  at the approval when the applicant chose electronic delivery (the result is delivered through the
  portal), else when the result is delivered (行政许可法 art. 44: issue and deliver within 10 working
  days). The case row is locked by the act and ``Licence.application`` is unique, so a retried or
  racing delivery issues nothing twice.
- Numbered per type and year (``JSYDGH-2026-000001``) from one counter row incremented by an atomic
  ``INSERT … ON CONFLICT DO UPDATE … RETURNING``: two issuing transactions never read the same value.
- Validity from the item version (``licence_validity_years``; none = valid until revoked); the
  supervision scan expires licences past their last day in one statement (``expire_licences``).
- The PDF (weasyprint, CJK font, QR of the public verification URL) is rendered once after commit
  through the outbox; its SHA-256 is stored and shown on the verification page.
"""

import hashlib
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from approvals.intake import required_text
from approvals.models import Application, Licence, LicenceEvent, NumberSequence
from approvals.scope import is_staff_of
from catalog.models import ItemVersion
from hall import audit, calendar, outbox
from hall.errors import Conflict, NotPermitted, OutsideScope
from hall.models import User
from hall.roles import Role

LICENSED_RESULTS = (ItemVersion.ResultType.LICENCE, ItemVersion.ResultType.CERTIFICATE)
Status = Licence.Status


def issues_licence(version: ItemVersion) -> bool:
    """An item whose result is a licence or a certificate (证照) issues an e-licence when approved."""
    return version.result_type in LICENSED_RESULTS


def type_code(version: ItemVersion) -> str:
    return version.licence_type_code or version.item.code.upper()


def licence_number(code: str, year: int) -> str:
    return f"{code}-{year}-{NumberSequence.next(f'licence-{code}-{year}'):06d}"


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def validity(version: ItemVersion, issued_on: date) -> tuple[date | None, datetime | None]:
    """(last valid day, the instant after which it has expired): N years less a day, or none."""
    if not version.licence_validity_years:
        return None, None
    last = add_years(issued_on, version.licence_validity_years) - timedelta(days=1)
    return last, calendar.end_of_day(last)


def issue_for(case: Application, *, at: datetime | None = None, by: User | None = None) -> Licence | None:
    """发证: the case's licence, issued now if it has none (call inside the act's transaction, the case
    row locked). None when the case does not produce one (denied, or a result that is no licence)."""
    if case.decision != Application.Decision.APPROVED or not issues_licence(case.item_version):
        return None
    existing = Licence.objects.filter(application=case).first()
    if existing is not None:
        return existing
    at = at or timezone.now()
    issued_on = calendar.local_date(at)
    version = case.item_version
    code = type_code(version)
    valid_until, expires_at = validity(version, issued_on)
    licence = Licence.objects.create(
        number=licence_number(code, issued_on.year), type_code=code, name=version.result_name, application=case,
        department=case.department, holder_type=case.applicant_type, holder_name=case.applicant_name,
        holder_id_number=case.applicant_id_number, holder_account=case.owner, issued_at=at, issued_on=issued_on,
        valid_until=valid_until, expires_at=expires_at,
    )  # fmt: skip
    LicenceEvent.objects.create(licence=licence, at=at, action="issue", actor=by, data={"case": case.number})
    outbox.enqueue("approvals.licences.render_issued", licence_id=licence.pk)
    return licence


def on_transition(case: Application, action: str, *, at: datetime, by: User | None) -> None:
    """Called by the approve and deliver acts inside their transaction (``approvals.services``)."""
    electronic = case.delivery_choice == Application.Delivery.ELECTRONIC
    if action == "deliver" or (action == "approve" and electronic):
        issue_for(case, at=at, by=by)


# --- the PDF ------------------------------------------------------------------------------------------


def verify_url(licence: Licence) -> str:
    return settings.SITE_URL + reverse("approvals:licence_verify", args=[licence.number])


def licence_html(licence: Licence) -> str:
    from approvals.notices import _qr_data_uri

    url = verify_url(licence)
    return render_to_string(
        "approvals/licences/licence.html",
        {"licence": licence, "case": licence.application, "verify_url": url, "qr": _qr_data_uri(url),
         "holder_id": mask_id(licence.holder_id_number)},
    )  # fmt: skip


def render(licence: Licence) -> Licence:
    """Render and store the licence PDF once (concurrent renders: the first stays)."""
    from approvals.notices import render_pdf

    if licence.pdf:
        return licence
    pdf = render_pdf(licence_html(licence), settings.SITE_URL + "/")
    with transaction.atomic():
        locked = Licence.objects.select_for_update().get(pk=licence.pk)
        if not locked.pdf:
            locked.sha256, locked.size = hashlib.sha256(pdf).hexdigest(), len(pdf)
            locked.pdf.save(f"{locked.number}.pdf", ContentFile(pdf), save=False)
            locked.save(update_fields=["pdf", "sha256", "size"])
    return locked


def render_issued(*, licence_id: int) -> None:
    """Outbox handler: a failed render leaves the licence issued and is retried; a download renders it."""
    render(Licence.objects.select_related("application__item", "department").get(pk=licence_id))


# --- masking (public shapes) ---------------------------------------------------------------------------


def mask_id(number: str) -> str:
    return f"{number[:6]}{'*' * 8}{number[-4:]}" if len(number) >= 14 else "*" * len(number)


def public_holder(licence: Licence) -> str:
    """A person's name is masked (张*); an organisation's name is public (it is on its business licence).
    The ID or credit code is always masked."""
    name = licence.holder_name
    if licence.holder_type == Application.ApplicantType.PERSON:
        name = f"{name[:1]}{'*' * max(len(name) - 1, 1)}"
    return f"{name}（{mask_id(licence.holder_id_number)}）"


# --- selectors -----------------------------------------------------------------------------------------


def public_licence(number: str) -> Licence | None:
    return Licence.objects.select_related("department").filter(number=str(number).strip()[:40]).first()


def wallet(user: User) -> QuerySet[Licence]:
    """证照夹: the licences held by the account, newest first (one query with their departments)."""
    if not user.is_authenticated:
        return Licence.objects.none()
    return Licence.objects.filter(holder_account=user).select_related("department").order_by("-issued_at", "-id")


def own_licence(user: User, number: str) -> Licence:
    licence = wallet(user).filter(number=number).first()
    if licence is None:
        raise OutsideScope("没有这本证照。")
    return licence


# --- revocation and expiry -----------------------------------------------------------------------------


def _revoke(licence: Licence, *, by: User | None, reason: str, basis: str, at: datetime, ip=None) -> None:
    licence.status, licence.status_changed_at = Status.REVOKED, at
    licence.revoked_by, licence.revoke_reason, licence.revoke_basis = by, reason, basis
    licence.save(update_fields=["status", "status_changed_at", "revoked_by", "revoke_reason", "revoke_basis"])
    LicenceEvent.objects.create(licence=licence, at=at, action="revoke", actor=by, reason=reason,
                                data={"basis": basis})  # fmt: skip
    audit.record("approvals.revoke_licence", licence.number, actor=by, ip=ip, reason=reason, basis=basis,
                 case=licence.application.number)  # fmt: skip


def _reason_and_basis(reason: str, basis: str) -> tuple[str, str]:
    errors = {}
    try:
        reason = required_text(reason, "reason", "请填写撤销理由。")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        basis = required_text(basis, "basis", "请填写撤销的法律依据（如行政许可法第六十九条）。")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return reason[:2000], basis[:500]


def revoke_licence(*, number: str, by: User, reason: str, basis: str, ip=None) -> Licence:
    """撤销证照 by an approver of the issuing department, with the reason and the legal basis
    (行政许可法 art. 69); the public verification shows “已撤销” from the commit on."""
    reason, basis = _reason_and_basis(reason, basis)
    with transaction.atomic():
        licence = Licence.objects.select_for_update().select_related("application").filter(number=number).first()
        if licence is None:
            raise OutsideScope("没有这本证照。")
        if not is_staff_of(by, licence.application, Role.APPROVER):
            raise NotPermitted("只有发证部门的审批人员可以撤销证照。")
        if licence.status != Status.VALID:
            raise Conflict(f"该证照当前状态为“{licence.get_status_display()}”，不能撤销。")
        _revoke(licence, by=by, reason=reason, basis=basis, at=timezone.now(), ip=ip)
        outbox.enqueue("approvals.licences.notify_revoked", licence_id=licence.pk)
    return licence


def revoke_licences_of_case(case: Application, by: User | None, reason: str, basis: str) -> int:
    """The licences of ``case`` revoked as part of another act (the tell-and-commit ``revoke``
    transition, which has checked who may and writes the case's Event): call it inside that act's
    transaction. Returns how many were revoked; already revoked or expired ones are left as they are."""
    reason, basis = _reason_and_basis(reason, basis)
    revoked = 0
    at = timezone.now()
    for licence in (
        Licence.objects.select_for_update().select_related("application").filter(application=case, status=Status.VALID)
    ):
        _revoke(licence, by=by, reason=reason, basis=basis, at=at)
        outbox.enqueue("approvals.licences.notify_revoked", licence_id=licence.pk)
        revoked += 1
    return revoked


def notify_revoked(*, licence_id: int) -> None:
    """Outbox handler: the holder is told that the licence was revoked, and why."""
    from hall.notify import notify

    licence = Licence.objects.select_related("holder_account").get(pk=licence_id)
    notify(licence.holder_account, kind="licence_revoked", title=f"证照已撤销：{licence.name}",
           body=f"证照编号 {licence.number}。理由：{licence.revoke_reason}；依据：{licence.revoke_basis}",
           url=reverse("approvals:my_licences"))  # fmt: skip


def expire_licences(at: datetime) -> int:
    """过期 (run by the supervision scan): every valid licence whose last day has ended, in two set-based
    statements in the scan's transaction — the log rows, then the status. Returns how many expired."""
    licence, event = (connection.ops.quote_name(m._meta.db_table) for m in (Licence, LicenceEvent))
    value = connection.ops.adapt_datetimefield_value(at)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {event} (licence_id, at, action, reason, data)"
            f" SELECT id, expires_at, 'expire', '', '{{}}' FROM {licence} WHERE status = 'valid' AND expires_at < %s",
            [value],
        )
        cursor.execute(
            f"UPDATE {licence} SET status = 'expired', status_changed_at = expires_at"
            " WHERE status = 'valid' AND expires_at < %s",
            [value],
        )
        return cursor.rowcount
