"""E-licence pages: the public verification page (reached by the licence's QR code), the holder's wallet
(我的证照) and its PDFs, and the approver's revocation form."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from approvals import licences, services
from approvals.models import Licence
from hall import throttling
from hall.audit import client_ip
from hall.errors import DomainError, OutsideScope


@require_GET
def verify(request, number: str):
    """Public: the licence's status now (valid, revoked, expired), its masked holder and its hash."""
    # numbers are sequential: the API's budget per address (THROTTLE_LICENCES), so that the page and the API
    # together cannot list every holder
    wait = throttling.refused_lookup(request, scope="licences")
    if wait is not None:
        context = {"throttled": throttling.wait_text(wait)}
        return throttling.refused_page(request, "approvals/licences/verify.html", context, wait)
    licence = licences.public_licence(number)
    context = {"licence": licence, "number": number[:40], "holder": licences.public_holder(licence) if licence else ""}
    return render(request, "approvals/licences/verify.html", context, status=200 if licence else 404)


@login_required
def my_licences(request):
    """证照夹: every licence of the account with its status; each can stand in for a material (免证办)."""
    rows = list(licences.wallet(request.user))
    return render(request, "approvals/licences/wallet.html", {"rows": rows})


@login_required
def licence_pdf(request, number: str):
    """The holder's licence PDF (rendered now if no worker has yet)."""
    try:
        licence = licences.render(licences.own_licence(request.user, number))
    except OutsideScope as exc:
        raise Http404(exc.detail) from exc
    response = FileResponse(licence.pdf.open("rb"), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{licence.number}.pdf"'
    response["X-Content-SHA256"] = licence.sha256
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def revoke(request, number: str):
    """撤销证照 (approver of the issuing department): reason and legal basis required."""
    licence = Licence.objects.select_related("application__item", "department").filter(number=number).first()
    if licence is None or not request.user.role_names:
        raise Http404
    errors = {}
    if request.method == "POST":
        try:
            licences.revoke_licence(number=number, by=request.user, reason=request.POST.get("reason", ""),
                                    basis=request.POST.get("basis", ""), ip=client_ip(request))  # fmt: skip
        except ValidationError as exc:
            errors = exc.message_dict
        except DomainError as exc:
            messages.error(request, exc.detail)
            return redirect("approvals:licence_verify", number)
        else:
            messages.success(request, f"证照 {number} 已撤销，核验页即时显示“已撤销”。")
            return redirect("approvals:licence_verify", number)
    return render(request, "approvals/licences/revoke.html",
                  {"licence": licence, "errors": errors, "values": request.POST})  # fmt: skip


@login_required
@require_POST
def use_licence(request, number: str):
    """免证办 on the portal: an e-licence of the wallet stands for the material (services.use_licence); a
    refusal (revoked, expired, wrong type) is shown on that material's row."""
    from approvals.views_portal import _back, _own_case, _report, _upload_refused

    case = _own_case(request, number)
    raw = str(request.POST.get("requirement_id") or "")
    requirement_id = int(raw) if raw.isdecimal() and len(raw) < 19 else None
    try:
        material = services.use_licence(
            case_id=case.pk, by=request.user, requirement_id=requirement_id,
            licence_number=request.POST.get("licence_number", ""), ip=client_ip(request),
        )  # fmt: skip
    except ValidationError as exc:
        return _upload_refused(request, case, requirement_id, exc.messages, 400)
    except DomainError as exc:
        _report(request, exc)
    else:
        name = material.requirement.name
        messages.success(request, f"已使用电子证照 {material.licence.number} 作为“{name}”，无需上传。")
    return _back(case, "materials")
