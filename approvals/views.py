"""Pages shared by every persona: a notice PDF, the public verification of a notice."""

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from approvals import notices
from approvals.models import Notice
from approvals.scope import case_for
from hall.errors import OutsideScope


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
