"""User actions on cases: one function each, one transaction each, one audit Event each.

Every transition locks the row (``select_for_update``) and saves through ``ConcurrentTransitionMixin``,
so of two people pressing the same button exactly one succeeds and the other gets a 409.
"""

import copy

from django.core.exceptions import ValidationError
from django.db import transaction
from django_fsm import ConcurrentTransition
from django_fsm import TransitionNotAllowed as FSMTransitionNotAllowed

from approvals import (
    authority,
    clock,
    commitments,
    instant,
    joint,
    licences,
    notices,
    regulators,
    rules,
    shipping,
    workflow,
)

# Filing and materials live in approvals.filing, the clock recomputation in approvals.clock; they are
# user actions too and are re-exported here so that callers find every action in one module.
from approvals.clock import recompute_open_deadlines  # noqa: F401
from approvals.delivery import choose_delivery  # noqa: F401
from approvals.filing import _as_pk, file_application, reuse_material, upload_material  # noqa: F401
from approvals.intake import required_text
from approvals.licence_use import use_licence  # noqa: F401  (免证办)
from approvals.licences import revoke_licence  # noqa: F401
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
from approvals.shipping import record_delivery_receipt  # noqa: F401  (送达回证 scan)
from approvals.signals import announce_after_commit
from approvals.workflow import REMEDY
from fees import services as fees_services
from hall import audit, calendar, outbox
from hall.errors import Conflict, NotPermitted, OutsideScope, TransitionNotAllowed
from hall.models import User, WindowStaff

MAX_CORRECTION_ITEMS = 100  # far above any item's list of materials; one entry per requirement


FEE_CLOSING_ACTIONS = ("deny", "withdraw", "terminate")


def _transition(
    case_id: int, by: User | None, action: str, *, ip=None, reason="", data=None, apply=None, system: str = ""
) -> Application:
    """The shared shape of every transition, one straight line under the row lock: scope and role (for
    a decision: the item's decision authority, recorded in the Event), the step's named refusal, the FSM
    move, the clock (``apply``), save, one Event, the notice the act issues and the notifications
    (outbox rows in the same transaction), and the signal after commit. The step comes from
    ``approvals.workflow``. ``system`` names an outside party acting without a user (``carrier``: the
    courier's signed report of delivery), in place of the scope and role check. An ``apply`` that
    records an earlier Event of the same act (当场办结: the acceptance) sets ``case._event_from`` to the
    state the act's own Event starts from."""
    step = workflow.BY_NAME[action]
    with transaction.atomic():
        if system:
            case, role = Application.objects.select_for_update(of=("self",)).get(pk=case_id), system
        else:
            case = locked_case(by, case_id)
            role = ensure_may(by, case, step)
            if step.decides:
                data = {**(data or {}), **authority.authority_evidence(by, case, step.roles)}
        if refusal := step.why_refused(case):
            raise TransitionNotAllowed(refusal)
        before, columns = case.state, _column_values(case)
        try:
            getattr(case, action)()
        except FSMTransitionNotAllowed:
            raise TransitionNotAllowed(
                f"办件当前状态为“{case.get_state_display()}”，不能执行“{step.label_for(case.item.type)}”。"
            ) from None
        if apply is not None:
            apply(case, role)
        clock.set_due_at(case)
        try:
            case.save(update_fields=_changed_columns(case, columns))
        except ConcurrentTransition:
            raise Conflict("办件已被他人处理，请刷新后查看最新状态。") from None
        event = Event.objects.create(
            application=case, action=action, from_state=getattr(case, "_event_from", before), to_state=case.state,
            actor=by, actor_role=role, reason=reason, data=data or {}, ip=ip,
        )  # fmt: skip
        if step.notice:
            notices.issue(case, step.notice, at=event.at)
        if action in ("approve", "deliver"):  # 电子证照: at the approval for electronic delivery, else at delivery
            licences.on_transition(case, action, at=event.at, by=by)
        regulators.push(case, event)  # 双向推送: a decision goes to the item's regulating department
        if action in FEE_CLOSING_ACTIONS:  # no licence, no fee: cancel what is due, refund what was paid
            fees_services.close_fees(case, by=by, action=action, reason=reason, ip=ip)
        outbox.enqueue("approvals.notifications.send_for_event", case_id=case.pk, event_id=event.pk)
        announce_after_commit(case, action, event)
    return case


def _column_values(case: Application) -> dict:
    """The case's column values as read under the lock (JSON copied: ``apply`` may change it in place)."""
    return {
        field.attname: copy.deepcopy(value) if isinstance(value := getattr(case, field.attname), dict | list) else value
        for field in Application._meta.concrete_fields
    }


def _changed_columns(case: Application, before: dict) -> list[str]:
    """What the transition changed, and the state always (``ConcurrentTransitionMixin`` checks it): only
    these are written, not every column of a wide row (issue 22)."""
    changed = [name for name, value in before.items() if getattr(case, name) != value]
    return list(dict.fromkeys(["state", *changed]))


# --- transitions ------------------------------------------------------------------------------------


def _route_to_window(case: Application) -> None:
    """服务AB角: new work goes to the A role of the department's window, to B while A is away."""
    posts = WindowStaff.objects.filter(window__department_id=case.department_id, window__is_active=True)
    present = [p for p in posts.select_related("user").order_by("position", "id") if not p.user.is_absent]
    case.handler = present[0].user if present else None


def submit_application(*, case_id: int, by: User, ip=None) -> Application:
    """Filing: the materials are received now; acceptance or a correction notice is due in 5 working days.
    A 秒批 item's qualifying submission is then accepted and approved by the system (approvals.instant)."""

    def apply(case, role):
        if commitments.committed_requirement_ids(case):
            commitments.ensure_not_restricted(case)  # 信用约束 (国办发〔2020〕42号)
        clock.set_receipt_clock(case, clock.now())
        _route_to_window(case)

    case = _transition(case_id, by, "submit", ip=ip, apply=apply)
    # 秒批: a submission meeting the version's published rule is accepted and approved at once.
    return instant.try_instant_approval(case_id=case.pk) or case


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


def _correction_items(case: Application, items) -> list[tuple[int, str]]:
    """Every listed deficiency: a material of the filed version, each at most once, with its reason."""
    valid = set(case.item_version.materials.values_list("pk", flat=True))
    errors, cleaned, seen = {}, [], set()
    for index, entry in enumerate(items):
        requirement_id = _as_pk(entry.get("requirement_id")) if isinstance(entry, dict) else None
        reason = str(entry.get("reason") or "").strip() if isinstance(entry, dict) else ""
        if requirement_id not in valid:
            errors[f"items[{index}].requirement_id"] = ["不是本事项的申请材料。"]
        elif requirement_id in seen:
            errors[f"items[{index}].requirement_id"] = ["同一项材料只列一次，请把补正要求写在同一条理由中。"]
        elif not reason:
            errors[f"items[{index}].reason"] = ["请说明补正理由。"]
        elif len(reason) > 300:
            errors[f"items[{index}].reason"] = ["补正理由不超过 300 字。"]
        seen.add(requirement_id)
        cleaned.append((requirement_id, reason))
    if errors:
        raise ValidationError(errors)
    return cleaned


def request_correction(*, case_id: int, by: User, items: list[dict], reason: str = "", ip=None) -> Application:
    """补正材料通知书 (行政许可法 art. 32): ALL deficiencies in one notice, within 5 working days of receipt;
    a second notice in the same round is refused; after the 5 days the case counts as accepted."""
    if not items or not isinstance(items, list):
        raise ValidationError({"items": ["请列出需要补正的全部材料及理由。"]})
    if len(items) > MAX_CORRECTION_ITEMS:
        raise ValidationError({"items": [f"补正材料不超过 {MAX_CORRECTION_ITEMS} 项（每项材料只列一次）。"]})

    def apply(case, role):
        cleaned = _correction_items(case, items)
        case.correction_round += 1
        notice = CorrectionNotice.objects.create(
            application=case, round=case.correction_round, reason=reason, issued_by=by
        )
        CorrectionItem.objects.bulk_create(
            CorrectionItem(notice=notice, requirement_id=pk, reason=text) for pk, text in cleaned
        )

    return _transition(case_id, by, "request_correction", ip=ip, reason=reason, data={"items": items}, apply=apply)


def accept_application(*, case_id: int, by: User, ip=None) -> Application:
    """受理: starts the decision clock (art. 42). Past the 5-day limit without a notice the case is
    deemed accepted from the day of receipt (art. 32) and the clock counts from then."""

    def apply(case, role):
        now = clock.now()
        case.accepted_at, case.accepted_by, case.handler = now, by, by
        case.deemed_accepted = rules.deemed_accepted(case, now)
        case.clock_start = calendar.local_date(case.received_at if case.deemed_accepted else now)
        case.decision_days = joint.decision_days(case.item_version)  # joint items: at most 45 (art. 42)
        authority.open_referral(case)  # 上报件: the preliminary review's period runs first (art. 43)
        clock.set_decision_clock(case)
        joint.open_tasks(case)  # 一口受理: one task per participating department of a joint item

    return _transition(case_id, by, "accept", ip=ip, apply=apply)


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
        joint.set_task_clocks(case)  # the departments' open tasks move with the case (art. 45)

    return _transition(case_id, by, "resume", ip=ip, data=data, apply=apply)


def extend_deadline(*, case_id: int, by: User, days, reason: str, ip=None) -> Application:
    """延期 (art. 42): once, before the period has run out (``rules.extension_refused``), at most 10
    working days (15 for joint items), by an approver, with the reason told to the applicant."""
    reason = required_text(reason, "reason", "请说明延期理由（将告知申请人）。")

    def apply(case, role):
        limit = rules.extension_limit(case)
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= limit:
            raise ValidationError({"days": [f"延长天数须为 1 至 {limit} 个工作日。"]})
        case.extension_days, case.extension_reason = days, reason
        clock.set_decision_clock(case)
        joint.set_task_clocks(case)

    return _transition(case_id, by, "extend", ip=ip, reason=reason, data={"days": days}, apply=apply)


def recommend_decision(*, case_id: int, by: User, recommendation: str, opinion: str, dissent_response: str = "",
                       ip=None) -> Application:  # fmt: skip
    """审查意见: the reviewer recommends approval or denial with a written opinion, and the case waits
    for the approver's decision (审查 → 决定; three opinions, three people). On a joint case every
    department's opinion is in (the step's refusal) and a disagreeing one is answered (``dissent_response``)."""
    data = {"recommendation": recommendation}
    if recommendation not in workflow.RECOMMENDED_DECISION:
        raise ValidationError({"recommendation": ["请选择建议准予（approve）或不予（deny）。"]})
    opinion = required_text(opinion, "opinion", "请填写审查意见。")

    def apply(case, role):
        case.recommendation, case.review_opinion = workflow.RECOMMENDED_DECISION[recommendation], opinion
        case.reviewed_at, case.reviewed_by = clock.now(), by
        if answered := joint.answer_dissent(case, dissent_response):
            data.update(dissent_response=dissent_response.strip(), dissent_departments=answered)
        if authority.report_up(case, by, opinion, case.reviewed_at):  # 上报件: the upper level's clock starts
            clock.set_decision_clock(case)

    return _transition(case_id, by, "recommend", ip=ip, reason=opinion, data=data, apply=apply)


def return_for_review(*, case_id: int, by: User, reason: str, ip=None) -> Application:
    """The approver sends the case back to the reviewer with a reason; the recommendation is withdrawn
    (it stays on the timeline) and a new one is needed before a decision."""
    reason = required_text(reason, "reason", "请说明退回审查的理由。")

    def apply(case, role):
        case.recommendation, case.review_opinion, case.reviewed_at, case.reviewed_by = "", "", None, None
        if case.item_version.decision_authority == case.item_version.Authority.REPORT_UP:
            authority.referral_returned(case)
            clock.set_decision_clock(case)

    return _transition(case_id, by, "return_for_review", ip=ip, reason=reason, apply=apply)


def _decide(case, by, decision: str, reason: str) -> None:
    if refusal := rules.separation_refused(case, by):
        raise NotPermitted(refusal)
    if decision != case.recommendation and not reason:
        raise ValidationError({"reason": ["决定与审查意见不一致的，须写明理由。"]})
    case.decision, case.decision_reason = decision, reason
    case.decided_at, case.decided_by = clock.now(), by
    case.working_days_used = clock.working_days_used(case, case.decided_at)
    clock.set_delivery_clock(case, case.decided_at)
    commitments.open_verification(case)  # 告知承诺制: an approval on commitments is verified afterwards
    authority.referral_decided(case, case.decided_at)


def approve_application(*, case_id: int, by: User, reason: str = "", ip=None) -> Application:
    """准予 on the reviewer's recommendation; the result is due to the applicant within 10 working days
    (art. 44). The decision document is named for the item's type (``approvals.workflow``)."""
    reason = str(reason or "").strip()
    return _transition(case_id, by, "approve", ip=ip, reason=reason,
                       apply=lambda case, role: _decide(case, by, Application.Decision.APPROVED, reason))  # fmt: skip


def deny_application(*, case_id: int, by: User, reason: str, ip=None) -> Application:
    """不予: reasons and the right to review or litigation are stated (art. 38)."""
    reason = required_text(reason, "reason", "不予决定必须说明理由（行政许可法第三十八条）。")
    return _transition(case_id, by, "deny", ip=ip, reason=reason, data={"remedy": REMEDY},
                       apply=lambda case, role: _decide(case, by, Application.Decision.DENIED, reason))  # fmt: skip


def decide_on_the_spot(*, case_id: int, by: User, decision: str, reason: str = "", ip=None) -> Application:
    """当场办结 (即办件, 行政许可法 art. 34 para. 2): materials complete and in legal form, the case is
    accepted and decided at the window in one sitting by whoever holds the item's decision authority
    (the chief representative with a delegation, or the department's approver) — one transaction, two
    Events (受理, then the decision), the acceptance notice and the decision document issued at once,
    due and decided the same day. Accepting and deciding are one act here: separation of duties does
    not apply. Refused (409) for any item that is not a 即办件."""
    if decision not in workflow.RECOMMENDED_DECISION:
        raise ValidationError({"decision": ["请选择准予（approve）或不予（deny）。"]})
    decided = workflow.RECOMMENDED_DECISION[decision]
    if decided == Application.Decision.DENIED:
        reason = required_text(reason, "reason", "不予决定必须说明理由（行政许可法第三十八条）。")
    reason = str(reason or "").strip()

    def apply(case, role):
        now = clock.now()
        case.accepted_at, case.accepted_by, case.handler = now, by, by
        case.clock_start, case.decision_days = calendar.local_date(now), 0  # N = 0: due the same day
        clock.set_decision_clock(case)
        accepted = Event.objects.create(
            application=case, action="accept", from_state=State.SUBMITTED, to_state=State.ACCEPTED, actor=by,
            actor_role=role, reason="即办件当场受理", data={"on_the_spot": True}, ip=ip, at=now,
        )  # fmt: skip
        notices.issue(case, "acceptance", at=accepted.at)
        case._event_from = State.ACCEPTED
        case.decision, case.decision_reason = decided, reason
        case.decided_at, case.decided_by = now, by
        case.working_days_used = clock.working_days_used(case, now)
        clock.set_delivery_clock(case, now)

    data = {"decision": decision, **({"remedy": REMEDY} if decided == Application.Decision.DENIED else {})}
    return _transition(case_id, by, "decide_on_the_spot", ip=ip, reason=reason, data=data, apply=apply)


def deliver_result(
    *, case_id: int, by: User, method: str, tracking_number: str = "", recipient_name: str = "", signature: str = "",
    ip=None,
) -> Application:  # fmt: skip
    """送达 by window pickup (the 送达回证 signed on screen: ``signature``, a PNG data URL, with the
    ``recipient_name``; or printed, signed by hand and its scan added afterwards), express (a tracking
    number typed in; through a carrier see ``dispatch_by_express``) or electronically (the licence and
    the decision document wait in the applicant's portal)."""
    if method not in Application.Delivery.values:
        raise ValidationError({"method": ["送达方式须为 window、express 或 electronic。"]})
    if method == Application.Delivery.EXPRESS:
        tracking_number = required_text(tracking_number, "tracking_number", "邮寄送达须填写快递单号。")
    proof = shipping.clean_signature(signature, recipient_name) if signature else None

    def apply(case, role):
        case.delivered_at, case.delivery_method, case.tracking_number = clock.now(), method, tracking_number[:40]
        if proof is not None:
            shipping.keep_signature(case, by, *proof)

    return _transition(case_id, by, "deliver", ip=ip, data={"method": method, "tracking_number": tracking_number,
                       "signed": proof is not None}, apply=apply)  # fmt: skip


def dispatch_by_express(*, case_id: int, by: User, carrier: str = "simulator", ip=None) -> Application:
    """交寄: the result leaves with a courier (waybill booked through ``approvals.carriers``) to the
    address the applicant chose; the case is delivered when the courier reports it signed for, dated by
    the courier (art. 44)."""
    data = {"carrier": carrier}

    def apply(case, role):
        shipment = shipping.book(case, by, carrier)
        case.tracking_number = data["waybill"] = shipment.waybill

    return _transition(case_id, by, "dispatch", ip=ip, data=data, apply=apply)


def deliver_by_carrier(*, case_id: int, shipment, at, ip=None) -> Application:
    """The courier's signed report of delivery (``approvals.carriers.receive``): the ``deliver``
    transition as the carrier, dated when the recipient signed."""

    def apply(case, role):
        case.delivered_at, case.delivery_method = at, Application.Delivery.EXPRESS
        case.tracking_number = shipment.waybill

    data = {"method": "express", "carrier": shipment.carrier, "waybill": shipment.waybill,
            "signed_by": shipment.signed_by}  # fmt: skip
    return _transition(case_id, None, "deliver", ip=ip, data=data, apply=apply, system="carrier")


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
