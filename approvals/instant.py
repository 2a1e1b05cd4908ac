"""秒批 (rule-based instant approval): a submission that meets its item version's published rule is
accepted and approved by the system in the same request; any other falls back to a person.

1. ``try_instant_approval`` runs right after the submission commits (``submit_application``), in the
   same request, under the case's row lock, only while the case is still ``submitted``.
2. ``evaluate`` checks the rule (``catalog.instant_rule``): every condition on the filed form, every
   named material from its trusted source — the applicant's valid e-licence chosen for it (免证办), or
   an earlier approved, unrevoked case of the same applicant (same identity number): its material of
   that name (复用, ``reused_from``) or else its decision document is attached to this case as the
   evidence; every other required material uploaded or committed (art. 32: complete).
3. A qualifying case is accepted (event ``accept``) and approved (event ``instant_approve``) by the
   system actor (``actor`` NULL, ``actor_role`` ``system``) in one transaction; the second event holds
   the rule version and the evidence; the acceptance notice and the decision document are issued.
4. Each instant approval is drawn for audit with probability ``INSTANT_APPROVAL_SAMPLE_RATE``
   (``InstantAudit``: the supervisors' list). A case that does not qualify stays ``submitted`` for the
   window, and the audit trail records why (``approvals.instant_fallback``).

行政许可法 art. 34 para. 2: where the materials are complete and in legal form and can be decided on
the spot, the decision is made on the spot; the rule is that "on the spot", published in advance.
"""

import hashlib
import json
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from approvals import clock, commitments, licences, notices, regulators, rules, workflow
from approvals.models import Application, Event, InstantAudit, Material, State
from approvals.signals import announce_after_commit
from catalog.instant_rule import describe
from hall import audit, calendar, outbox
from hall.errors import NotPermitted, TransitionNotAllowed

SYSTEM = workflow.SYSTEM
APPROVED_STATES = (State.DECIDED, State.DELIVERED)


def rule_version(version) -> str:
    """The rule's identity as cited in the event: item code, version number and the rule's hash."""
    canonical = json.dumps(version.instant_rule, sort_keys=True, ensure_ascii=False)
    return f"{version.item.code}@v{version.number}#{hashlib.sha256(canonical.encode()).hexdigest()[:12]}"


def _holds(op: str, actual, expected) -> bool:
    try:
        if op == "eq":
            return actual == expected
        if op == "ne":
            return actual != expected
        if op == "in":
            return actual in expected
        actual, expected = float(actual), float(expected)
    except (TypeError, ValueError):
        return False
    return {"lt": actual < expected, "lte": actual <= expected, "gt": actual > expected,
            "gte": actual >= expected}.get(op, False)  # fmt: skip


def _earlier_case(case: Application, item_code: str) -> Application | None:
    """The newest earlier approved, unrevoked case of the same applicant (identity number) of ``item_code``."""
    return (
        Application.objects.filter(
            applicant_id_number=case.applicant_id_number, item__code=item_code,
            decision=Application.Decision.APPROVED, state__in=APPROVED_STATES,
        )
        .exclude(pk=case.pk)
        .order_by("-decided_at", "-id")
        .first()
    )  # fmt: skip


def _evidence_from(earlier: Application, name: str) -> tuple[dict, dict]:
    """(fields of the Material to attach, evidence): the earlier case's material of the same name, or
    else its decision document — the 准予决定书 that proves what the earlier approval granted."""
    material = earlier.materials.filter(requirement__name=name, superseded=False).first()
    if material is not None:
        fields = {"original_name": material.original_name, "content_type": material.content_type,
                  "size": material.size, "sha256": material.sha256, "file": material.file.name,
                  "reused_from": material, "uploaded_by_id": material.uploaded_by_id}  # fmt: skip
        return fields, {"case_number": earlier.number, "material_id": material.pk, "sha256": material.sha256}
    notice = notices.render(notices.Notice.objects.select_related("application").get(application=earlier,
                                                                                       kind="decision"))  # fmt: skip
    fields = {"original_name": f"{notices.title_of(notice)}（{notice.serial}）.pdf", "content_type": "application/pdf",
              "size": notice.size, "sha256": notice.sha256, "file": notice.pdf.name,
              "uploaded_by_id": earlier.owner_id}  # fmt: skip
    return fields, {"case_number": earlier.number, "notice": notice.serial, "sha256": notice.sha256}


def _licence_problem(case: Application, requirement, material: Material | None) -> str:
    """Why the material does not prove itself by a trusted e-licence now ("" if it does): a licence of
    the applicant, of the type the requirement names, valid at this instant (not revoked or expired)."""
    licence = material.licence if material is not None else None
    if licence is None:
        return "须以本人有效的电子证照核验，未选用电子证照"
    if licence.holder_id_number != case.applicant_id_number:
        return "所用电子证照的持证主体不是本件申请人"
    if requirement.licence_type_code and licence.type_code != requirement.licence_type_code:
        return f"所用电子证照不是“{requirement.licence_type_code}”类证照"
    expired = licence.expires_at is not None and licence.expires_at < clock.now()
    if licence.status != licence.Status.VALID or expired:
        return "所用电子证照已撤销或已过有效期"
    return ""


def evaluate(case: Application) -> tuple[list[str], dict, list]:
    """(reasons it does not qualify, evidence, materials to attach) — qualifies when no reason."""
    rule = case.item_version.instant_rule or {}
    reasons, evidence, attach = [], {"conditions": [], "materials": []}, []
    for condition in rule.get("conditions") or []:
        field, op, expected = condition.get("field"), condition.get("op"), condition.get("value")
        actual = (case.form_data or {}).get(field)
        ok = field in (case.form_data or {}) and _holds(op, actual, expected)
        evidence["conditions"].append({"field": field, "op": op, "value": expected, "actual": actual, "holds": ok})
        if not ok:
            reasons.append(f"申请表“{field}”不满足秒批条件（{op} {expected}）")
    requirements = {r.name: r for r in case.item_version.materials.all()}
    current = {m.requirement_id: m for m in case.materials.filter(superseded=False).select_related("licence")}
    named = set()
    for entry in rule.get("materials") or []:
        name, source = entry.get("material"), entry.get("source")
        requirement = requirements.get(name)
        if requirement is None:
            reasons.append(f"规则所列材料“{name}”不在本事项材料目录中")
            continue
        named.add(requirement.pk)
        if source == "upload":
            if requirement.pk not in current:
                reasons.append(f"未上传“{name}”")
            else:
                evidence["materials"].append(
                    {"material": name, "source": source, "sha256": current[requirement.pk].sha256}
                )
        elif source == "approved_case":
            earlier = _earlier_case(case, entry.get("item_code") or case.item.code)
            if earlier is None:
                reasons.append(f"“{name}”无本人此前已准予的办件可供核验")
            else:
                fields, proof = _evidence_from(earlier, name)
                attach.append((requirement, fields))
                evidence["materials"].append({"material": name, "source": source, **proof})
        else:  # "licence": the applicant's e-licence chosen for the material (免证办, approvals.licence_use)
            material = current.get(requirement.pk)
            problem = _licence_problem(case, requirement, material)
            if problem:
                reasons.append(f"“{name}”{problem}")
            else:
                licence = material.licence
                evidence["materials"].append({"material": name, "source": source, "licence": licence.number,
                                              "type_code": licence.type_code, "sha256": material.sha256})  # fmt: skip
    committed = commitments.committed_requirement_ids(case)
    for requirement in requirements.values():
        if requirement.required and requirement.pk not in named | set(current) | committed:
            reasons.append(f"必要材料“{requirement.name}”未提交")
    return reasons, evidence, attach


def _attach(case: Application, requirement, fields: dict) -> Material:
    """The trusted evidence becomes the case's current material for the requirement (a new revision)."""
    current = Material.objects.filter(application=case, requirement=requirement, superseded=False).first()
    if current is not None:
        Material.objects.filter(pk=current.pk).update(superseded=True)
    revision = current.revision + 1 if current else 1
    return Material.objects.create(application=case, requirement=requirement, revision=revision, **fields)


def _system_step(case: Application, action: str, *, apply, reason: str = "", data: dict | None = None) -> Event:
    """One transition by the system: the FSM move, the clock, save, one Event (actor NULL, role
    ``system``), the step's notice and the applicant's notification — as ``services._transition`` does."""
    step = workflow.BY_NAME[action]
    before = case.state
    getattr(case, action)()
    apply(case)
    clock.set_due_at(case)
    case.save()
    event = Event.objects.create(
        application=case, action=action, from_state=before, to_state=case.state, actor=None, actor_role=SYSTEM,
        reason=reason, data=data or {},
    )  # fmt: skip
    if step.notice:
        notices.issue(case, step.notice, at=event.at)
    regulators.push(case, event)
    if action == "instant_approve":  # 电子证照: issued at the approval when delivered electronically
        licences.on_transition(case, "approve", at=event.at, by=None)
    outbox.enqueue("approvals.notifications.send_for_event", case_id=case.pk, event_id=event.pk)
    announce_after_commit(case, action, event)
    return event


def _accept(case: Application) -> None:
    now = clock.now()
    case.accepted_at, case.accepted_by = now, None
    case.clock_start = calendar.local_date(now)
    case.decision_days = case.item_version.committed_days
    clock.set_decision_clock(case)


def _approve(case: Application, reason: str) -> None:
    case.decision, case.decision_reason = Application.Decision.APPROVED, reason
    case.decided_at, case.decided_by = clock.now(), None
    case.working_days_used = clock.working_days_used(case, case.decided_at)
    clock.set_delivery_clock(case, case.decided_at)
    commitments.open_verification(case)


def try_instant_approval(*, case_id: int) -> Application | None:
    """The system's 秒批 of a just-submitted case; None when the version has no rule or the case does
    not qualify (it stays with the window; the reasons are audited)."""
    with transaction.atomic():
        case = (
            Application.objects.select_for_update(of=("self",)).select_related("item", "item_version").get(pk=case_id)
        )
        version = case.item_version
        if case.state != State.SUBMITTED or not version.instant_rule:
            return None
        reasons, evidence, attach = evaluate(case)
        version_id = rule_version(version)
        if reasons:
            audit.record("approvals.instant_fallback", case.number, rule_version=version_id, reasons=reasons)
            return None
        for requirement, fields in attach:
            _attach(case, requirement, fields)
        if rules.acceptance_refused(case):  # the accept step's own rule, after the evidence is attached
            return None
        reason = "符合秒批规则：" + "；".join(describe(version.instant_rule))
        _system_step(case, "accept", apply=_accept)
        _system_step(case, "instant_approve", apply=lambda c: _approve(c, reason), reason=reason[:2000],
                     data={"rule_version": version_id, "evidence": evidence})  # fmt: skip
        if secrets.SystemRandom().random() < settings.INSTANT_APPROVAL_SAMPLE_RATE:
            InstantAudit.objects.create(application=case, rule_version=version_id)
    return case


def instant_approve(*, case_id: int, by=None, ip=None) -> Application:
    """The ``instant_approve`` step of the workflow table: the system's act only (a person asking for it
    gets 403); performed by ``try_instant_approval``, which evaluates the rule first."""
    if by is not None:
        raise NotPermitted("秒批由系统按已发布的规则作出，不能人工执行。")
    case = Application.objects.get(pk=case_id)
    if case.state not in workflow.BY_NAME["instant_approve"].source:
        raise TransitionNotAllowed(f"办件当前状态为“{case.get_state_display()}”，不能执行“秒批准予”。")
    if try_instant_approval(case_id=case_id) is None:
        raise TransitionNotAllowed("办件不符合秒批规则，不能执行“秒批准予”。")
    return Application.objects.get(pk=case_id)


def sample_queue():
    """The supervisors' audit list of sampled instant approvals, pending first."""
    return InstantAudit.objects.select_related("application__item", "application__department", "reviewed_by").order_by(
        "verdict", "-sampled_at", "-id"
    )


def rules_in_force():
    """Every item version with a 秒批 rule (current and superseded), for supervisors."""
    from catalog.models import ItemVersion

    return (
        ItemVersion.objects.exclude(instant_rule={})
        .filter(Q(state=ItemVersion.State.PUBLISHED) | Q(state=ItemVersion.State.SUPERSEDED))
        .select_related("item__department")
        .prefetch_related("fields")
        .order_by("item__code", "-number")
    )


def review_instant_audit(*, audit_id: int, by, verdict: str, note: str = "", ip=None) -> InstantAudit:
    """抽查结论 by a supervisor: the rule was applied correctly, or not (then a note says why; a 督办 to
    the department follows from the orders page). Audited; the case itself does not change."""
    from django.core.exceptions import ValidationError

    from hall.roles import Role

    if not by.has_role(Role.SUPERVISOR):
        raise NotPermitted("秒批抽查由监察人员办理。")
    if verdict not in (InstantAudit.Verdict.CORRECT, InstantAudit.Verdict.WRONG):
        raise ValidationError({"verdict": ["抽查结论须为 correct 或 wrong。"]})
    note = str(note or "").strip()[:2000]
    if verdict == InstantAudit.Verdict.WRONG and not note:
        raise ValidationError({"note": ["规则适用有误的，请写明问题。"]})
    from django.utils import timezone

    with transaction.atomic():
        row = InstantAudit.objects.select_for_update().select_related("application").get(pk=audit_id)
        if row.verdict != InstantAudit.Verdict.PENDING:
            raise TransitionNotAllowed("本件已抽查。")
        row.verdict, row.note, row.reviewed_by, row.reviewed_at = verdict, note, by, timezone.now()
        row.save(update_fields=["verdict", "note", "reviewed_by", "reviewed_at"])
        audit.record("approvals.review_instant_audit", row.application.number, actor=by, ip=ip, verdict=verdict)
    return row
