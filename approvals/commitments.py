"""告知承诺制 (tell and commit, 国办发〔2020〕42号《关于全面推行证明事项和涉企经营许可事项告知承诺制的指导意见》).

1. The item version lists which materials a written commitment may replace
   (``MaterialRequirement.commitment_allowed``) and the commitment text: what the applicant promises
   and the legal consequences of a false commitment (``ItemVersion.commitment_text``).
2. The applicant signs it while filing (``sign_commitment``: portal, API, or the create body): an
   audited act, stored as a ``Commitment`` with the text as signed and its SHA-256, and issued as a
   document (``Notice`` kind ``commitment``, rendered to PDF like every notice).
3. The case is accepted and decided without those materials (``committed_requirement_ids`` counts
   for ``approvals.rules.materials_complete``).
4. An approval on commitments opens a post-verification task (``Verification``, 事后核查) for the
   department, due ``verification_days`` working days after the decision; an open one past its due
   is a supervision warning (kind ``verification``, ``supervision.scan``).
5. Found false (``record_verification``), the approval is revoked (``revoke_approval``: reason, legal
   basis, 撤销决定书, the applicant notified, e-licences revoked) and the applicant may not use
   tell-and-commit for that item for ``TELL_AND_COMMIT_RESTRICTION_DAYS`` (信用约束), checked when a
   commitment is signed and when the case is submitted (400 with the reason).
"""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from approvals import notices
from approvals.intake import required_text
from approvals.models import Application, Commitment, CommitmentRestriction, Event, State, Verification
from approvals.scope import department_ids, filer_role, is_staff_of, locked_case
from hall import audit, calendar
from hall.errors import NotPermitted, OutsideScope, TransitionNotAllowed
from hall.models import User
from hall.notify import notify
from hall.roles import Role

REVOCATION_BASIS = "《中华人民共和国行政许可法》第六十九条第二款；《国务院办公厅关于全面推行证明事项和涉企经营许可事项告知承诺制的指导意见》（国办发〔2020〕42号）"  # noqa: E501
VERIFIERS = (Role.REVIEWER, Role.APPROVER)


def committed_requirement_ids(case: Application) -> set[int]:
    """The requirements the case's signed commitments replace (read once per case object)."""
    cached = getattr(case, "_committed_ids", None)
    if cached is None:
        through = Commitment.requirements.through
        cached = set(through.objects.filter(commitment__application_id=case.pk).values_list(
            "materialrequirement_id", flat=True))  # fmt: skip
        case._committed_ids = cached
    return cached


def active_restriction(id_number: str, item_id: int) -> CommitmentRestriction | None:
    """The credit restriction that bars this applicant from tell-and-commit on this item today."""
    return (
        CommitmentRestriction.objects.filter(
            applicant_id_number=id_number, item_id=item_id, until__gte=timezone.localdate()
        )
        .order_by("-until")
        .first()
    )


def restriction_message(restriction: CommitmentRestriction) -> str:
    return (
        f"申请人因在本事项办件 {restriction.application.number} 中作出的承诺经核查不实，准予决定已被撤销，"
        f"{restriction.until:%Y年%m月%d日}前不得适用告知承诺制；请提交全部申请材料（国办发〔2020〕42号）。"
    )


def ensure_not_restricted(case: Application) -> None:
    """信用约束, checked at signing and at submission: 400 with the reason."""
    restriction = active_restriction(case.applicant_id_number, case.item_id)
    if restriction is not None:
        raise ValidationError({"commitment": [restriction_message(restriction)]})


def _clean_requirements(case: Application, requirement_ids) -> list[int]:
    if not isinstance(requirement_ids, list | tuple) or not requirement_ids:
        raise ValidationError({"requirement_ids": ["请选择以承诺代替的材料。"]})
    allowed = set(case.item_version.materials.filter(commitment_allowed=True).values_list("pk", flat=True))
    cleaned = []
    for index, value in enumerate(requirement_ids):
        pk = value if isinstance(value, int) and not isinstance(value, bool) else None
        if isinstance(value, str) and value.strip().isdecimal():
            pk = int(value)
        if pk not in allowed:
            raise ValidationError({f"requirement_ids[{index}]": ["该材料不能以告知承诺代替。"]})
        if pk not in cleaned:
            cleaned.append(pk)
    return cleaned


def sign_in_transaction(case: Application, by: User, requirement_ids, *, ip=None) -> Commitment:
    """The signing itself, inside the caller's transaction with the case row locked (also used by
    ``file_application`` when the create body carries the commitment)."""
    version = case.item_version
    if not version.tell_and_commit or not version.commitment_text.strip():
        raise ValidationError({"commitment": ["本事项不实行告知承诺制。"]})
    if case.state != State.DRAFT:
        raise TransitionNotAllowed("申请已提交，不能再签署告知承诺书。")
    ensure_not_restricted(case)
    requirements = _clean_requirements(case, requirement_ids)
    text = version.commitment_text
    seq = case.commitments.count() + 1
    commitment = Commitment.objects.create(
        application=case, seq=seq, text=text, text_sha256=hashlib.sha256(text.encode()).hexdigest(),
        signer_name=case.applicant_name, signer_id_number=case.applicant_id_number, signed_by=by, ip=ip,
    )  # fmt: skip
    commitment.requirements.set(requirements)
    case._committed_ids = None
    Event.objects.create(
        application=case, action="sign_commitment", from_state=case.state, to_state=case.state, actor=by,
        actor_role=filer_role(by, case.channel), ip=ip, at=commitment.signed_at,
        data={"commitment": commitment.pk, "requirements": requirements, "text_sha256": commitment.text_sha256},
    )  # fmt: skip
    audit.record("approvals.sign_commitment", case.number, actor=by, ip=ip, commitment=commitment.pk,
                 requirements=requirements, text_sha256=commitment.text_sha256)  # fmt: skip
    notices.issue(case, "commitment", at=commitment.signed_at)
    return commitment


def sign_commitment(*, case_id: int, by: User, requirement_ids, ip=None) -> Commitment:
    """签署告知承诺书: the applicant (or the agent or window clerk who filed the case) signs the version's
    commitment text in place of the chosen materials; the signed text is stored and issued as a
    document. Only in a draft, only for materials the version allows, never while restricted."""
    with transaction.atomic():
        case = locked_case(by, case_id)
        if by.pk not in (case.owner_id, case.filed_by_id):
            raise NotPermitted("只有申请人本人（或其代理人）可以签署告知承诺书。")
        return sign_in_transaction(case, by, requirement_ids, ip=ip)


# --- post-verification (事后核查) --------------------------------------------------------------------


def open_verification(case: Application) -> Verification | None:
    """Called by the approving act (inside its transaction): an approval on commitments is verified
    afterwards, by the department, within the version's ``verification_days`` working days."""
    if case.decision != Application.Decision.APPROVED or not committed_requirement_ids(case):
        return None
    due = calendar.deadline_instant(case.decided_at, case.item_version.verification_days)
    return Verification.objects.create(application=case, department_id=case.department_id, due_at=due)


def open_verifications_for(user: User) -> QuerySet[Verification]:
    """The department's verification tasks, oldest due first (the workbench list)."""
    return (
        Verification.objects.filter(department_id__in=department_ids(user, VERIFIERS))
        .select_related("application__item", "department")
        .order_by("outcome", "due_at", "id")
    )


def record_verification(*, verification_id: int, by: User, outcome: str, finding: str, ip=None) -> Verification:
    """核查结论: a reviewer or approver of the department records whether the commitments are true.
    A false commitment leaves the case for the approver's ``revoke`` (the finding becomes its reason)."""
    if outcome not in (Verification.Outcome.TRUE, Verification.Outcome.FALSE):
        raise ValidationError({"outcome": ["核查结论须为 true（属实）或 false（不实）。"]})
    finding = required_text(finding, "finding", "请写明核查情况。")
    with transaction.atomic():
        verification = (
            Verification.objects.select_for_update().select_related("application").filter(pk=verification_id).first()
        )
        if verification is None or verification.department_id not in department_ids(by, VERIFIERS):
            raise OutsideScope("没有这个核查任务。")
        if verification.outcome != Verification.Outcome.PENDING:
            raise TransitionNotAllowed("本件已有核查结论。")
        verification.outcome, verification.finding = outcome, finding
        verification.verified_by, verification.verified_at = by, timezone.now()
        verification.save(update_fields=["outcome", "finding", "verified_by", "verified_at"])
        case = verification.application
        role = next(r for r in VERIFIERS if is_staff_of(by, case, r))
        Event.objects.create(
            application=case, action="verify", from_state=case.state, to_state=case.state, actor=by,
            actor_role=role, reason=finding, ip=ip, data={"outcome": outcome},
        )  # fmt: skip
        audit.record("approvals.verify_commitment", case.number, actor=by, ip=ip, outcome=outcome)
        if outcome == Verification.Outcome.FALSE:
            for approver in User.objects.filter(memberships__department_id=case.department_id,
                                                memberships__role=Role.APPROVER).distinct():  # fmt: skip
                notify(approver, kind="commitment_false", title=f"承诺不实，待撤销：{case.number}",
                       body=f"{case.item.name}：{finding}", url=f"/workbench/cases/{case.number}/")  # fmt: skip
    return verification


# --- revocation (撤销) ------------------------------------------------------------------------------


def revoke_licences(case: Application, by: User, reason: str, basis: str) -> int:
    """The e-licences (电子证照) issued on the case are revoked with the decision (issue 18)."""
    from approvals.licences import revoke_licences_of_case  # licences imports the services: not at load

    return revoke_licences_of_case(case, by, reason, basis)


def revoke_approval(*, case_id: int, by: User, reason: str, basis: str = "", ip=None) -> Application:
    """撤销准予决定 (行政许可法 art. 69 para. 2: a licence obtained by deception is revoked; 国办发〔2020〕42号:
    a false commitment is revoked and recorded as a breach of trust). Reason and legal basis go in the
    event and the 撤销决定书; a false verification bars the applicant from tell-and-commit on the item
    for ``TELL_AND_COMMIT_RESTRICTION_DAYS``; the e-licences of the case are revoked."""
    from approvals.services import _transition

    reason = required_text(reason, "reason", "请写明撤销理由。")
    basis = str(basis or "").strip() or REVOCATION_BASIS
    data = {"basis": basis}

    def apply(case, role):
        case.closed_reason = reason
        verification = Verification.objects.filter(application=case, outcome=Verification.Outcome.FALSE).first()
        if verification is not None:
            until = timezone.localdate() + timedelta(days=settings.TELL_AND_COMMIT_RESTRICTION_DAYS)
            restriction = CommitmentRestriction.objects.create(
                applicant_id_number=case.applicant_id_number, applicant_name=case.applicant_name,
                item_id=case.item_id, application=case, reason=reason, until=until,
            )  # fmt: skip
            data["restricted_until"] = restriction.until.isoformat()
        data["licences_revoked"] = revoke_licences(case, by, reason, basis)

    return _transition(case_id, by, "revoke", ip=ip, reason=reason, data=data, apply=apply)
