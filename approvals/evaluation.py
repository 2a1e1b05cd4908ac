"""好差评 (国办发〔2019〕51号; GB/T 39734-2020): the applicant rates the service of a case, stage by stage.

Online the rule is "一事一评": one rating per case and stage (受理 once the case is accepted or refused,
办结 once the result is delivered), by the applicant (or the agent who filed), on five levels from 非常满意
to 非常不满意 (GB/T 39046 表9), with the national indicators of its channel as tags. A rating may be
changed once, within ``RATING_EDIT_HOURS``. A bad rating (不满意 / 非常不满意) must say why; it opens a
follow-up (差评整改, ``approvals.follow_up``) and the department is told at once. Rating does not move
the case's state, so it writes an audit entry, not an Event. Window visits ("一次一评") are rated in
``approvals.visits``.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from approvals.models import Application, Evaluation, FollowUp, State
from approvals.scope import filer_role, locked_case
from hall import audit
from hall.errors import Conflict, NotPermitted, OutsideScope
from hall.models import User
from hall.roles import Role

COMMENT_MAX = 1000
ALREADY_RATED = "本办件的这一环节已评价，每个环节只能评价一次（一事一评）。"
COMMENT_REQUIRED = "选择“不满意”或“非常不满意”时，请写明原因，以便我们核实整改。"
Stage = Evaluation.Stage

# The national indicators (国办发〔2019〕51号, 评价内容) by channel: the rater ticks those the rating is about.
ONLINE_INDICATORS = {
    "efficiency": "办事效率",
    "guide": "办事指南精确度",
    "convenience": "办事便捷度",
    "operability": "平台操作性",
}
WINDOW_INDICATORS = {
    "service_efficiency": "服务效率",
    "service_level": "服务水平",
    "attitude": "服务态度",
}
ONLINE_CHANNELS = (Evaluation.Channel.PC, Evaluation.Channel.MOBILE, Evaluation.Channel.QR)
CASE_STAGES = (Stage.ACCEPTANCE, Stage.RESULT)


def indicators_for(channel: str) -> dict[str, str]:
    """The indicators a rating given through ``channel`` may carry (online or at the hall)."""
    return ONLINE_INDICATORS if channel in ONLINE_CHANNELS else WINDOW_INDICATORS


def tag_labels(evaluation: Evaluation) -> list[str]:
    names = {**ONLINE_INDICATORS, **WINDOW_INDICATORS}
    return [names.get(tag, tag) for tag in evaluation.tags or []]


def is_rater(user: User, case: Application) -> bool:
    """The applicant's account or the agent who filed: the people the portal shows as the case's party."""
    return user.is_authenticated and user.pk in (case.owner_id, case.filed_by_id)


def stage_done(case: Application, stage: str) -> bool:
    """Whether ``stage`` of the case is over, so that it can be rated: 受理 once the case was accepted (or
    refused at intake), 办结 once the result was delivered."""
    if stage == Stage.ACCEPTANCE:
        return case.accepted_at is not None or case.state == State.REJECTED
    if stage == Stage.RESULT:
        return case.state == State.DELIVERED
    return False


def may_evaluate(user: User, case: Application, stage: str = Stage.RESULT) -> bool:
    """Whether the rating form applies now (the service still decides, under the row lock)."""
    return is_rater(user, case) and stage_done(case, stage)


def clean_evaluation(level, comment, channel, tags=None) -> tuple[int, str, str, list[str]]:
    """The level 1..5, the comment (required for a bad rating), the channel and the indicator tags of that
    channel; every error by field."""
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
    allowed = indicators_for(channel)
    if tags is None:
        tags = []
    if not isinstance(tags, list | tuple) or not all(isinstance(t, str) for t in tags):
        errors["tags"] = ["评价指标须为列表。"]
        tags = []
    elif unknown := [t for t in tags if t not in allowed]:
        errors["tags"] = [f"该渠道的评价指标为 {'、'.join(allowed)}，不含 {'、'.join(unknown)[:100]}。"]
    if errors:
        raise ValidationError(errors)
    return level, comment, channel, sorted(set(tags), key=list(allowed).index)


def ensure_open_for_rating(case: Application, stage: str = Stage.RESULT) -> None:
    """409 unless the stage is over and nobody has rated it yet."""
    if stage not in CASE_STAGES:
        raise ValidationError({"stage": ["评价环节须为 accept（受理）或 deliver（办结）。"]})
    if not stage_done(case, stage):
        when = "受理后" if stage == Stage.ACCEPTANCE else "办结送达后"
        raise Conflict(f"办件当前状态为“{case.get_state_display()}”，{when}才能评价这一环节。", code="stage_not_done")
    if _already_rated(case, stage):
        raise Conflict(ALREADY_RATED, code="already_rated")


def _already_rated(case: Application, stage: str) -> bool:
    return Evaluation.objects.filter(application=case, stage=stage).exists()


def evaluate_service(
    *, case_id: int, by: User, level, comment: str = "", channel: str = "pc", stage: str = Stage.RESULT,
    tags=None, ip: str | None = None,
) -> Evaluation:  # fmt: skip
    """好差评 "一事一评": the case's applicant (or its filing agent) rates one stage of the case once, after
    that stage; 不满意 / 非常不满意 need a comment and open a follow-up for the department (差评整改)."""
    from approvals.follow_up import open_follow_up

    with transaction.atomic():
        case = locked_case(by, case_id)
        if not is_rater(by, case):
            raise OutsideScope("没有这个办件。")
        if filer_role(by, case.channel) == Role.CLERK:
            # A walk-in case is filed by the window clerk; the applicant rates it at the window (一次一评).
            raise NotPermitted("工作人员不能代申请人评价，请申请人本人评价。")
        ensure_open_for_rating(case, stage)
        level, comment, channel, tags = clean_evaluation(level, comment, channel, tags)
        try:
            with transaction.atomic():
                evaluation = Evaluation.objects.create(
                    application=case, stage=stage, department_id=case.department_id, item_id=case.item_id,
                    rater=by, level=level, comment=comment, channel=channel, tags=tags,
                )  # fmt: skip
        except IntegrityError:  # a rating committed between our check and our insert (unique case + stage)
            raise Conflict(ALREADY_RATED, code="already_rated") from None
        audit.record(
            "approvals.evaluate", case.number, actor=by, ip=ip, evaluation=evaluation.pk, level=level,
            channel=channel, stage=stage, tags=tags,
        )  # fmt: skip
        if evaluation.is_bad:
            open_follow_up(evaluation, by=by)
    return evaluation


def edit_deadline(evaluation: Evaluation):
    return evaluation.created_at + timedelta(hours=settings.RATING_EDIT_HOURS)


def may_change(user: User, evaluation: Evaluation, at=None) -> bool:
    """The rater may change a rating once, within ``RATING_EDIT_HOURS`` of giving it."""
    at = at or timezone.now()
    return (
        user.is_authenticated and evaluation.rater_id == user.pk and evaluation.edited_at is None
        and at <= edit_deadline(evaluation) and not evaluation.excluded
    )  # fmt: skip


def change_evaluation(*, evaluation_id: int, by: User, level, comment: str = "", tags=None, ip: str | None = None):
    """The rater changes the rating once, within the edit window (the first values stay in the audit trail).
    Turned bad, it opens a follow-up; turned good, an open follow-up ends as withdrawn."""
    from approvals.follow_up import open_follow_up, withdraw_follow_up

    with transaction.atomic():
        evaluation = Evaluation.objects.select_for_update().filter(pk=evaluation_id, rater=by).first()
        if evaluation is None:
            raise OutsideScope("没有这条评价。")
        if evaluation.edited_at is not None:
            raise Conflict("评价只能修改一次。", code="already_changed")
        if timezone.now() > edit_deadline(evaluation):
            raise Conflict(
                f"评价后 {settings.RATING_EDIT_HOURS} 小时内可以修改一次，已超过时限。", code="edit_window_over"
            )
        if evaluation.excluded:
            raise Conflict("该评价已经复核认定不计入统计，不能修改。", code="excluded")
        before = {"level": evaluation.level, "comment": evaluation.comment, "tags": evaluation.tags}
        level, comment, _, tags = clean_evaluation(level, comment, evaluation.channel, tags)
        evaluation.level, evaluation.comment, evaluation.tags = level, comment, tags
        evaluation.edited_at = timezone.now()
        evaluation.save(update_fields=["level", "comment", "tags", "edited_at"])
        target = evaluation.application.number if evaluation.application_id else f"evaluation:{evaluation.pk}"
        audit.record(
            "approvals.evaluation_changed", target, actor=by, ip=ip, evaluation=evaluation.pk, before=before,
            after={"level": level, "comment": comment, "tags": tags},
        )  # fmt: skip
        follow_up = FollowUp.objects.select_for_update().filter(evaluation=evaluation).first()
        if evaluation.is_bad and follow_up is None:
            open_follow_up(evaluation, by=by)
        elif not evaluation.is_bad and follow_up is not None and follow_up.is_open:
            withdraw_follow_up(follow_up, by=by, ip=ip)
    return evaluation
