"""好差评 (国办发〔2019〕51号): the applicant rates the service once the result is delivered.

Online the rule is "一事一评": one rating per case, by the applicant (or the agent who filed), five levels
from 非常满意 to 非常不满意 (GB/T 39046 表9). A bad rating (不满意 / 非常不满意) must say why, and the
department is told at once so that it can verify, fix and call back (差评整改). Rating does not move
the case's state, so it writes an audit entry, not an Event.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from approvals.models import Application, Evaluation, State
from approvals.scope import filer_role, locked_case
from hall import audit
from hall.errors import Conflict, NotPermitted, OutsideScope
from hall.models import StaffMembership, User
from hall.notify import notify
from hall.roles import Role

COMMENT_MAX = 1000
ALREADY_RATED = "本办件已评价，每件只能评价一次（一事一评）。"
COMMENT_REQUIRED = "选择“不满意”或“非常不满意”时，请写明原因，以便我们核实整改。"


def is_rater(user: User, case: Application) -> bool:
    """The applicant's account or the agent who filed: the people the portal shows as the case's party."""
    return user.is_authenticated and user.pk in (case.owner_id, case.filed_by_id)


def may_evaluate(user: User, case: Application) -> bool:
    """Whether the rating form applies now (the service still decides, under the row lock)."""
    return is_rater(user, case) and case.state == State.DELIVERED


def clean_evaluation(level, comment, channel) -> tuple[int, str, str]:
    """The level 1..5, the comment (required for a bad rating) and the channel; every error by field."""
    errors = {}
    if isinstance(level, str) and level.strip().isdecimal() and len(level.strip()) < 3:
        level = int(level)
    if not isinstance(level, int) or isinstance(level, bool) or level not in Evaluation.Level.values:
        errors["level"] = ["请选择满意程度：5 非常满意、4 满意、3 基本满意、2 不满意、1 非常不满意。"]
        level = None
    comment = str(comment or "").strip()
    if len(comment) > COMMENT_MAX:
        errors["comment"] = [f"文字评价不超过 {COMMENT_MAX} 字。"]
    elif level is not None and level <= Evaluation.Level.DISSATISFIED and not comment:
        errors["comment"] = [COMMENT_REQUIRED]
    channel = str(channel or Evaluation.Channel.PC)
    if channel not in Evaluation.Channel.values:
        errors["channel"] = [f"评价渠道须为 {', '.join(Evaluation.Channel.values)} 之一。"]
    if errors:
        raise ValidationError(errors)
    return level, comment, channel


def _already_rated(case: Application) -> bool:
    return Evaluation.objects.filter(application=case).exists()


def ensure_open_for_rating(case: Application) -> None:
    """409 unless the result has been delivered and nobody has rated the case yet."""
    if case.state != State.DELIVERED:
        raise Conflict(f"办件当前状态为“{case.get_state_display()}”，办结送达后才能评价。", code="not_delivered")
    if _already_rated(case):
        raise Conflict(ALREADY_RATED, code="already_rated")


def follow_up_recipients(case: Application) -> list[User]:
    """Who follows up a bad rating: the first handler (首办负责, the accepting clerk) and the window
    clerks of the case's department."""
    clerks = User.objects.filter(
        pk__in=StaffMembership.objects.filter(department_id=case.department_id, role=Role.CLERK).values("user_id"),
        is_active=True,
    ).order_by("pk")
    people = {user.pk: user for user in clerks}
    if case.accepted_by_id and case.accepted_by_id not in people:
        people[case.accepted_by_id] = case.accepted_by
    return list(people.values())


def _tell_department(case: Application, evaluation: Evaluation, by: User) -> None:
    title = f"差评待整改：{case.number}（{evaluation.get_level_display()}）"
    body = (
        f"{case.item.name}，申请人评价“{evaluation.get_level_display()}”：{evaluation.comment}\n"
        "请核实情况、整改并回访申请人（差评整改）。"
    )
    url = reverse("approvals:case", args=[case.number])  # staff are redirected to the workbench page
    for user in follow_up_recipients(case):
        if user.pk != by.pk:
            notify(user, kind="bad_rating", title=title, body=body, url=url)


def evaluate_service(
    *, case_id: int, by: User, level, comment: str = "", channel: str = "pc", ip: str | None = None
) -> Evaluation:
    """好差评 "一事一评": the case's applicant (or its filing agent) rates the service once, after the
    result is delivered; 不满意 / 非常不满意 need a comment and are sent to the department to follow up."""
    with transaction.atomic():
        case = locked_case(by, case_id)
        if not is_rater(by, case):
            raise OutsideScope("没有这个办件。")
        if filer_role(by, case.channel) == Role.CLERK:
            # A walk-in case is filed by the window clerk; the applicant rates it at the window (一次一评).
            raise NotPermitted("工作人员不能代申请人评价，请申请人本人评价。")
        ensure_open_for_rating(case)
        level, comment, channel = clean_evaluation(level, comment, channel)
        try:
            with transaction.atomic():
                evaluation = Evaluation.objects.create(
                    application=case, rater=by, level=level, comment=comment, channel=channel
                )
        except IntegrityError:  # a rating committed between our check and our insert (OneToOne)
            raise Conflict(ALREADY_RATED, code="already_rated") from None
        audit.record(
            "approvals.evaluate", case.number, actor=by, ip=ip, evaluation=evaluation.pk, level=level, channel=channel
        )
        if evaluation.is_bad:
            _tell_department(case, evaluation, by)
    return evaluation
