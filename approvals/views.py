"""Pages shared by every persona: a notice PDF, the public verification of a notice, an uploaded file."""

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from approvals import notices
from approvals.materials import active_pdf_content, clean_name
from approvals.models import Material, Notice
from approvals.scope import case_for
from hall.errors import OutsideScope

INLINE_TYPES = {"application/pdf", "image/jpeg", "image/png"}
MAX_ID = 2**63 - 1
UPLOAD_LIMIT_BYTES = 64 * 1024 * 1024  # well above UPLOAD_MAX_MB: a stored file is read whole


def _active(handle) -> bool:
    """A PDF stored before uploads were checked for scripts and launch actions (issue 12) is never shown
    inline: the browser's viewer would run what it carries; a download goes to the desktop's viewer."""
    data = handle.read(UPLOAD_LIMIT_BYTES)
    handle.seek(0)
    return active_pdf_content(data) is not None


def material_response(row: Material) -> FileResponse:
    """An uploaded file (the caller has checked who may read it): inline for PDF and images with the
    stored (sniffed) content type, as a download otherwise; never content-sniffed by the browser."""
    try:
        handle = row.file.open("rb")
    except OSError as exc:
        raise Http404("材料文件缺失。") from exc
    inline = row.content_type in INLINE_TYPES and not (row.content_type == "application/pdf" and _active(handle))
    response = FileResponse(handle, content_type=row.content_type)
    response["Content-Disposition"] = content_disposition_header(
        not inline, clean_name(row.original_name, default="material")
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def notice_response(request, number: str, kind: str) -> FileResponse:
    """The PDF of a notice the case's act issued, for a user in its scope (only reads what was issued)."""
    try:
        case = case_for(request.user, number)
        notice = notices.notice_for(case, kind)
    except OutsideScope as exc:
        raise Http404(exc.detail) from exc
    response = FileResponse(notice.pdf.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{case.number}-{kind}.pdf"'
    response["X-Content-SHA256"] = notice.sha256
    return response


@require_GET
def notice_pdf(request, number: str, kind: str):
    if not request.user.is_authenticated:
        raise Http404
    return notice_response(request, number, kind)


@require_GET
def verify(request, code: str):
    """Public: does this verification code belong to a genuine notice? No personal data shown."""
    notice = (
        Notice.objects.select_related("application__item", "application__department")
        .filter(verification_code=code.strip().upper()[:12])
        .first()
    )
    title = notices.title_of(notice) if notice else None
    return render(request, "approvals/verify.html", {"notice": notice, "title": title}, status=200 if notice else 404)
