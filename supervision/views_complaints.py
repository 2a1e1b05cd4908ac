"""投诉 pages: the public form and tracking page (/supervision/complaints/new/, /supervision/complaints/track/),
the supervisors' list with 派单 and 回访办结 (/supervision/complaints/), the department's list with its answer
form (/supervision/department-complaints/). Views parse and shape; ``supervision.complaints`` decides."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hall import throttling
from hall.audit import client_ip
from hall.errors import DomainError, OutsideScope
from hall.models import Department
from hall.roles import DEPARTMENT_ROLES
from supervision import complaints
from supervision.models import Complaint
from supervision.views import supervisors_only

LIST_SIZE = 100
OPEN_FIRST = Case(
    When(state=Complaint.State.RECEIVED, then=Value(0)), When(state=Complaint.State.ANSWERED, then=Value(1)),
    When(state=Complaint.State.ASSIGNED, then=Value(2)), default=Value(3), output_field=IntegerField(),
)  # fmt: skip
FIELDS = ("text", "case_number", "department_code", "window_number", "contact_name", "contact_phone")


def _errors(exc: ValidationError) -> dict:
    return exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}


def _flash(request, exc: Exception) -> None:
    if isinstance(exc, ValidationError):
        messages.error(request, "；".join(t for texts in _errors(exc).values() for t in texts))
    else:
        messages.error(request, exc.detail)


def _departments():
    return Department.objects.filter(is_active=True).only("code", "name").order_by("sort_order", "code")


@require_http_methods(["GET", "POST"])
def new(request):
    """The public complaint form (anonymous allowed). Throttled like the API per client address."""
    context = {"departments": _departments(), "values": {f: request.GET.get(f, "") for f in FIELDS}}
    status = 200
    if request.method == "POST":
        context["values"] = {f: request.POST.get(f, "") for f in FIELDS}
        from supervision.api_complaints import AnonymousComplaintThrottle

        if not request.user.is_authenticated and not AnonymousComplaintThrottle().allow_request(request, None):
            context["refused"], status = "提交过于频繁，请稍后再试，或拨打 12345 热线。", 429
        else:
            try:
                complaint = complaints.file_complaint(
                    **context["values"], files=request.FILES.getlist("files"), by=request.user, ip=client_ip(request)
                )
                return render(request, "supervision/complaint_filed.html", {"complaint": complaint}, status=201)
            except ValidationError as exc:
                context["errors"], status = _errors(exc), 400
            except DomainError as exc:
                context["refused"], status = exc.detail, exc.status_code
    return render(request, "supervision/complaint_new.html", context, status=status)


@require_GET
def track(request):
    """Follow a complaint by tracking number and query code (no personal data); throttled like the API."""
    number, code = request.GET.get("number", "").strip(), request.GET.get("query_code", "").strip()
    context, status = {"number": number}, 200
    if number or code:
        # the API's two counters: per address and per tracking number, whatever the address (THROTTLE_PROGRESS*)
        wait = throttling.refused_lookup(request, scope="progress", number=number)
        if wait is not None:
            context["refused"] = f"查询过于频繁，请 {throttling.wait_text(wait)}后再试。"
            return throttling.refused_page(request, "supervision/complaint_track.html", context, wait)
        try:
            context["view"] = complaints.public_view(number, code)
        except OutsideScope as exc:
            context["refused"], status = exc.detail, 404
    return render(request, "supervision/complaint_track.html", context, status=status)


@supervisors_only
def supervisor_list(request):
    rows = complaints.visible_complaints(request.user).select_related("merged_into").prefetch_related("attachments")
    rows = list(rows.order_by(OPEN_FIRST, "-received_at", "-id")[:LIST_SIZE])
    context = {"complaints": rows, "departments": _departments(), "findings": Complaint.Finding.choices,
               "satisfaction": Complaint._meta.get_field("satisfaction").choices}  # fmt: skip
    return render(request, "supervision/complaints.html", context)


def _act(request, complaint_id: int, call, success: str):
    """One supervisor's POST: the service call, then back to the complaint with its outcome as a message
    (out of scope → 404, not permitted → 403)."""
    try:
        call()
    except OutsideScope as exc:
        raise Http404(exc.detail) from exc
    except (ValidationError, DomainError) as exc:
        if getattr(exc, "status_code", 400) == 403:
            raise PermissionDenied(exc.detail) from exc
        _flash(request, exc)
    else:
        messages.success(request, success)
    return redirect(reverse("supervision:complaints") + f"#complaint-{complaint_id}")


@login_required
@require_POST
def assign(request, complaint_id: int):
    post = request.POST
    return _act(request, complaint_id, lambda: complaints.assign_complaint(
        complaint_id=complaint_id, by=request.user, department_code=post.get("department_code", ""),
        due_days=post.get("due_days"), ip=client_ip(request),
    ), "已派单。")  # fmt: skip


@login_required
@require_POST
def close(request, complaint_id: int):
    post = request.POST
    return _act(request, complaint_id, lambda: complaints.close_complaint(
        complaint_id=complaint_id, by=request.user, callback_note=post.get("callback_note", ""),
        finding=post.get("finding", ""), satisfaction=post.get("satisfaction"), ip=client_ip(request),
    ), "已回访办结。")  # fmt: skip


@login_required
@require_GET
def department_list(request):
    if not request.user.role_names & set(DEPARTMENT_ROLES):
        raise Http404("没有这个页面。")
    rows = complaints.visible_complaints(request.user).exclude(state=Complaint.State.MERGED)
    rows = list(rows.prefetch_related("attachments").order_by(OPEN_FIRST, "due", "-id")[:LIST_SIZE])
    return render(request, "supervision/department_complaints.html", {"complaints": rows})


@login_required
@require_POST
def answer(request, complaint_id: int):
    try:
        complaints.answer_complaint(
            complaint_id=complaint_id, by=request.user, answer=request.POST.get("answer", ""), ip=client_ip(request)
        )
        messages.success(request, "已答复。")
    except OutsideScope as exc:
        raise Http404(exc.detail) from exc
    except (ValidationError, DomainError) as exc:
        _flash(request, exc)
    return redirect(reverse("supervision:department_complaints") + f"#complaint-{complaint_id}")


@login_required
@require_GET
def attachment(request, complaint_id: int, attachment_id: int):
    """A complaint's file, for those who may see the complaint (supervisors, the assigned department)."""
    from approvals.views import material_response
    from supervision.models import ComplaintAttachment

    complaint = complaints.visible_complaints(request.user).filter(pk=complaint_id).first()
    row = ComplaintAttachment.objects.filter(complaint=complaint, pk=attachment_id).first() if complaint else None
    if row is None:
        raise Http404("没有这个附件。")
    return material_response(row)
