"""User actions on cases: one function each, one transaction each, one audit Event each.

Every transition locks the row (``select_for_update``) and saves through ``ConcurrentTransitionMixin``,
so of two people pressing the same button exactly one succeeds and the other gets a 409.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django_fsm import ConcurrentTransition
from django_fsm import TransitionNotAllowed as FSMTransitionNotAllowed

from approvals import clock

# Filing and materials live in approvals.filing, the clock recomputation in approvals.clock; they are
# user actions too and are re-exported here so that callers find every action in one module.
from approvals.clock import recompute_open_deadlines  # noqa: F401
from approvals.delivery import choose_delivery  # noqa: F401
from approvals.filing import _as_pk, file_application, reuse_material, upload_material  # noqa: F401
from approvals.intake import required_text
from approvals.models import (
    Application,
    CorrectionItem,
    CorrectionNotice,
    Event,
    Procedure,
    State,
    Suspension,
)
from approvals.scope import ensure_may, locked_case, visible_cases
from approvals.signals import case_transitioned
from hall import audit, calendar
from hall.errors import Conflict, NotPermitted, OutsideScope, TransitionNotAllowed
from hall.models import User, WindowStaff

ACTION_LABELS = {
    "submit": "提交", "resubmit": "补正后重新提交", "request_correction": "一次性告知补正", "accept": "受理",
    "reject_intake": "不予受理", "start_review": "开始审查", "suspend": "启动特别程序", "resume": "特别程序结束",
    "extend": "延长期限", "approve": "准予许可", "deny": "不予许可", "deliver": "送达", "withdraw": "撤回",
    "terminate": "终止办理",
}  # fmt: skip
REMEDY = "申请人如不服本决定，可以自收到本决定之日起六十日内依法申请行政复议，或者六个月内依法向人民法院提起行政诉讼。"
MAX_EXTENSION = 10  # art. 42; joint items 15 (arts. 26, 42)
MAX_JOINT_EXTENSION = 15


def _transition(case_id: int, by: User, action: str, *, ip=None, reason="", data=None, apply=None) -> Application:
    """The shared shape of every transition: lock, scope, role, FSM, clock/apply, save, Event, signal."""
    with transaction.atomic():
        case = locked_case(by, case_id)
        role = ensure_may(by, case, action)
        before = case.state
        try:
            getattr(case, action)()
        except FSMTransitionNotAllowed:
            raise TransitionNotAllowed(
                f"办件当前状态为“{case.get_state_display()}”，不能执行“{ACTION_LABELS[action]}”。"
            ) from None
        if apply is not None:
            apply(case, role)
        clock.set_due_at(case)
        try:
            case.save()
        except ConcurrentTransition:
            raise Conflict("办件已被他人处理，请刷新后查看最新状态。") from None
        event = Event.objects.create(
            application=case, action=action, from_state=before, to_state=case.state, actor=by, actor_role=role,
            reason=reason, data=data or {}, ip=ip,
        )  # fmt: skip
        transaction.on_commit(
            lambda: case_transitioned.send(sender=Application, case_id=case.pk, action=action, event_id=event.pk)
        )
    return case


# --- transitions ------------------------------------------------------------------------------------


def _route_to_window(case: Application) -> None:
    """服务AB角: new work goes to the A role of the department's window, to B while A is away."""
    posts = WindowStaff.objects.filter(window__department_id=case.department_id, window__is_active=True)
    present = [p for p in posts.select_related("user").order_by("position", "id") if not p.user.is_absent]
    case.handler = present[0].user if present else None


def submit_application(*, case_id: int, by: User, ip=None) -> Application:
    """Filing: the materials are received now; acceptance or a correction notice is due in 5 working days."""

    def apply(case, role):
        clock.set_receipt_clock(case, clock.now())
        _route_to_window(case)

    return _transition(case_id, by, "submit", ip=ip, apply=apply)


def resubmit_application(*, case_id: int, by: User, ip=None) -> Application:
    """After the one-time correction: a new receipt, the 5-day clock restarts (限时办结)."""

    def apply(case, role):
        required = set(
            case.correction_notices.get(round=case.correction_round).items.values_list("requirement_id", flat=True)
        )
        replaced = set(case.materials.filter(superseded=False, uploaded_at__gte=case.correction_notices.get(
            round=case.correction_round).issued_at).values_list("requirement_id", flat=True))  # fmt: skip
        if missing := required - replaced:
            raise ValidationError({"materials": [f"还有 {len(missing)} 项补正材料未上传。"]})
        clock.set_receipt_clock(case, clock.now())

    return _transition(case_id, by, "resubmit", ip=ip, apply=apply)


def request_correction(*, case_id: int, by: User, items: list[dict], reason: str = "", ip=None) -> Application:
    """补正材料通知书 (行政许可法 art. 32): ALL deficiencies in one notice, within 5 working days of receipt;
    a second notice in the same round is refused; after the 5 days the case counts as accepted."""
    if not items or not isinstance(items, list):
        raise ValidationError({"items": ["请列出需要补正的全部材料及理由。"]})

    def apply(case, role):
        if clock.now() > case.correction_notice_due:
            raise TransitionNotAllowed("已超过五个工作日的补正告知期限，依法视为受理（行政许可法第三十二条）。")
        valid = set(case.item_version.materials.values_list("pk", flat=True))
        errors, requirement_ids = {}, []
        for index, entry in enumerate(items):
            requirement_id = _as_pk(entry.get("requirement_id")) if isinstance(entry, dict) else None
            requirement_ids.append(requirement_id)
            if requirement_id not in valid:
                errors[f"items[{index}].requirement_id"] = ["不是本事项的申请材料。"]
            elif not str(entry.get("reason") or "").strip():
                errors[f"items[{index}].reason"] = ["请说明补正理由。"]
        if errors:
            raise ValidationError(errors)
        case.correction_round += 1
        if case.correction_notices.filter(round=case.correction_round).exists():
            raise Conflict("本轮已发出过补正通知，不得再次告知（行政许可法第三十二条）。")
        notice = CorrectionNotice.objects.create(
            application=case, round=case.correction_round, reason=reason, issued_by=by
        )
        CorrectionItem.objects.bulk_create(
            CorrectionItem(notice=notice, requirement_id=pk, reason=str(e["reason"]).strip()[:300])
            for pk, e in zip(requirement_ids, items, strict=True)
        )

    try:
        return _transition(case_id, by, "request_correction", ip=ip, reason=reason, data={"items": items}, apply=apply)
    except TransitionNotAllowed as exc:
        if Application.objects.filter(pk=case_id, state=State.CORRECTION_REQUESTED).exists():
            raise TransitionNotAllowed(
                "本轮已发出过补正通知，不能执行再次告知：补正内容应一次性全部告知（行政许可法第三十二条）。"
            ) from exc
        raise


def accept_application(*, case_id: int, by: User, ip=None) -> Application:
    """受理: starts the decision clock (art. 42). Past the 5-day limit without a notice the case is
    deemed accepted from the day of receipt (art. 32) and the clock counts from then."""

    def apply(case, role):
        now = clock.now()
        case.accepted_at, case.accepted_by, case.handler = now, by, by
        case.deemed_accepted = now > case.accept_due
        case.clock_start = calendar.local_date(case.received_at if case.deemed_accepted else now)
        case.decision_days = case.item_version.committed_days
        clock.set_decision_clock(case)

    try:
        return _transition(case_id, by, "accept", ip=ip, apply=apply)
    except TransitionNotAllowed as exc:
        case = Application.objects.filter(pk=case_id, state=State.SUBMITTED).first()
        if case is not None:
            raise TransitionNotAllowed("必要材料尚未齐全，不能受理；请一次性告知需要补正的材料。") from exc
        raise


def reject_intake(*, case_id: int, by: User, reason: str, remedy: str = "", ip=None) -> Application:
    """不予受理: with the reason and what the applicant can do (another agency, a review)."""
    reason = required_text(reason, "reason", "请填写不予受理的理由。")
    remedy = required_text(remedy or REMEDY, "remedy", "请告知申请人的救济途径。")

    def apply(case, role):
        case.closed_reason = reason

    return _transition(case_id, by, "reject_intake", ip=ip, reason=reason, data={"remedy": remedy}, apply=apply)


def start_review(*, case_id: int, by: User, ip=None) -> Application:
    def apply(case, role):
        case.handler = by

    return _transition(case_id, by, "start_review", ip=ip, apply=apply)


def suspend_for_procedure(*, case_id: int, by: User, procedure: str, reason: str, ip=None) -> Application:
    """特别程序 (art. 45): hearing, tendering, auction, testing, inspection, quarantine, appraisal or
    expert review; the clock stops and the applicant is told in writing."""
    if procedure not in Procedure.values:
        raise ValidationError({"procedure": [f"须为 {', '.join(Procedure.values)} 之一。"]})
    reason = required_text(reason, "reason", "请说明特别程序的理由。")

    def apply(case, role):
        case.suspended_at = clock.now()
        Suspension.objects.create(application=case, procedure=procedure, reason=reason, started_at=case.suspended_at)

    return _transition(case_id, by, "suspend", ip=ip, reason=reason, data={"procedure": procedure}, apply=apply)


def resume_review(*, case_id: int, by: User, ip=None) -> Application:
    """The special procedure ended: the due date moves by the working days it took (art. 45)."""
    data = {}

    def apply(case, role):
        ended = clock.now()
        data["working_days"] = clock.suspended_working_days(case.suspended_at, ended)
        case.suspended_days += data["working_days"]
        Suspension.objects.filter(application=case, ended_at__isnull=True).update(
            ended_at=ended, working_days=data["working_days"]
        )
        case.suspended_at = None
        clock.set_decision_clock(case)

    return _transition(case_id, by, "resume", ip=ip, data=data, apply=apply)


def extend_deadline(*, case_id: int, by: User, days, reason: str, ip=None) -> Application:
    """延期 (art. 42): once, before the period has run out, at most 10 working days (15 for joint
    items), by an approver, with the reason told to the applicant."""
    reason = required_text(reason, "reason", "请说明延期理由（将告知申请人）。")

    def apply(case, role):
        limit = MAX_JOINT_EXTENSION if case.item_version.joint else MAX_EXTENSION
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= limit:
            raise ValidationError({"days": [f"延长天数须为 1 至 {limit} 个工作日。"]})
        if case.extension_days:
            raise Conflict("本件已延期一次，不得再次延期（行政许可法第四十二条）。")
        if case.decision_due and clock.now() > case.decision_due:
            # Art. 42: the extension is approved within the period; afterwards the case is simply late.
            raise Conflict("办理期限已过，不能再延期；请尽快作出决定（行政许可法第四十二条）。")
        case.extension_days, case.extension_reason = days, reason
        clock.set_decision_clock(case)

    return _transition(case_id, by, "extend", ip=ip, reason=reason, data={"days": days}, apply=apply)


def _decide(case, by, decision: str, reason: str) -> None:
    if case.item_version.separation_of_duties and case.accepted_by_id == by.pk:
        raise NotPermitted("受理本件的工作人员不得同时作出审批决定（审批分离）。")
    case.decision, case.decision_reason = decision, reason
    case.decided_at, case.decided_by = clock.now(), by
    clock.set_delivery_clock(case, case.decided_at)


def approve_application(*, case_id: int, by: User, reason: str = "", ip=None) -> Application:
    """准予行政许可; the result is due to the applicant within 10 working days (art. 44)."""
    return _transition(case_id, by, "approve", ip=ip, reason=reason,
                       apply=lambda case, role: _decide(case, by, Application.Decision.APPROVED, reason))  # fmt: skip


def deny_application(*, case_id: int, by: User, reason: str, ip=None) -> Application:
    """不予行政许可: reasons and the right to review or litigation are stated (art. 38)."""
    reason = required_text(reason, "reason", "不予许可必须说明理由（行政许可法第三十八条）。")
    return _transition(case_id, by, "deny", ip=ip, reason=reason, data={"remedy": REMEDY},
                       apply=lambda case, role: _decide(case, by, Application.Decision.DENIED, reason))  # fmt: skip


def deliver_result(*, case_id: int, by: User, method: str, tracking_number: str = "", ip=None) -> Application:
    """送达 by window pickup, express (with a tracking number) or electronically."""
    if method not in Application.Delivery.values:
        raise ValidationError({"method": ["送达方式须为 window、express 或 electronic。"]})
    if method == Application.Delivery.EXPRESS:
        tracking_number = required_text(tracking_number, "tracking_number", "邮寄送达须填写快递单号。")

    def apply(case, role):
        from fees.services import is_settled

        if case.decision == Application.Decision.APPROVED and not is_settled(case):
            raise TransitionNotAllowed("尚有应缴费用未结清，缴费后方可送达许可证件。")
        case.delivered_at, case.delivery_method, case.tracking_number = clock.now(), method, tracking_number[:40]

    return _transition(case_id, by, "deliver", ip=ip, data={"method": method, "tracking_number": tracking_number},
                       apply=apply)  # fmt: skip


def withdraw_application(*, case_id: int, by: User, reason: str = "", ip=None) -> Application:
    """The applicant withdraws before a decision."""
    return _transition(case_id, by, "withdraw", ip=ip, reason=reason, apply=_close_open_suspension)


def _close_open_suspension(case, role) -> None:
    Suspension.objects.filter(application=case, ended_at__isnull=True).update(ended_at=clock.now())


def terminate_application(*, case_id: int, by: User, reason: str, ip=None) -> Application:
    """终止办理 by an approver, with the reason (e.g. the applicant died, the organisation dissolved)."""
    reason = required_text(reason, "reason", "请填写终止办理的理由。")

    def apply(case, role):
        case.closed_reason = reason
        _close_open_suspension(case, role)

    return _transition(case_id, by, "terminate", ip=ip, reason=reason, apply=apply)


def reveal_identity(*, case_id: int, by: User, ip=None) -> Application:
    """显示完整信息: staff in scope see the full identity number and phone; every reveal of personal
    data is written to the audit trail."""
    case = visible_cases(by).filter(pk=case_id).first()
    if case is None:
        raise OutsideScope("没有这个办件。")
    audit.record("approvals.reveal_identity", case.number, actor=by, ip=ip)
    return case


from approvals.evaluation import evaluate_service  # noqa: E402, F401  (好差评; re-exported like the actions above)
