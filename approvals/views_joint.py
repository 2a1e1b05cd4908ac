"""Workbench pages of joint cases (联合审批): the departments' 联办任务 tab, the joint panel of the case
page (tasks with due badges, the opinion form for one's own department, 集中会审), and their POSTs.

Everything changes through ``approvals.joint``; a field error re-renders the case page with the form
(400), any other refusal is told on the refreshed page.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from approvals import joint, selectors
from approvals.forms_joint import MeetingForm, MinutesForm, OpinionForm
from approvals.models import Application, OpinionAttachment
from approvals.scope import case_for
from approvals.views import material_response
from approvals.views_workbench import WorkingDaysFrom, deadline_badge, staff_only
from approvals.views_workbench_case import READERS, _case_or_404, render_case
from hall import audit
from hall.errors import DomainError, OutsideScope
from hall.models import StaffMembership, User

TASK_PAGE = 100


def _staff(case: Application, tasks):
    """Who may be invited: staff of the lead and of every participating department, each with the
    (first) department's short name for the label."""
    departments = [case.department_id, *(t.department_id for t in tasks)]
    in_case = StaffMembership.objects.filter(department_id__in=departments)
    department = in_case.filter(user=OuterRef("pk")).order_by("department__code").values("department__short_name")
    return (
        User.objects.filter(pk__in=in_case.values("user_id"))
        .annotate(department_name=Subquery(department[:1]))
        .order_by("department_name", "username")
    )


def panel(request, case: Application, now=None) -> dict | None:
    """The joint panel's context, None for an ordinary case. Bound forms of a refused POST come back
    through ``request.joint_bound``."""
    if not case.item_version.joint:
        return None
    user, now = request.user, now or timezone.now()
    bound = getattr(request, "joint_bound", {})
    tasks = joint.tasks_of(case)
    mine = set(
        StaffMembership.objects.filter(user=user, role__in=joint.TASK_ROLES).values_list("department_id", flat=True)
    )
    counter = WorkingDaysFrom(calendar_today(now))
    running = case.state != "suspended"
    rows = []
    for task in tasks:
        may_answer = task.is_open and task.department_id in mine and case.state in joint.OPINION_STATES
        form = bound.get(("opinion", task.pk)) or (OpinionForm(auto_id=f"opinion-{task.pk}-%s") if may_answer else None)
        rows.append({
            "task": task, "form": form,
            "badge": deadline_badge(task.due, running=running, now=now, working_days=counter) if task.is_open else None,
            "late": task.opinion_at is not None and task.opinion_at > task.due,
        })  # fmt: skip
    lead = case.department_id in mine and user.role_names & set(joint.TASK_ROLES)
    meetings = list(case.joint_meetings.prefetch_related("participants").order_by("scheduled_at", "id"))
    may_convene = bool(lead) and case.state in joint.OPINION_STATES
    meeting_form = None
    if may_convene:
        meeting_form = bound.get("meeting") or MeetingForm(auto_id="meeting-%s", staff=_staff(case, tasks))
    minutes = []
    for meeting in meetings:
        form = None
        if lead and meeting.recorded_at is None and meeting.scheduled_at <= now:
            form = bound.get(("minutes", meeting.pk)) or MinutesForm(auto_id=f"minutes-{meeting.pk}-%s")
        minutes.append({"meeting": meeting, "form": form})
    return {
        "tasks": rows, "meetings": minutes, "meeting_form": meeting_form,
        "missing": [t.department.name for t in tasks if t.is_open],
        "lead": bool(lead), "open": bool(bound),
    }  # fmt: skip


def calendar_today(now):
    from hall import calendar

    return calendar.local_date(now)


def _back(case: Application) -> str:
    return reverse("approvals:work_case", args=[case.number]) + "#joint"


def _submit(request, case: Application, key, form, call):
    """Run ``call(**form.service_kwargs())``; on a field error re-render the case page with the form."""
    if form.is_valid():
        try:
            call(**form.service_kwargs())
            return None
        except ValidationError as exc:
            form.apply_service_errors(exc)
        except OutsideScope as exc:
            raise Http404(exc.detail) from exc
        except DomainError as exc:
            messages.error(request, exc.detail)
            return redirect(_back(case))
    request.joint_bound = {key: form}
    return render_case(request, selectors.case_detail(request.user, case.number), status=400)


@never_cache
@staff_only(hidden=True)
@require_POST
def give_opinion(request, number: str, task_id: int):
    case = _case_or_404(request.user, number)
    form = OpinionForm(request.POST, request.FILES, auto_id=f"opinion-{task_id}-%s")

    def call(**kwargs):
        joint.give_opinion(case_id=case.pk, task_id=task_id, by=request.user, ip=audit.client_ip(request), **kwargs)

    failed = _submit(request, case, ("opinion", task_id), form, call)
    if failed is not None:
        return failed
    messages.success(request, "已出具本部门意见。")
    return redirect(_back(case))


@never_cache
@staff_only(hidden=True)
@require_POST
def schedule_meeting(request, number: str):
    case = _case_or_404(request.user, number)
    form = MeetingForm(request.POST, auto_id="meeting-%s", staff=_staff(case, list(case.joint_tasks.all())))

    def call(**kwargs):
        joint.schedule_meeting(case_id=case.pk, by=request.user, ip=audit.client_ip(request), **kwargs)

    failed = _submit(request, case, "meeting", form, call)
    if failed is not None:
        return failed
    messages.success(request, "已安排集中会审，并通知参会人员。")
    return redirect(_back(case))


@never_cache
@staff_only(hidden=True)
@require_POST
def record_minutes(request, number: str, meeting_id: int):
    case = _case_or_404(request.user, number)
    form = MinutesForm(request.POST, auto_id=f"minutes-{meeting_id}-%s")

    def call(**kwargs):
        joint.record_minutes(case_id=case.pk, meeting_id=meeting_id, by=request.user, ip=audit.client_ip(request),
                             **kwargs)  # fmt: skip

    failed = _submit(request, case, ("minutes", meeting_id), form, call)
    if failed is not None:
        return failed
    messages.success(request, "已记录会审纪要，并出具集中会审纪要。")
    return redirect(_back(case))


@staff_only(hidden=True, readers=READERS)
@require_GET
def attachment(request, number: str, attachment_id: int):
    """An opinion's attachment, for users who see the case (served like a material)."""
    try:
        case = case_for(request.user, number, queryset=selectors.scoped_cases(request.user).only("pk", "number"))
    except OutsideScope as exc:
        raise Http404(exc.detail) from exc
    row = OpinionAttachment.objects.filter(task__application=case, pk=attachment_id).first()
    if row is None:
        raise Http404("没有这个附件。")
    return material_response(row)


STATUSES = (("open", "待出具"), ("done", "已出具"), ("all", "全部"))


@never_cache
@staff_only(hidden=False)
@require_GET
def tasks_page(request):
    """联办任务: the tasks of my departments (reviewers and approvers), open ones by due date with
    their badges; the counts in one query."""
    status = request.GET.get("status", "open")
    status = status if status in dict(STATUSES) else "open"
    now = timezone.now()
    counter = WorkingDaysFrom(calendar_today(now))
    rows = list(joint.department_tasks(request.user, status=status)[:TASK_PAGE])
    for task in rows:
        running = task.application.state != "suspended"
        task.badge = deadline_badge(task.due, running=running, now=now, working_days=counter) if task.is_open else None
    counts = joint.task_counts(request.user, now)
    return render(request, "approvals/workbench/tasks.html", {
        "rows": rows, "counts": counts, "status": status,
        "statuses": [(value, label, counts["open"] if value == "open" else counts["done"] if value == "done" else None)
                     for value, label in STATUSES],
    })  # fmt: skip
