"""Read queries on cases shared by the API and the staff workbench, with their joins and prefetches.

Everything a user may read goes through ``approvals.scope.visible_cases``; outside it a case does not
exist (404). The list and detail queries here run in a constant number of statements.
"""

import secrets
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils import timezone

from approvals import clock, workflow
from approvals.models import Application, Commitment, CorrectionNotice, Evaluation, Event, Material, State, Suspension
from approvals.scope import may_see, visible_cases
from catalog.models import MaterialRequirement
from hall import calendar, paging
from hall.errors import OutsideScope
from hall.models import User
from hall.roles import STAFF_ROLES

# States in which the decision clock runs. A suspended case is not overdue while the special
# procedure lasts: its due date moves by the suspended working days on resume (art. 45).
DECISION_CLOCK_STATES = workflow.DECISION_CLOCK_STATES

LIST_FIELDS = (
    "id", "number", "state", "owner_id", "filed_by_id", "created_at", "applicant_name", "submitted_at",
    "decision_due", "deadline_provisional", "department_id", "item__code", "item__name", "accept_due",
    "delivery_due", "decision", "due_at",
)  # fmt: skip


def is_staff(user: User) -> bool:
    return bool(user.is_superuser or user.role_names & set(STAFF_ROLES))


def scoped_cases(user: User) -> QuerySet[Application]:
    """The cases ``user`` may read (``approvals.scope.visible_cases``: semi-joins only, no DISTINCT)."""
    return visible_cases(user)


# --- "overdue": one definition for the queue filter, the badge, the dashboard, the scan, statistics ---
#
# A running period whose due instant has passed (DESIGN.md, the workflow): acceptance or the
# correction notice (``accept_due``, art. 32), the decision (``decision_due`` while accepted, under
# review or awaiting the decision, art. 42) or the delivery of an approved result (``delivery_due``,
# art. 44). A suspended case's decision period stands still (art. 45). ``due_at`` stores the running
# period's due instant on every transition (``approvals.clock.set_due_at``), so the condition is one
# indexed column plus the two exceptions.


def _running() -> Q:
    """A period runs: not suspended (art. 45), and a denial is not a result awaiting delivery."""
    return ~Q(state=State.SUSPENDED) & ~Q(state=State.DECIDED, decision=Application.Decision.DENIED)


def overdue_q(now) -> Q:
    return Q(due_at__lt=now) & _running()


def due_by_q(now, until) -> Q:
    """Not yet overdue, but the running period ends by ``until`` (today, within 3 working days)."""
    return Q(due_at__gte=now, due_at__lte=until) & _running()


DUE_SOON_WORKING_DAYS = 3


def due_soon_until(now):
    """The end of the 3rd working day after today (today included): "due soon" for the workbench
    queue, the dashboard and its cases list alike."""
    return calendar.end_of_day(calendar.add_working_days(calendar.local_date(now), DUE_SOON_WORKING_DAYS))


def is_overdue(case: Application, now=None) -> bool:
    """``overdue_q`` for one case in memory (the badge on its page)."""
    return is_overdue_row(case.state, case.decision, clock.running_deadline(case), now or timezone.now())


def is_overdue_row(state: str, decision: str, due, now) -> bool:
    """``overdue_q`` for a row's stored running deadline (``due_at``) and state."""
    if due is None or due >= now or state == State.SUSPENDED:
        return False
    return not (state == State.DECIDED and decision == Application.Decision.DENIED)


def case_list(
    user: User, *, state: str = "", item: str = "", department: str = "", overdue: bool = False
) -> QuerySet[Application]:
    """Cases for a list page: an applicant's or agent's own cases, a staff member's department queue
    (drafts stay private to whoever is writing them). Only the columns a row shows are loaded."""
    # Departments come by prefetch (a dozen rows), not a join: a join on department lets PostgreSQL
    # pick a merge join ordered by department and scan half a million rows for a filtered page.
    cases = scoped_cases(user).select_related("item").prefetch_related("department").only(*LIST_FIELDS)
    if is_staff(user):
        cases = cases.exclude(Q(state=State.DRAFT) & ~Q(owner=user) & ~Q(filed_by=user))
    if state:
        cases = cases.filter(state=state)
    if item:
        cases = cases.filter(item__code=item)
    if department:
        cases = cases.filter(department__code=department)
    if overdue:
        cases = cases.filter(overdue_q(timezone.now()))
    return cases


# The columns of an API list row (``approvals.serializers.case_rows``): plain values, no model rows.
ROW_COLUMNS = (
    "id", "number", "state", "created_at", "applicant_name", "submitted_at", "decision_due",
    "deadline_provisional", "department_id", "item__code", "item__name", "due_at", "decision",
)  # fmt: skip


def case_rows(user: User, **filters) -> QuerySet[dict]:
    """``case_list`` as plain values of ``ROW_COLUMNS`` (one pass to serialise, no ORM per row)."""
    return case_list(user, **filters).prefetch_related(None).values(*ROW_COLUMNS)


# --- "next page" paging, newest first (hall.paging) ----------------------------------------------------


def newest_first_page(cases: QuerySet, *, size: int, after: str = "", before: str = "") -> paging.Page:
    """One page of ``cases`` by ``(-created_at, -id)`` from a cursor (``hall.paging``): ``after`` the
    older cases following a row, ``before`` the newer ones preceding it. A cursor past either end,
    stale or malformed gives the first page."""
    newer, older = paging.decode_cursor(before), paging.decode_cursor(after)
    page = paging.newest_first(cases, field="created_at", size=size, older=None if newer else older, newer=newer)
    if (newer or older) and not page.rows:
        return paging.newest_first(cases, field="created_at", size=size)
    return page


STATE_COLUMNS = (
    "number", "state", "decision", "accept_due", "decision_due", "decision_yellow_at", "delivery_due", "due_at",
    "deadline_provisional",
)  # fmt: skip


def case_state(case_id: int) -> dict:
    """The case's state and due instants as committed (``STATE_COLUMNS``): the answer of a transition."""
    return Application.objects.filter(pk=case_id).values(*STATE_COLUMNS).get()


def saved_state(case: Application) -> dict:
    """``case_state`` of the case a transition has just saved and committed, from the object it saved:
    its columns are what it wrote, or read under the row lock it held until commit (issue 22: no
    second read of the row for the answer)."""
    return {name: getattr(case, name) for name in STATE_COLUMNS}


def case_detail(user: User, number: str) -> Application:
    """One case with everything the case shape shows, in a constant number of queries (404 outside scope).
    The case is read by its number and checked with ``scope.may_see`` before its parts are fetched."""
    case = (
        Application.objects.select_related(
            "item", "item_version", "department", "handler", "fee_assessment", "reviewed_by", "decided_by",
            "bundle__bundle", "licence", "verification",
        )
        .filter(number=number)
        .first()
    )  # fmt: skip
    if case is None or not may_see(user, case):
        raise OutsideScope("没有这个办件。")
    prefetch_related_objects(
        [case],
        # 好差评 per stage, with the follow-up the rater sees (Application.rating_for)
        Prefetch("evaluations", queryset=Evaluation.objects.select_related("follow_up").order_by("id")),
        Prefetch("item_version__materials", queryset=MaterialRequirement.objects.order_by("position", "id")),
        Prefetch("materials", queryset=Material.objects.filter(superseded=False).select_related("licence"),
                 to_attr="current_materials"),
        Prefetch("events", queryset=Event.objects.order_by("at", "id")),
        Prefetch(
            "correction_notices",
            queryset=CorrectionNotice.objects.order_by("round").prefetch_related("items__requirement"),
        ),
        Prefetch("suspensions", queryset=Suspension.objects.order_by("started_at", "id")),
    )  # fmt: skip
    # 告知承诺书 exist only on tell-and-commit versions: other cases pay no query for them
    case.signed_commitments = (
        list(Commitment.objects.filter(application=case).order_by("seq").prefetch_related("requirements"))
        if case.item_version.tell_and_commit else []
    )  # fmt: skip
    case._committed_ids = {r.pk for c in case.signed_commitments for r in c.requirements.all()}
    return case


def material_status(case: Application, requirement: MaterialRequirement, current: Material | None) -> str:
    """The state of one requirement of the case (see ``approvals.serializers`` for the vocabulary)."""
    if case.state == State.CORRECTION_REQUESTED:
        prefetched = getattr(case, "_prefetched_objects_cache", {})
        if "correction_notices" in prefetched:
            notice = max(prefetched["correction_notices"], key=lambda n: n.round, default=None)
        else:
            notice = case.correction_notices.order_by("-round").first()
        asked = {i.requirement_id for i in notice.items.all()} if notice else set()
        if requirement.pk in asked and (current is None or current.uploaded_at < notice.issued_at):
            return "correction_requested"
    if current is None:
        from approvals.commitments import committed_requirement_ids

        if requirement.pk in committed_requirement_ids(case):
            return "committed"
        return "missing" if requirement.required else "not_provided"
    if current.licence_id:
        return "licence"  # 免证办: an e-licence stands for it
    if current.reused_from_id:
        return "reused"
    return "replaced" if current.revision > 1 else "uploaded"


def public_case(number: str) -> Application | None:
    """A case for the public progress page (the caller checks the query code), with its timeline."""
    return (
        Application.objects.select_related("item", "department")
        .prefetch_related(Prefetch("events", queryset=Event.objects.order_by("at", "id")))
        .filter(number=number)
        .first()
    )


def case_by_query_code(number: str, code: str) -> Application | None:
    """The case whose number and query code (查询码) both match, for the public progress page and API.

    A wrong number and a wrong code look the same to the caller (None), and the code is compared in
    constant time, so neither numbers nor codes can be probed.
    """
    number = (number or "").strip()[:40]
    code = (code or "").strip().upper()[:40]
    case = public_case(number) if number else None
    expected = case.query_code if case is not None else secrets.token_hex(4)
    if case is None or not code or not secrets.compare_digest(code.encode(), expected.encode()):
        return None
    return case


# --- what the applicant has to do now (the portal's 下一步) ---------------------------------------------

# What the applicant waits for, by state, when nothing is asked of them (我的办件 and the case page).
WAITING = {
    State.DRAFT: "继续填写：上传材料并提交申请",
    State.SUBMITTED: "等待窗口受理（5 个工作日内受理或一次性告知补正）",
    State.CORRECTION_REQUESTED: "待补正 — 请按补正通知一次补齐材料后重新提交",
    State.ACCEPTED: "已受理，等待审查",
    State.UNDER_REVIEW: "审查中，请留意消息",
    State.SUSPENDED: "特别程序中（所需时间不计入办理时限）",
    State.AWAITING_DECISION: "审查完毕，等待审批人员作出决定",
    State.DECIDED: "已作出决定，请领取结果",
    State.DELIVERED: "已办结",
    State.REJECTED: "不予受理，可查看不予受理通知书",
    State.WITHDRAWN: "已撤回",
    State.TERMINATED: "已终止办理",
    State.REVOKED: "准予决定已被撤销，可查看撤销决定书",
}
# The applicant may choose how to receive the result until it is delivered (approvals.delivery); the
# portal asks for it once the case is accepted, when nothing more urgent is asked.
DELIVERY_ASKED_STATES = (*DECISION_CLOCK_STATES, State.SUSPENDED, State.DECIDED)


@dataclass(frozen=True)
class NextAction:
    """The one thing the applicant has to do now, with its button (``kind`` names the target)."""

    kind: str  # submit | upload | correct | resubmit | pay | choose_delivery | rate | wait
    text: str
    button: str = ""
    detail: str = ""
    level: str = "info"  # the box's colour; the text says the same in words


def _yuan(fen: int) -> str:
    whole, cents = divmod(fen, 100)
    return f"{whole:,}.{cents:02d}"


def applicant_next_action(case: Application, *, fees: dict, missing: int = 0, outstanding: int = 0) -> NextAction:
    """What the applicant must do next, most urgent first: answer the correction notice (art. 32), finish
    and submit a draft, pay what is owed (a result whose fees are unpaid is not delivered), choose how to
    receive the result, rate the delivered service (好差评); otherwise what the case waits for.

    ``fees`` is ``fees.services.summary(case)``; ``missing`` the required materials not yet uploaded and
    ``outstanding`` the materials the correction notice asks for and that are not yet replaced."""
    state = case.state
    if state == State.CORRECTION_REQUESTED:
        if outstanding:
            return NextAction("correct", f"按补正通知重新上传 {outstanding} 项材料，然后重新提交", "去补正材料",
                              "窗口已一次性告知需要补正的全部材料（行政许可法第三十二条）。", "warn")  # fmt: skip
        return NextAction("resubmit", "补正材料已上传，请重新提交", "补正后重新提交",
                          "重新提交后，受理期限自收到补正材料之日起重新计算。", "warn")  # fmt: skip
    if state == State.DRAFT:
        if missing:
            return NextAction("upload", f"上传 {missing} 项必要材料，然后提交申请", "上传材料",
                              "草稿尚未提交，窗口还看不到本件。")  # fmt: skip
        return NextAction("submit", "材料已齐全，请提交申请", "提交申请",
                          "提交即为材料接收：窗口须在 5 个工作日内受理或一次性告知补正。")  # fmt: skip
    owed = fees["due_fen"] - fees["paid_fen"]
    if owed > 0 and state not in (State.WITHDRAWN, State.REJECTED, State.TERMINATED, State.REVOKED):
        detail = f"缴款码 {fees['payment_code']}。" if fees.get("payment_code") else ""
        return NextAction("pay", f"缴纳费用 {_yuan(owed)} 元", "缴费",
                          detail + "缴清后才能送达办理结果。", "warn")  # fmt: skip
    if state in DELIVERY_ASKED_STATES and not case.delivery_choice:
        return NextAction("choose_delivery", "选择办理结果的领取方式", "选择领取方式",
                          "窗口领取、邮寄送达或电子送达，送达前可以更改。")  # fmt: skip
    if state == State.DELIVERED and case.evaluation is None:
        return NextAction("rate", "评价本次服务（好差评）", "去评价", "一事一评，您的评价用于改进政务服务。", "ok")
    level = {State.DELIVERED: "ok", State.DECIDED: "ok", State.REJECTED: "danger", State.TERMINATED: "danger",
             State.REVOKED: "danger",
             State.WITHDRAWN: "plain"}.get(state, "info")  # fmt: skip
    return NextAction("wait", WAITING.get(state, ""), level=level)
