"""Named rules of the workflow that both a service (to refuse) and a page (to explain) ask.

Each ``*_refused(case)`` returns why an act is refused now, in Chinese, or "" when nothing stands in
its way; ``approvals.workflow`` names them on their steps, ``approvals.services`` raises them as 409
under the row lock, and the workbench shows the same words instead of a button.
"""

from django.utils import timezone

from approvals.workflow import DECISION_CLOCK_STATES, State
from hall.roles import Role

MAX_EXTENSION = 10  # art. 42
MAX_JOINT_EXTENSION = 15  # arts. 26, 42: joint (unified) handling


def materials_complete(case) -> bool:
    """Every required material of the filed version has a current upload (art. 32: 材料齐全), or a signed
    告知承诺书 replaces it (国办发〔2020〕42号: decided on the commitment, verified afterwards)."""
    from approvals.commitments import committed_requirement_ids

    required = case.item_version.materials.filter(required=True).values_list("pk", flat=True)
    present = case.materials.filter(superseded=False).values_list("requirement_id", flat=True)
    return set(required) <= set(present) | committed_requirement_ids(case)


def deemed_accepted(case, now=None) -> bool:
    """Art. 32: no correction notice within 5 working days of receipt — the application counts as
    accepted from the day the materials were received, complete or not."""
    now = now or timezone.now()
    return case.accept_due is not None and now > case.accept_due


def acceptance_refused(case) -> str:
    if case.state == State.SUBMITTED and not deemed_accepted(case) and not materials_complete(case):
        return "必要材料尚未齐全，不能受理；请一次性告知需要补正的材料（行政许可法第三十二条）。"
    return ""


def correction_refused(case) -> str:
    """Art. 32: one notice per receipt, listing everything, within 5 working days of it."""
    if case.state == State.CORRECTION_REQUESTED:
        return "本轮已发出过补正通知，不能执行再次告知：补正内容应一次性全部告知（行政许可法第三十二条）。"
    if case.state == State.SUBMITTED and case.correction_notice_due and timezone.now() > case.correction_notice_due:
        return "已超过五个工作日的补正告知期限，依法视为受理（行政许可法第三十二条）。"
    return ""


def is_instant(case) -> bool:
    """即办件 (GB/T 39046 A.6): the filed version's handling kind is instant with a committed limit of 0."""
    return case.item_version.decided_at_window


def on_the_spot_refused(case) -> str:
    """当场办结 (art. 34 para. 2): only for a 即办件, only with every required material present — the
    applicant is at the window; a case deemed accepted (art. 32) is past "on the spot" by definition."""
    if case.state != State.SUBMITTED:
        return ""  # the workflow answers: not from this state
    if not is_instant(case):
        return "本事项不是即办件（承诺时限不为 0），不能当场办结；请按受理、审查、决定的程序办理。"
    if not materials_complete(case):
        return "必要材料尚未齐全，不能当场办结；请一次性告知需要补正的材料（行政许可法第三十二条）。"
    return ""


def extension_limit(case) -> int:
    return MAX_JOINT_EXTENSION if case.item_version.joint else MAX_EXTENSION


def extension_refused(case) -> str:
    """Art. 42: once, and approved within the period — afterwards the case is simply late."""
    if case.state not in DECISION_CLOCK_STATES:
        return ""
    if case.extension_days:
        return "本件已延期一次，不得再次延期（行政许可法第四十二条）。"
    if case.decision_due and timezone.now() > case.decision_due:
        return "办理期限已过，不能再延期；请尽快作出决定（行政许可法第四十二条）。"
    return ""


def delivery_refused(case) -> str:
    """An approved result of a fee-charging item is handed over only once its fees are assessed and
    settled: paid in full, or waived (减免) by an approver (issue 15: no licence without its fee)."""
    from fees.services import unsettled_reason

    if case.state == State.DECIDED and case.decision == "approved":
        return unsettled_reason(case)
    return ""


def separation_refused(case, user) -> str:
    """审批分离 (configurable per item version): whoever accepted the case or recommended its
    decision does not also decide it — three opinions, three people."""
    if not case.item_version.separation_of_duties:
        return ""
    if case.accepted_by_id == user.pk:
        return "受理本件的工作人员不得同时作出审批决定（审批分离）。"
    if case.reviewed_by_id == user.pk:
        return "提出审查意见的工作人员不得同时作出审批决定（审查与决定分离）。"
    return ""


def may_upload(user, case) -> bool:
    """Who may add or replace a material now: the filer before submitting or after a correction
    notice; a window clerk while a window-filed case waits for acceptance."""
    own = user.pk in (case.owner_id, case.filed_by_id) and case.state in (State.DRAFT, State.CORRECTION_REQUESTED)
    # the window clerk scans a walk-in's papers (Application.Channel.WINDOW; this module is below models)
    window = case.state == State.SUBMITTED and case.channel == "window" and user.has_role(Role.CLERK)
    return own or window
