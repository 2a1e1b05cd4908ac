"""投诉 (GB/T 36113 服务投诉处置规范; 国办发〔2019〕51号: open complaint channels) and their handling.

Anyone files a complaint — about a case, a window or a department, with or without an account or a
contact — and gets a tracking number and a query code to follow it. Supervisors assign it (派单) to a
department with a deadline in working days; the department answers (办理, 答复); the supervisor calls the
complainant back (回访) and closes it with their satisfaction (评价). 12345 hotline work orders arrive
already dispatched (``supervision.hotline``) and every answer and closing goes back to 12345.

Duplicates: a complaint is merged into an open one (kept, state ``merged``, answered with it) when it
carries the same 12345 work order number (then it is the same complaint: nothing new is stored), or when
it names the same case — or, without a case, the same department — from the same contact phone within
``COMPLAINT_MERGE_DAYS`` days. Anonymous complaints (no phone) are never merged: nothing ties them.

Every act is one transaction with an audit entry; notifications leave after commit through the outbox.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from approvals.materials import check_upload, clean_name
from approvals.models import Application
from hall import audit, calendar, outbox
from hall.errors import Conflict, NotPermitted, OutsideScope
from hall.models import Department, StaffMembership, User, Window
from hall.notify import notify
from hall.roles import DEPARTMENT_ROLES, Role
from supervision.models import Complaint, ComplaintAttachment

TEXT_MAX = 2000
MAX_FILES = 5
MAX_DUE_DAYS = 30
OPEN = (Complaint.State.RECEIVED, Complaint.State.ASSIGNED, Complaint.State.ANSWERED)
SATISFACTION = dict(Complaint._meta.get_field("satisfaction").choices)


def _text(value, field: str, label: str, *, required: bool = True, limit: int = TEXT_MAX) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationError({field: [f"请填写{label}。"]})
    if len(text) > limit:
        raise ValidationError({field: [f"{label}不超过 {limit} 字。"]})
    return text


def _phone(value) -> str:
    phone = str(value or "").strip().replace(" ", "")
    if phone and not (7 <= len(phone) <= 20 and phone.replace("-", "").isdecimal()):
        raise ValidationError({"contact_phone": ["联系电话须为手机号码或固定电话号码。"]})
    return phone


def clean_subject(case_number="", department_code="", window_number="") -> dict:
    """The case, window and department a complaint is about (each optional); 400 by field when unknown."""
    errors, subject = {}, {"application": None, "window": None, "department": None}
    case_number, department_code = str(case_number or "").strip(), str(department_code or "").strip()
    window_number = str(window_number or "").strip()
    if case_number:
        subject["application"] = Application.objects.filter(number=case_number).only("pk", "department_id").first()
        if subject["application"] is None:
            errors["case_number"] = ["没有这个办件编号，请核对（可以不填）。"]
    if window_number:
        subject["window"] = Window.objects.filter(number=window_number).only("pk", "department_id").first()
        if subject["window"] is None:
            errors["window_number"] = ["没有这个窗口号。"]
    if department_code:
        subject["department"] = Department.objects.filter(code=department_code).only("pk").first()
        if subject["department"] is None:
            errors["department_code"] = ["没有这个部门编码。"]
    if errors:
        raise ValidationError(errors)
    if subject["department"] is None:
        source = subject["application"] or subject["window"]
        if source is not None:
            subject["department"] = Department.objects.only("pk").get(pk=source.department_id)
    return subject


def _new_tracking_number(now) -> str:
    tail = "".join(secrets.choice("23456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(6))
    return f"TS{calendar.local_date(now):%Y%m%d}{tail}"


def _duplicate_of(subject: dict, phone: str, now) -> Complaint | None:
    """The open complaint this one repeats (the rule in the module's docstring), or None."""
    if not phone or (subject["application"] is None and subject["department"] is None):
        return None
    same = Q(application=subject["application"]) if subject["application"] else Q(department=subject["department"])
    return (
        Complaint.objects.select_for_update()
        .filter(same, contact_phone=phone, state__in=OPEN, merged_into__isnull=True)
        .filter(received_at__gte=now - timedelta(days=settings.COMPLAINT_MERGE_DAYS))
        .order_by("received_at", "id")
        .first()
    )


def check_files(files) -> list[tuple]:
    """Attachments checked like a case's materials (PDF, JPEG, PNG, OFD by content; 413/415)."""
    files = list(files or [])
    if len(files) > MAX_FILES:
        raise ValidationError({"files": [f"最多上传 {MAX_FILES} 个附件。"]})
    checked = []
    for upload in files:
        content_type, sha256 = check_upload(upload)
        checked.append((upload, clean_name(getattr(upload, "name", ""), default="attachment"), content_type, sha256))
    return checked


def _supervisors():
    return User.objects.filter(groups__name=Role.SUPERVISOR, is_active=True).order_by("pk")


def file_complaint(
    *, text, case_number="", department_code="", window_number="", contact_name="", contact_phone="", files=(),
    by: User | None = None, ip: str | None = None, source: str = Complaint.Source.WEB, work_order_number: str = "",
) -> Complaint:  # fmt: skip
    """受理: record a complaint and give it a tracking number and a query code; a duplicate of an open one
    is kept, merged into it. Anonymous filing is allowed (the API throttles it per client address)."""
    text = _text(text, "text", "投诉内容")
    contact_name = _text(contact_name, "contact_name", "联系人", required=False, limit=50)
    phone = _phone(contact_phone)
    subject = clean_subject(case_number, department_code, window_number)
    checked = check_files(files)
    now = timezone.now()
    with transaction.atomic():
        original = _duplicate_of(subject, phone, now)
        for _ in range(5):
            try:
                with transaction.atomic():
                    complaint = Complaint.objects.create(
                        tracking_number=_new_tracking_number(now), source=source, work_order_number=work_order_number,
                        text=text, application=subject["application"], window=subject["window"],
                        department=subject["department"], contact_name=contact_name, contact_phone=phone,
                        filed_by=by if by is not None and by.is_authenticated else None, client_ip=ip,
                        received_at=now, state=Complaint.State.MERGED if original else Complaint.State.RECEIVED,
                        merged_into=original,
                    )  # fmt: skip
                break
            except IntegrityError:  # a tracking number drawn twice: draw again (a work order twice: the caller's)
                if work_order_number and Complaint.objects.filter(work_order_number=work_order_number).exists():
                    raise
                continue
        else:  # pragma: no cover - 32**6 numbers a day
            raise Conflict("投诉编号生成失败，请重试。")
        for upload, name, content_type, sha256 in checked:
            upload.seek(0)
            ComplaintAttachment.objects.create(
                complaint=complaint, file=ContentFile(upload.read(), name=name), original_name=name,
                content_type=content_type, size=upload.size, sha256=sha256, uploaded_at=now,
            )  # fmt: skip
        audit.record(
            "supervision.complaint_filed", complaint.tracking_number, actor=by, ip=ip, source=source,
            merged_into=original.tracking_number if original else "", work_order=work_order_number,
            attachments=[sha256 for *_, sha256 in checked],
        )  # fmt: skip
        if original is None:
            for supervisor in _supervisors():
                notify(supervisor, kind="complaint", title=f"新投诉待派单：{complaint.tracking_number}",
                       body=text[:200], url=reverse("supervision:complaints"))  # fmt: skip
    return complaint


def visible_complaints(user: User):
    """Supervisors: every complaint; department staff: those assigned to their departments."""
    rows = Complaint.objects.select_related("application", "department", "window", "assigned_department")
    if user.has_role(Role.SUPERVISOR) or user.is_superuser:
        return rows
    departments = StaffMembership.objects.filter(user=user, role__in=DEPARTMENT_ROLES).values("department_id")
    return rows.filter(assigned_department_id__in=departments)


def _locked(complaint_id: int) -> Complaint:
    complaint = Complaint.objects.select_for_update().filter(pk=complaint_id).first()
    if complaint is None:
        raise OutsideScope("没有这条投诉。")
    return complaint


def _supervisor(by: User) -> None:
    if not (by.has_role(Role.SUPERVISOR) or by.is_superuser):
        raise NotPermitted("只有监察人员可以派单和办结投诉。")


def _tell_department(complaint: Complaint) -> None:
    members = StaffMembership.objects.filter(department_id=complaint.assigned_department_id, role__in=DEPARTMENT_ROLES)
    for user in User.objects.filter(pk__in=members.values("user_id"), is_active=True).order_by("pk"):
        notify(user, kind="complaint_assigned", title=f"投诉待办理：{complaint.tracking_number}",
               body=f"请于 {calendar.local_date(complaint.due):%Y-%m-%d} 前答复。{complaint.text[:200]}",
               url=reverse("supervision:department_complaints"))  # fmt: skip


def assign(complaint: Complaint, department: Department, due_days: int, *, at) -> None:
    """派单 (in the caller's transaction): the department and the due instant in working days."""
    complaint.assigned_department = department
    complaint.assigned_at = at
    complaint.due_days = due_days
    complaint.due = calendar.deadline_instant(at, due_days)
    complaint.state = Complaint.State.ASSIGNED


def assign_complaint(*, complaint_id: int, by: User, department_code: str, due_days, ip: str | None = None):
    """派单: a supervisor assigns a received complaint to a department with an answer deadline."""
    _supervisor(by)
    department = Department.objects.filter(code=str(department_code or "")).first()
    if department is None:
        raise ValidationError({"department_code": ["请选择承办部门。"]})
    try:
        due_days = int(due_days)
    except (TypeError, ValueError):
        due_days = 0
    if not 1 <= due_days <= MAX_DUE_DAYS:
        raise ValidationError({"due_days": [f"办理时限为 1 至 {MAX_DUE_DAYS} 个工作日。"]})
    with transaction.atomic():
        complaint = _locked(complaint_id)
        if complaint.state != Complaint.State.RECEIVED:
            raise Conflict(f"投诉当前为“{complaint.get_state_display()}”，不能派单。", code="not_received")
        assign(complaint, department, due_days, at=timezone.now())
        complaint.assigned_by = by
        complaint.save()
        audit.record("supervision.complaint_assigned", complaint.tracking_number, actor=by, ip=ip,
                     department=department.code, due_days=due_days)  # fmt: skip
        _tell_department(complaint)
    return complaint


def answer_complaint(*, complaint_id: int, by: User, answer: str, ip: str | None = None) -> Complaint:
    """办理、答复: staff of the assigned department answer; a 12345 work order's answer goes back to 12345."""
    answer = _text(answer, "answer", "答复")
    with transaction.atomic():
        complaint = _locked(complaint_id)
        member = StaffMembership.objects.filter(
            user=by, department_id=complaint.assigned_department_id, role__in=DEPARTMENT_ROLES
        ).exists()
        if complaint.assigned_department_id is None or not member:
            raise OutsideScope("没有这条投诉。")
        if complaint.state != Complaint.State.ASSIGNED:
            raise Conflict(f"投诉当前为“{complaint.get_state_display()}”，不能答复。", code="not_assigned")
        complaint.answer, complaint.answered_by, complaint.answered_at = answer, by, timezone.now()
        complaint.state = Complaint.State.ANSWERED
        complaint.save()
        audit.record("supervision.complaint_answered", complaint.tracking_number, actor=by, ip=ip,
                     late=complaint.answered_at > complaint.due)  # fmt: skip
        if complaint.source == Complaint.Source.HOTLINE:
            outbox.enqueue("supervision.hotline.push", complaint_id=complaint.pk, stage="answer")
        for supervisor in _supervisors():
            notify(supervisor, kind="complaint_answered", title=f"投诉已答复，待回访：{complaint.tracking_number}",
                   body=answer[:200], url=reverse("supervision:complaints"))  # fmt: skip
    return complaint


def close_complaint(
    *, complaint_id: int, by: User, callback_note: str, finding: str, satisfaction=None, ip: str | None = None
):
    """回访、评价: the supervisor records the call-back, whether the complaint was founded (核查结论: an
    upheld or partly upheld complaint counts against its department and window in the monthly scores)
    and the complainant's satisfaction, and closes it; a 12345 work order's closing goes back to 12345."""
    _supervisor(by)
    errors = {}
    try:
        callback_note = _text(callback_note, "callback_note", "回访情况")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if finding not in Complaint.Finding.values:
        errors["finding"] = ["请选择核查结论（属实、部分属实或不属实）。"]
    if satisfaction in ("", None):
        satisfaction = None
    else:
        try:
            satisfaction = int(satisfaction)
        except (TypeError, ValueError):
            satisfaction = 0
        if satisfaction not in SATISFACTION:
            errors["satisfaction"] = ["满意度为 1（非常不满意）至 5（非常满意）。"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        complaint = _locked(complaint_id)
        if complaint.state != Complaint.State.ANSWERED:
            raise Conflict(f"投诉当前为“{complaint.get_state_display()}”，答复后才能回访办结。", code="not_answered")
        now = timezone.now()
        complaint.callback_note, complaint.satisfaction, complaint.finding = callback_note, satisfaction, finding
        complaint.closed_by, complaint.closed_at, complaint.state = by, now, Complaint.State.CLOSED
        complaint.save()
        audit.record("supervision.complaint_closed", complaint.tracking_number, actor=by, ip=ip,
                     satisfaction=satisfaction, finding=finding)  # fmt: skip
        if complaint.source == Complaint.Source.HOTLINE:
            outbox.enqueue("supervision.hotline.push", complaint_id=complaint.pk, stage="close")
    return complaint


def public_view(tracking_number: str, query_code: str) -> dict:
    """What the GET shows: state and answers, no personal data; 404 unless the query code matches. A merged
    complaint shows the handling of the one it was merged into."""
    import hmac

    complaint = (
        Complaint.objects.select_related("merged_into", "assigned_department", "merged_into__assigned_department")
        .filter(tracking_number=str(tracking_number or "").strip())
        .first()
    )
    if complaint is None or not hmac.compare_digest(complaint.query_code, str(query_code or "").strip().upper()):
        raise OutsideScope("没有这条投诉，或查询码不正确。")
    handled = complaint.merged_into or complaint
    department = handled.assigned_department
    return {
        "tracking_number": complaint.tracking_number,
        "state": handled.state if complaint.merged_into_id is None else complaint.state,
        "state_label": complaint.get_state_display() if complaint.merged_into_id else handled.get_state_display(),
        "merged": complaint.merged_into_id is not None,
        "handling_state": handled.state,
        "handling_state_label": handled.get_state_display(),
        "received_at": complaint.received_at,
        "department": {"code": department.code, "name": department.name} if department else None,
        "due": handled.due,
        "answer": handled.answer,
        "answered_at": handled.answered_at,
        "closed_at": handled.closed_at,
        "finding": handled.finding,
    }
