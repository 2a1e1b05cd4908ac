"""差评整改 and 申诉复核 (国办发〔2019〕51号: every bad review is verified, rectified and the result told).

A 不满意 / 非常不满意 rating opens a follow-up (``FollowUp``) for the rated department: contact the rater
and verify (回访核实) within ``RATING_VERIFY_DAYS`` working day(s), rectify within ``RATING_RECTIFY_DAYS``
working days (default 15, the national figure is not published: DOMAIN.md §3), both counted from the
rating on the working-day calendar (``hall.calendar.deadline_instant``) and stored, so that the deadline
scan raises ``follow_up`` warnings set-based. The rectification result is shown to the rater.

A department that holds a rating mistaken, malicious or unrelated appeals it (``RatingAppeal``); only a
supervisor's upheld review excludes the rating from the scores and ends its follow-up as invalid. Every
act is one transaction with an audit entry; notifications leave after commit (outbox).
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from approvals.models import Evaluation, FollowUp, RatingAppeal
from approvals.scope import department_ids
from hall import audit, calendar
from hall.errors import Conflict, NotPermitted, OutsideScope
from hall.models import StaffMembership, User
from hall.notify import notify
from hall.roles import DEPARTMENT_ROLES, Role

TEXT_MAX = 2000
CONTACT_METHODS = {
    "phone": "电话回访",
    "sms": "短信回访",
    "visit": "上门回访",
    "onsite": "现场回访",
    "unreachable": "无法联系",
}


def _target(evaluation: Evaluation) -> str:
    return evaluation.application.number if evaluation.application_id else f"evaluation:{evaluation.pk}"


def _text(value, field: str, label: str, *, required: bool = True) -> str:
    from django.core.exceptions import ValidationError

    text = str(value or "").strip()
    if required and not text:
        raise ValidationError({field: [f"请填写{label}。"]})
    if len(text) > TEXT_MAX:
        raise ValidationError({field: [f"{label}不超过 {TEXT_MAX} 字。"]})
    return text


def is_department_staff(user: User, department_id: int) -> bool:
    return (
        user.is_authenticated
        and StaffMembership.objects.filter(user=user, department_id=department_id, role__in=DEPARTMENT_ROLES).exists()
    )


def follow_up_recipients(department_id: int, accepted_by: User | None = None) -> list[User]:
    """Who follows up a bad rating: the department's window clerks and the first handler (首办负责, the
    clerk who accepted the case) when there is one."""
    clerks = User.objects.filter(
        pk__in=StaffMembership.objects.filter(department_id=department_id, role=Role.CLERK).values("user_id"),
        is_active=True,
    ).order_by("pk")
    people = {user.pk: user for user in clerks}
    if accepted_by is not None and accepted_by.pk not in people:
        people[accepted_by.pk] = accepted_by
    return list(people.values())


def open_follow_up(evaluation: Evaluation, *, by: User | None) -> FollowUp:
    """Called in the rating's transaction: the follow-up with its two stored due instants; the department
    is told (inbox, email, SMS through the outbox)."""
    opened = evaluation.edited_at or evaluation.created_at
    verify_due = calendar.deadline_instant(opened, settings.RATING_VERIFY_DAYS)
    rectify_due = calendar.deadline_instant(opened, settings.RATING_RECTIFY_DAYS)
    follow_up = FollowUp.objects.create(
        evaluation=evaluation, department_id=evaluation.department_id, opened_at=opened, verify_due=verify_due,
        rectify_days=settings.RATING_RECTIFY_DAYS, rectify_due=rectify_due,
        deadline_provisional=calendar.span_is_provisional(
            calendar.local_date(opened), calendar.local_date(rectify_due)
        ),
    )  # fmt: skip
    case = evaluation.application
    title = f"差评待整改：{_target(evaluation)}（{evaluation.get_level_display()}）"
    subject = f"{case.item.name}" if case else f"窗口 {evaluation.window.number if evaluation.window_id else ''}"
    body = (
        f"{subject}，评价“{evaluation.get_level_display()}”：{evaluation.comment}\n"
        f"请于 {calendar.local_date(verify_due):%Y-%m-%d} 前回访核实，"
        f"{calendar.local_date(rectify_due):%Y-%m-%d} 前整改完毕。"
    )
    url = reverse("approvals:follow_up", args=[follow_up.pk])
    accepted_by = case.accepted_by if case is not None and case.accepted_by_id else None
    for user in follow_up_recipients(evaluation.department_id, accepted_by):
        if by is None or user.pk != by.pk:
            notify(user, kind="bad_rating", title=title, body=body, url=url)
    return follow_up


def follow_ups_for(user: User):
    """Follow-ups the user may see: staff their departments' ones, supervisors every one."""
    rows = FollowUp.objects.select_related(
        "evaluation", "evaluation__application", "evaluation__window", "evaluation__item", "department"
    )
    if user.has_role(Role.SUPERVISOR) or user.is_superuser:
        return rows
    return rows.filter(department_id__in=department_ids(user))


def _locked(user: User, follow_up_id: int) -> FollowUp:
    follow_up = (
        FollowUp.objects.select_for_update(of=("self",)).select_related("evaluation").filter(pk=follow_up_id).first()
    )
    if follow_up is None or not is_department_staff(user, follow_up.department_id):
        raise OutsideScope("没有这条差评整改。")
    return follow_up


def _tell_rater(follow_up: FollowUp, title: str, body: str) -> None:
    evaluation = follow_up.evaluation
    if evaluation.rater_id and evaluation.application_id:
        url = reverse("approvals:case", args=[evaluation.application.number]) + "#rating"
        notify(evaluation.rater, kind="rating_follow_up", title=title, body=body, url=url)


def record_verification(*, follow_up_id: int, by: User, contact_method: str, note: str, ip: str | None = None):
    """回访核实: the department has contacted the rater and verified what happened (within 1 working day)."""
    from django.core.exceptions import ValidationError

    if contact_method not in CONTACT_METHODS:
        raise ValidationError({"contact_method": [f"回访方式须为 {'、'.join(CONTACT_METHODS.values())} 之一。"]})
    note = _text(note, "note", "核实情况")
    with transaction.atomic():
        follow_up = _locked(by, follow_up_id)
        if follow_up.state != FollowUp.State.OPEN:
            raise Conflict(f"该差评整改当前为“{follow_up.get_state_display()}”，不能再登记回访核实。", code="not_open")
        follow_up.state = FollowUp.State.VERIFIED
        follow_up.verified_at, follow_up.verified_by = timezone.now(), by
        follow_up.contact_method, follow_up.verify_note = contact_method, note
        follow_up.save()
        audit.record(
            "approvals.follow_up_verified", _target(follow_up.evaluation), actor=by, ip=ip, follow_up=follow_up.pk,
            contact_method=contact_method, late=follow_up.verified_at > follow_up.verify_due,
        )  # fmt: skip
    return follow_up


def record_rectification(*, follow_up_id: int, by: User, result: str, ip: str | None = None) -> FollowUp:
    """整改完毕: the result is recorded and shown to the rater (and sent to them)."""
    result = _text(result, "result", "整改结果")
    with transaction.atomic():
        follow_up = _locked(by, follow_up_id)
        if follow_up.state != FollowUp.State.VERIFIED:
            detail = "请先登记回访核实情况。" if follow_up.state == FollowUp.State.OPEN else "该差评整改已办结。"
            raise Conflict(detail, code="not_verified" if follow_up.state == FollowUp.State.OPEN else "closed")
        now = timezone.now()
        follow_up.state, follow_up.result = FollowUp.State.RECTIFIED, result
        follow_up.rectified_at = follow_up.closed_at = now
        follow_up.rectified_by = by
        follow_up.save()
        audit.record(
            "approvals.follow_up_rectified", _target(follow_up.evaluation), actor=by, ip=ip, follow_up=follow_up.pk,
            late=now > follow_up.rectify_due,
        )  # fmt: skip
        _tell_rater(follow_up, "您的评价已整改", f"整改结果：{result}")
    return follow_up


def withdraw_follow_up(follow_up: FollowUp, *, by: User, ip: str | None = None) -> None:
    """The rater changed a bad rating to a good one: the follow-up ends (in the caller's transaction)."""
    follow_up.state, follow_up.closed_at = FollowUp.State.WITHDRAWN, timezone.now()
    follow_up.save(update_fields=["state", "closed_at"])
    audit.record(
        "approvals.follow_up_withdrawn", _target(follow_up.evaluation), actor=by, ip=ip, follow_up=follow_up.pk
    )


# --- 申诉复核 -------------------------------------------------------------------------------------------


def file_appeal(*, evaluation_id: int, by: User, ground: str, reason: str, ip: str | None = None) -> RatingAppeal:
    """The rated department appeals a rating (误评, 恶意差评, 与服务无关); a supervisor reviews it."""
    from django.core.exceptions import ValidationError

    if ground not in RatingAppeal.Ground.values:
        raise ValidationError({"ground": ["申诉类型须为 误评、恶意差评 或 与服务无关。"]})
    reason = _text(reason, "reason", "申诉理由")
    with transaction.atomic():
        evaluation = Evaluation.objects.select_for_update(of=("self",)).filter(pk=evaluation_id).first()
        if evaluation is None or not is_department_staff(by, evaluation.department_id):
            raise OutsideScope("没有这条评价。")
        if evaluation.excluded:
            raise Conflict("该评价已不计入统计。", code="excluded")
        try:
            with transaction.atomic():
                appeal = RatingAppeal.objects.create(
                    evaluation=evaluation, department_id=evaluation.department_id, ground=ground, reason=reason,
                    filed_by=by, filed_at=timezone.now(),
                )  # fmt: skip
        except IntegrityError:
            raise Conflict("每条评价只能申诉一次。", code="already_appealed") from None
        audit.record(
            "approvals.rating_appealed", _target(evaluation), actor=by, ip=ip, evaluation=evaluation.pk,
            appeal=appeal.pk, ground=ground,
        )  # fmt: skip
        for supervisor in User.objects.filter(groups__name=Role.SUPERVISOR, is_active=True).order_by("pk"):
            notify(supervisor, kind="rating_appeal", title=f"评价申诉待复核：{_target(evaluation)}",
                   body=f"{appeal.get_ground_display()}：{reason}", url=reverse("supervision:appeals"))  # fmt: skip
    return appeal


def review_appeal(*, appeal_id: int, by: User, uphold: bool, note: str, ip: str | None = None) -> RatingAppeal:
    """复核: a supervisor upholds (the rating is excluded from every score, its follow-up ends as invalid)
    or rejects the appeal (the rating counts and its follow-up goes on)."""
    if not (by.has_role(Role.SUPERVISOR) or by.is_superuser):
        raise NotPermitted("只有监察人员可以复核评价申诉。")
    note = _text(note, "note", "复核意见")
    with transaction.atomic():
        appeal = RatingAppeal.objects.select_for_update().select_related("evaluation").filter(pk=appeal_id).first()
        if appeal is None:
            raise OutsideScope("没有这条申诉。")
        if appeal.state != RatingAppeal.State.PENDING:
            raise Conflict("该申诉已复核。", code="already_reviewed")
        now = timezone.now()
        appeal.state = RatingAppeal.State.UPHELD if uphold else RatingAppeal.State.REJECTED
        appeal.reviewed_by, appeal.reviewed_at, appeal.review_note = by, now, note
        appeal.save()
        evaluation = appeal.evaluation
        if uphold:
            Evaluation.objects.filter(pk=evaluation.pk).update(
                excluded=True, excluded_reason=f"申诉成立（{appeal.get_ground_display()}）：{note}"
            )
            FollowUp.objects.filter(
                Q(evaluation=evaluation), Q(state__in=[FollowUp.State.OPEN, FollowUp.State.VERIFIED])
            ).update(state=FollowUp.State.INVALIDATED, closed_at=now)
        audit.record(
            "approvals.rating_appeal_reviewed", _target(evaluation), actor=by, ip=ip, appeal=appeal.pk,
            evaluation=evaluation.pk, upheld=uphold,
        )  # fmt: skip
        for user in User.objects.filter(pk=appeal.filed_by_id):
            notify(user, kind="rating_appeal_reviewed", title=f"评价申诉复核结果：{appeal.get_state_display()}",
                   body=note, url=reverse("approvals:follow_ups"))  # fmt: skip
    return appeal
