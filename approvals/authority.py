"""Decision authority (分级决定): who may decide a case, the chief representative's delegation, 上报件.

Each item version states who decides (``catalog.ItemVersion.decision_authority``):

- ``department`` — the approvers (审批人员) of the case's department (the default);
- ``chief_representative`` — also the chief representative (首席代表) of one of the department's
  windows, while a written delegation of the department (``Delegation``) names that item and is in
  force; the department's approvers keep the authority they delegated;
- ``report_up`` — 上报件 (行政许可法 art. 43): the department accepts and reviews first; the
  reviewer's opinion is the preliminary opinion reported, with every material, to the upper-level
  authority (``report_to``), whose approvers alone decide, on their own clock (``Referral``).

``approvals.scope.ensure_may`` asks ``decider_role`` for every step marked ``decides`` in the workflow
table (approve, deny, return_for_review, decide_on_the_spot): without the authority → 403.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from approvals.models import Application, Delegation, Referral
from catalog.models import Item, ItemVersion
from hall import audit, calendar
from hall.errors import Conflict, NotPermitted, OutsideScope
from hall.models import StaffMembership, User, Window
from hall.roles import Role

Authority = ItemVersion.Authority


# --- who decides -------------------------------------------------------------------------------------


def active_delegation(user: User, case: Application) -> Delegation | None:
    """The delegation in force today that lets ``user`` decide ``case`` as the chief representative of
    a window of the case's department (the delegate must still hold that post)."""
    return (
        Delegation.objects.filter(
            delegate=user, department_id=case.department_id, items=case.item_id, revoked_at__isnull=True,
            valid_from__lte=timezone.localdate(), window__chief_representative=user, window__is_active=True,
        )
        .exclude(valid_until__lt=timezone.localdate())
        .order_by("-granted_at")
        .first()
    )  # fmt: skip


def _is_staff(user: User, department_id: int) -> bool:
    return StaffMembership.objects.filter(user=user, department_id=department_id).exists()


def _is_member(user: User, department_id: int, role: str) -> bool:
    return (
        user.has_role(role)
        and StaffMembership.objects.filter(user=user, department_id=department_id, role=role).exists()
    )


def decision_refusal(user: User, case: Application, roles) -> tuple[str, str, dict]:
    """``(role, refusal, evidence)``: the role in which ``user`` takes a decision on ``case``, or why
    not (403), and what the Event records about the authority used."""
    version = case.item_version
    authority = version.decision_authority
    if authority == Authority.REPORT_UP:
        referral = getattr(case, "referral", None)
        upper = referral.to_department_id if referral else version.report_to_id
        if Role.APPROVER in roles and upper and _is_member(user, upper, Role.APPROVER):
            return Role.APPROVER, "", {"authority": authority, "decided_for": "upper_level"}
        name = referral.to_department.name if referral else (version.report_to.name if version.report_to else "")
        return "", f"本事项为上报件，由{name}作出决定；本部门只负责受理和初审（行政许可法第四十三条）。", {}
    if Role.APPROVER in roles and _is_member(user, case.department_id, Role.APPROVER):
        return Role.APPROVER, "", {"authority": authority}
    if authority == Authority.CHIEF_REPRESENTATIVE:
        delegation = active_delegation(user, case)
        if delegation is not None:
            return Role.CLERK, "", {"authority": authority, "delegation": delegation.pk,
                                    "delegation_document": delegation.document}  # fmt: skip
        return "", "本事项由经授权的窗口首席代表或本部门审批人员作出决定；您没有有效的授权。", {}
    return "", "本事项由本部门审批人员作出决定。", {}


def decider_role(user: User, case: Application, roles) -> str:
    role, refusal, _ = decision_refusal(user, case, roles)
    if refusal:
        raise NotPermitted(refusal)
    return role


def authority_evidence(user: User, case: Application, roles) -> dict:
    return decision_refusal(user, case, roles)[2]


def describe(case: Application) -> dict:
    """What the workbench shows about who decides this case (and, for 上报件, both clocks)."""
    version = case.item_version
    out = {"kind": version.decision_authority, "label": version.get_decision_authority_display(), "delegations": []}
    if version.decision_authority == Authority.CHIEF_REPRESENTATIVE:
        today = timezone.localdate()
        out["delegations"] = [
            d for d in Delegation.objects.filter(department_id=case.department_id, items=case.item_id,
                                                 revoked_at__isnull=True, valid_from__lte=today)
            .exclude(valid_until__lt=today).select_related("delegate", "window", "granted_by")
        ]  # fmt: skip
    if version.decision_authority == Authority.REPORT_UP:
        out["referral"] = Referral.objects.filter(application=case).select_related("to_department").first()
        out["report_to"] = version.report_to
    return out


# --- 首席代表授权 ------------------------------------------------------------------------------------


def _department_head(by: User, department_id: int) -> None:
    """Only the department's approvers (standing for its head, 部门负责人) grant or revoke its authority."""
    if not _is_member(by, department_id, Role.APPROVER):
        raise NotPermitted("只有本部门审批人员（部门负责人）可以授权或撤销授权。")


def grant_delegation(
    *, by: User, window: str, item_codes: list[str], document: str, valid_from: date | None = None,
    valid_until: date | None = None, note: str = "", ip=None,
) -> Delegation:  # fmt: skip
    """首席代表授权: the department authorises its window's chief representative to decide the named
    items (each of the department, each stating that the chief representative decides). Audited."""
    target = Window.objects.filter(number=window, is_active=True).select_related("department").first()
    if target is None:
        raise ValidationError({"window": ["没有这个窗口。"]})
    _department_head(by, target.department_id)
    errors = {}
    if target.chief_representative_id is None:
        errors["window"] = ["该窗口尚未设首席代表，请先在窗口设置中指定。"]
    document = str(document or "").strip()
    if not document:
        errors["document"] = ["请填写授权书文号。"]
    codes = list(dict.fromkeys(str(c) for c in item_codes or []))
    items = list(Item.objects.filter(code__in=codes).select_related("current_version"))
    found = {i.code for i in items}
    if not codes:
        errors["item_codes"] = ["请列出授权决定的事项。"]
    elif missing := [c for c in codes if c not in found]:
        errors["item_codes"] = [f"没有事项 {'、'.join(missing)}。"]
    else:
        foreign = [i.code for i in items if i.department_id != target.department_id]
        wrong = [i.code for i in items if i.current_version is None
                 or i.current_version.decision_authority != Authority.CHIEF_REPRESENTATIVE]  # fmt: skip
        if foreign:
            errors["item_codes"] = [f"{'、'.join(foreign)} 不是本部门的事项。"]
        elif wrong:
            errors["item_codes"] = [f"{'、'.join(wrong)} 的决定权限不是“窗口首席代表决定”，不能授权。"]
    valid_from = valid_from or timezone.localdate()
    if valid_until is not None and valid_until < valid_from:
        errors["valid_until"] = ["截止日期不能早于生效日期。"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        delegation = Delegation.objects.create(
            department=target.department, window=target, delegate_id=target.chief_representative_id,
            document=document[:100], note=str(note or "")[:300], valid_from=valid_from, valid_until=valid_until,
            granted_by=by,
        )  # fmt: skip
        delegation.items.set(items)
        audit.record("approvals.grant_delegation", delegation, actor=by, ip=ip, delegation=delegation.pk,
                     window=target.number, delegate=target.chief_representative_id, items=sorted(found),
                     valid_from=valid_from.isoformat(),
                     valid_until=valid_until.isoformat() if valid_until else None)  # fmt: skip
    return delegation


def revoke_delegation(*, by: User, delegation_id: int, reason: str, ip=None) -> Delegation:
    """撤销授权: from now on the chief representative no longer decides these items. Audited."""
    reason = str(reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["请填写撤销授权的理由。"]})
    with transaction.atomic():
        delegation = Delegation.objects.select_for_update().filter(pk=delegation_id).first()
        if delegation is None or not _is_staff(by, delegation.department_id):
            raise OutsideScope("没有这项授权。")
        _department_head(by, delegation.department_id)
        if delegation.revoked_at is not None:
            raise Conflict("该授权已经撤销。")
        delegation.revoked_at, delegation.revoked_by, delegation.revoke_reason = timezone.now(), by, reason[:300]
        delegation.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        audit.record("approvals.revoke_delegation", delegation, actor=by, ip=ip, delegation=delegation.pk,
                     reason=reason[:300])  # fmt: skip
    return delegation


def delegations_for(user: User):
    """The delegations of the user's departments (staff see their own department's)."""
    departments = StaffMembership.objects.filter(user=user).values("department_id")
    return (
        Delegation.objects.filter(department_id__in=departments)
        .select_related("window", "delegate", "granted_by", "revoked_by", "department")
        .prefetch_related("items")
    )


# --- 上报件 ------------------------------------------------------------------------------------------


def open_referral(case: Application) -> None:
    """At acceptance of a 上报件: the lower level's preliminary review runs ``report_days`` working days
    (art. 43: within 20) — that is the case's running decision period until it is reported."""
    version = case.item_version
    if version.decision_authority != Authority.REPORT_UP:
        return
    case.decision_days = version.report_days
    due = calendar.end_of_day(calendar.deadline_date(case.clock_start, version.report_days))
    Referral.objects.update_or_create(
        application=case,
        defaults={"from_department_id": case.department_id, "to_department_id": version.report_to_id,
                  "report_due": due},
    )  # fmt: skip


def report_up(case: Application, by: User, opinion: str, at) -> Referral | None:
    """The reviewer's opinion on a 上报件 is its preliminary opinion, reported with every material: the
    upper level's own period (``upper_days``) starts from the day of the report and becomes the case's
    running decision period (the preliminary leg's extension and special procedures stay with it)."""
    referral = Referral.objects.filter(application=case).first()
    if referral is None:
        return None
    referral.reported_at, referral.reported_by, referral.opinion = at, by, opinion
    referral.decision_due = calendar.deadline_instant(at, case.item_version.upper_days)
    referral.save(update_fields=["reported_at", "reported_by", "opinion", "decision_due"])
    case.clock_start = calendar.local_date(at)
    case.decision_days = case.item_version.upper_days
    case.extension_days = case.suspended_days = 0
    return referral


def referral_returned(case: Application) -> None:
    """The upper level sends the report back for a new preliminary opinion: its own clock stops and the
    lower level's preliminary period (from acceptance, ``report_due``) is the running one again."""
    referral = Referral.objects.filter(application=case).first()
    if referral is None:
        return
    case.clock_start = calendar.local_date(case.received_at if case.deemed_accepted else case.accepted_at)
    case.decision_days = case.item_version.report_days
    referral.reported_at = referral.reported_by = referral.decision_due = None
    referral.returned += 1
    referral.save(update_fields=["reported_at", "reported_by", "decision_due", "returned"])


def referral_decided(case: Application, at) -> None:
    Referral.objects.filter(application=case).update(decided_at=at)
