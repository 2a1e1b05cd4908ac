"""Joint cases (联合审批: 一口受理、分头承办、集中会审、限时办结), 行政许可法 arts. 26 and 42.

- 一口受理: the lead department (the item's own) accepts once; acceptance opens one ``JointTask`` per
  participating department (``ItemVersion.joint_departments``) — ``open_tasks``, a hook of
  ``approvals.services.accept_application``.
- 限时办结: the whole case has 45 working days, or the committed limit if shorter (art. 42 para. 2);
  each department's opinion is due within the first two thirds of that period (``OPINION_SHARE``),
  leaving the last third to the joint review and the decision. Suspension (art. 45) and the one
  extension of up to 15 working days move every open task's due date with the case's
  (``set_task_clocks``, a hook of resume and extend).
- 分头承办: each department gives one opinion (agree, agree with conditions, disagree, with reasons
  and attachments checked like materials) — ``give_opinion``; each is an audited Event.
- 集中会审: the lead schedules a joint review meeting and records its minutes and outcome
  (``schedule_meeting``, ``record_minutes``); the minutes are issued as a document of the case.
- The lead's reviewer recommends only when every task has its opinion (``recommend_refused``, named
  on the ``recommend`` step) and answers every disagreeing opinion (``answer_dissent``).

A task past its due instant is a supervision warning (kind ``joint_task``) raised by the deadline
scan (``supervision.scan``), resolved when the opinion arrives.
"""

import math
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from approvals import notices
from approvals.intake import required_text
from approvals.materials import check_upload, clean_name
from approvals.models import Application, Event, JointMeeting, JointTask, Opinion, OpinionAttachment
from approvals.scope import department_ids, locked_case
from approvals.workflow import DECISION_CLOCK_STATES, State
from hall import calendar, outbox
from hall.errors import NotPermitted, OutsideScope, TransitionNotAllowed
from hall.models import StaffMembership, User
from hall.roles import Role

JOINT_STATUTORY_DAYS = 45  # art. 42 para. 2: unified or joint handling, 45 working days
OPINION_SHARE = (2, 3)  # the departments' opinions are due after two thirds of the period
MAX_ATTACHMENTS = 10
TASK_ROLES = (Role.REVIEWER.value, Role.APPROVER.value)  # who gives a department's opinion
# A department may give its opinion while the case is being handled (also during a special procedure).
OPINION_STATES = (State.ACCEPTED, State.UNDER_REVIEW, State.SUSPENDED)


# --- the clock ---------------------------------------------------------------------------------------


def decision_days(version) -> int:
    """The case's period: the committed limit, for a joint item at most 45 working days (art. 42)."""
    if version.joint:
        return min(JOINT_STATUTORY_DAYS, version.committed_days)
    return version.committed_days


def opinion_days(period: int) -> int:
    """A department's opinion period inside the case's ``period``: its first two thirds (at least one day)."""
    share, whole = OPINION_SHARE
    return min(period, max(1, math.ceil(period * share / whole)))


def task_due(case: Application, days: int) -> datetime:
    """A task's due instant: its days from the case's clock start, moved by the case's extension and
    special-procedure days, never after the case's own due instant."""
    due = calendar.end_of_day(
        calendar.deadline_date(case.clock_start, days + case.extension_days + case.suspended_days)
    )
    return min(due, case.decision_due) if case.decision_due else due


def open_tasks(case: Application) -> list[JointTask]:
    """一口受理 → 分头承办: one task per participating department, opened by the lead's acceptance
    (called inside ``accept_application`` after the decision clock is set)."""
    if not case.item_version.joint:
        return []
    days = opinion_days(case.decision_days)
    departments = case.item_version.joint_departments.exclude(pk=case.department_id).order_by("code")
    tasks = JointTask.objects.bulk_create(
        JointTask(application=case, department=d, opinion_days=days, due=task_due(case, days)) for d in departments
    )
    if tasks:
        outbox.enqueue("approvals.joint.notify_new_tasks", case_id=case.pk)
    return tasks


def set_task_clocks(case: Application) -> int:
    """After the case's clock moved (resume after a special procedure, extension): every open task's
    due instant moves with it. Answered tasks keep theirs (the record of whether they were on time)."""
    tasks = list(case.joint_tasks.filter(opinion=""))
    for task in tasks:
        task.due = task_due(case, task.opinion_days)
    JointTask.objects.bulk_update(tasks, ["due"])
    return len(tasks)


def recompute_task_clocks() -> int:
    """After a calendar change (``hall.signals.calendar_changed``, once the cases' own instants are
    recomputed): every open task's due instant on the new calendar. Returns how many moved."""
    tasks = JointTask.objects.filter(opinion="", application__state__in=OPINION_STATES).select_related("application")
    moved = []
    for task in tasks.iterator(chunk_size=2000):
        due = task_due(task.application, task.opinion_days)
        if due != task.due:
            task.due = due
            moved.append(task)
    JointTask.objects.bulk_update(moved, ["due"], batch_size=2000)
    return len(moved)


# --- rules (asked by the workflow table and the pages) ---------------------------------------------


def missing_departments(case: Application) -> list[str]:
    return list(
        case.joint_tasks.filter(opinion="").order_by("department__code").values_list("department__name", flat=True)
    )


def recommend_refused(case: Application) -> str:
    """Arts. 26, 42: the lead recommends a decision only on every department's opinion."""
    if not case.item_version.joint:
        return ""
    if missing := missing_departments(case):
        return (f"联办部门意见尚未全部出具（{'、'.join(missing)}），各部门出具意见后方可提出审查意见"
                "（行政许可法第二十六条）。")  # fmt: skip
    return ""


def answer_dissent(case: Application, response: str) -> list[str]:
    """A disagreeing department's opinion is answered in the recommendation (why the lead follows it
    or not); the answer is kept on each disagreeing task. Returns the departments answered."""
    dissenting = list(case.joint_tasks.filter(opinion=Opinion.DISAGREE).select_related("department"))
    if not dissenting:
        return []
    response = str(response or "").strip()
    if not response:
        names = "、".join(t.department.name for t in dissenting)
        raise ValidationError({"dissent_response": [f"{names}出具了不同意意见，请在审查意见中说明处理意见。"]})
    for task in dissenting:
        task.lead_response = response[:2000]
    JointTask.objects.bulk_update(dissenting, ["lead_response"])
    return [t.department.code for t in dissenting]


def may_give_opinion(user: User, task: JointTask) -> bool:
    return StaffMembership.objects.filter(user=user, department_id=task.department_id, role__in=TASK_ROLES).exists()


def is_lead_staff(user: User, case: Application, roles=TASK_ROLES) -> str:
    """The role in which ``user`` acts for the lead department of ``case``, or ""."""
    role = (
        StaffMembership.objects.filter(user=user, department_id=case.department_id, role__in=roles)
        .values_list("role", flat=True)
        .first()
    )
    return role or ""


# --- actions -----------------------------------------------------------------------------------------


def _event(case: Application, action: str, by: User, role: str, *, reason="", data=None, ip=None) -> Event:
    event = Event.objects.create(
        application=case, action=action, from_state=case.state, to_state=case.state, actor=by, actor_role=role,
        reason=reason, data=data or {}, ip=ip,
    )  # fmt: skip
    outbox.enqueue("approvals.joint.send_for_event", case_id=case.pk, event_id=event.pk)
    return event


def _checked(attachments) -> list[tuple]:
    attachments = list(attachments or [])
    if len(attachments) > MAX_ATTACHMENTS:
        raise ValidationError({"attachments": [f"附件不超过 {MAX_ATTACHMENTS} 个。"]})
    return [(upload, *check_upload(upload)) for upload in attachments]  # 413 / 415 before any write


def _attach(task: JointTask, upload, content_type: str, sha256: str, by: User) -> OpinionAttachment:
    return OpinionAttachment.objects.create(
        task=task, file=upload, original_name=clean_name(upload.name), content_type=content_type, size=upload.size,
        sha256=sha256, uploaded_by=by,
    )  # fmt: skip


def give_opinion(*, case_id: int, task_id: int, by: User, opinion: str, reason: str = "", attachments=(),
                 ip=None) -> JointTask:  # fmt: skip
    """分头承办: a participating department's opinion on a joint case — agree, agree with conditions (the
    conditions stated) or disagree (the reasons stated), with attachments checked like materials. Given
    once by a reviewer or approver of that department; an audited Event on the case's timeline."""
    if opinion not in Opinion.values:
        raise ValidationError({"opinion": ["须为 agree、agree_with_conditions 或 disagree。"]})
    reason = str(reason or "").strip()
    if opinion != Opinion.AGREE:
        reason = required_text(reason, "reason", "附条件同意须写明条件，不同意须说明理由。")
    if len(reason) > 2000:
        raise ValidationError({"reason": ["意见理由不超过 2000 字。"]})
    checked = _checked(attachments)
    with transaction.atomic():
        case = locked_case(by, case_id)  # the case's row lock orders opinions and the recommendation
        task = JointTask.objects.select_for_update().select_related("department").filter(
            pk=task_id, application=case
        ).first()  # fmt: skip
        if task is None:
            raise OutsideScope("没有这个联办任务。")
        if not may_give_opinion(by, task):
            raise NotPermitted(f"只有{task.department.name}的审查或审批人员可以出具本部门意见。")
        if not task.is_open:
            raise TransitionNotAllowed("本部门已出具意见；意见出具后不可更改。")
        if case.state not in OPINION_STATES:
            raise TransitionNotAllowed(f"办件当前状态为“{case.get_state_display()}”，不能再出具联办意见。")
        now = timezone.now()
        task.opinion, task.reason, task.opinion_at, task.opinion_by = opinion, reason, now, by
        task.save(update_fields=["opinion", "reason", "opinion_at", "opinion_by"])
        stored = [_attach(task, upload, content_type, sha256, by) for upload, content_type, sha256 in checked]
        role = StaffMembership.objects.filter(user=by, department_id=task.department_id, role__in=TASK_ROLES)
        _event(case, "joint_opinion", by, role.values_list("role", flat=True).first(), reason=reason, ip=ip, data={
            "task_id": task.pk, "department": task.department.code, "department_name": task.department.name,
            "opinion": opinion, "late": now > task.due, "attachments": [a.original_name for a in stored],
        })  # fmt: skip
    return task


def _participants(case: Application, ids) -> list[User]:
    """Staff of the lead or a participating department (each id once)."""
    try:
        wanted = {int(pk) for pk in ids or []}
    except (TypeError, ValueError):
        raise ValidationError({"participants": ["参会人员须为工作人员编号。"]}) from None
    departments = [case.department_id, *case.joint_tasks.values_list("department_id", flat=True)]
    users = list(User.objects.filter(pk__in=wanted, memberships__department_id__in=departments).distinct())
    if not wanted or len(users) != len(wanted):
        raise ValidationError({"participants": ["请选择参会人员（牵头部门和联办部门的工作人员）。"]})
    return users


def _lead_case(by: User, case_id: int) -> tuple[Application, str]:
    case = locked_case(by, case_id)
    if not case.item_version.joint:
        raise TransitionNotAllowed("本件不是联合审批事项，无需集中会审。")
    role = is_lead_staff(by, case)
    if not role:
        raise NotPermitted("集中会审由牵头部门的审查或审批人员组织。")
    return case, role


def schedule_meeting(*, case_id: int, by: User, scheduled_at: datetime, place: str, participants, ip=None
                     ) -> JointMeeting:  # fmt: skip
    """集中会审: the lead schedules a joint review meeting (time, place, participants from the
    departments); the participants are told."""
    place = required_text(place, "place", "请填写会审地点。")[:200]
    if not isinstance(scheduled_at, datetime):
        raise ValidationError({"scheduled_at": ["请填写会审时间。"]})
    with transaction.atomic():
        case, role = _lead_case(by, case_id)
        if case.state not in OPINION_STATES:
            raise TransitionNotAllowed(f"办件当前状态为“{case.get_state_display()}”，不能安排集中会审。")
        people = _participants(case, participants)
        meeting = JointMeeting.objects.create(application=case, scheduled_at=scheduled_at, place=place, scheduled_by=by)
        meeting.participants.set(people)
        _event(case, "joint_meeting", by, role, ip=ip, data={
            "meeting_id": meeting.pk, "scheduled_at": scheduled_at.isoformat(), "place": place,
            "participants": [u.real_name or u.username for u in people],
        })  # fmt: skip
    return meeting


def record_minutes(*, case_id: int, meeting_id: int, by: User, minutes: str, outcome: str, ip=None) -> JointMeeting:
    """The minutes and outcome of a held joint review meeting, once; issued as the case's 会审纪要 and
    sent to the participants."""
    minutes = required_text(minutes, "minutes", "请填写会审纪要。")[:10000]
    if outcome not in JointMeeting.Outcome.values:
        raise ValidationError({"outcome": ["须为 agreed、agreed_with_conditions 或 not_agreed。"]})
    with transaction.atomic():
        case, role = _lead_case(by, case_id)
        meeting = JointMeeting.objects.select_for_update().filter(pk=meeting_id, application=case).first()
        if meeting is None:
            raise OutsideScope("没有这次集中会审。")
        if meeting.recorded_at is not None:
            raise TransitionNotAllowed("本次会审纪要已记录，不可更改。")
        now = timezone.now()
        if now < meeting.scheduled_at:
            raise TransitionNotAllowed("会审尚未举行，不能记录纪要。")
        seq = case.joint_meetings.filter(recorded_at__isnull=False).count() + 1
        meeting.minutes, meeting.outcome, meeting.recorded_at, meeting.recorded_by = minutes, outcome, now, by
        meeting.minutes_seq = seq
        meeting.save(update_fields=["minutes", "outcome", "recorded_at", "recorded_by", "minutes_seq"])
        event = _event(case, "joint_minutes", by, role, reason=minutes[:500], ip=ip,
                       data={"meeting_id": meeting.pk, "outcome": outcome})  # fmt: skip
        notices.issue(case, "joint_minutes", at=event.at)
    return meeting


# --- notifications (outbox handlers, run after commit) ----------------------------------------------


def _staff_of(department_id: int, roles=TASK_ROLES) -> QuerySet[User]:
    return User.objects.filter(memberships__department_id=department_id, memberships__role__in=roles).distinct()


def _url(case: Application) -> str:
    from django.urls import reverse

    return reverse("approvals:case", args=[case.number])


def notify_new_tasks(*, case_id: int) -> int:
    """Each participating department's reviewers and approvers are told of their new task and its due date."""
    from hall.notify import notify

    case = Application.objects.select_related("item").get(pk=case_id)
    sent = 0
    for task in case.joint_tasks.select_related("department"):
        for user in _staff_of(task.department_id):
            due = timezone.localtime(task.due).strftime("%Y年%m月%d日")
            notify(user, kind="joint_task", title=f"联办任务：{case.number}",
                   body=f"{case.item.name}，请于 {due} 前出具{task.department.name}意见。", url=_url(case))  # fmt: skip
            sent += 1
    return sent


def send_for_event(*, case_id: int, event_id: int) -> int:
    """An opinion tells the lead's handler; a meeting and its minutes tell the participants."""
    from hall.notify import notify

    case = Application.objects.select_related("item", "handler").get(pk=case_id)
    event = Event.objects.get(pk=event_id)
    data, recipients = event.data or {}, []
    if event.action == "joint_opinion":
        opinion = Opinion(data["opinion"]).label
        title, body = f"联办意见：{data.get('department_name', '')}{opinion}", f"{case.number} {case.item.name}"
        recipients = [case.handler] if case.handler else list(_staff_of(case.department_id, (Role.REVIEWER,)))
    else:
        meeting = JointMeeting.objects.prefetch_related("participants").get(pk=data["meeting_id"])
        when = timezone.localtime(meeting.scheduled_at).strftime("%Y年%m月%d日 %H:%M")
        if event.action == "joint_meeting":
            title, body = f"集中会审通知：{case.number}", f"{case.item.name}，{when}，地点：{meeting.place}。"
        else:
            title, body = f"会审纪要：{case.number}", f"{meeting.get_outcome_display()}。{meeting.minutes[:200]}"
        recipients = list(meeting.participants.all())
    sent = 0
    for user in recipients:
        if user.pk != event.actor_id:
            notify(user, kind=event.action, title=title, body=body, url=_url(case))
            sent += 1
    return sent


# --- selectors -----------------------------------------------------------------------------------------


def tasks_of(case: Application) -> list[JointTask]:
    """The case's tasks with their departments, authors and attachments (three queries)."""
    return list(
        case.joint_tasks.select_related("department", "opinion_by").prefetch_related("attachments").order_by(
            "department__code"
        )
    )  # fmt: skip


def department_tasks(user: User, *, status: str = "open") -> QuerySet[JointTask]:
    """The tasks of the departments where ``user`` reviews or approves: ``open`` (by due), ``done``
    (newest opinion first) or ``all``; with the case and item for the workbench tab."""
    tasks = JointTask.objects.filter(department_id__in=department_ids(user, TASK_ROLES)).select_related(
        "application__item", "application__department", "department"
    )  # fmt: skip
    if status == "open":
        return tasks.filter(opinion="", application__state__in=OPINION_STATES).order_by("due", "id")
    if status == "done":
        return tasks.exclude(opinion="").order_by("-opinion_at", "-id")
    return tasks.order_by("-created_at", "-id")


def task_counts(user: User, now: datetime | None = None) -> dict:
    """The tab's badges in one query: open tasks, overdue ones, and those due within two working days."""
    now = now or timezone.now()
    soon = calendar.end_of_day(calendar.deadline_date(calendar.local_date(now), 2))
    open_ = Q(opinion="", application__state__in=OPINION_STATES)
    return JointTask.objects.filter(department_id__in=department_ids(user, TASK_ROLES)).aggregate(
        open=Count("id", filter=open_),
        overdue=Count("id", filter=open_ & Q(due__lt=now)),
        due_soon=Count("id", filter=open_ & Q(due__gte=now, due__lte=soon)),
        done=Count("id", filter=~Q(opinion="")),
    )  # fmt: skip


def task_is_overdue(task: JointTask, now: datetime | None = None) -> bool:
    """Late: open past its due instant while the case's clock runs (a suspended case's stands still)."""
    now = now or timezone.now()
    return task.is_open and task.due < now and task.application.state in DECISION_CLOCK_STATES
