"""一件事 user actions: file a bundle, upload a shared material once, submit, answer corrections, and the
lead department's one-window acceptance (一窗受理).

Each action is one transaction. The sub-cases move through the ordinary services
(``approvals.services``: their clocks, events, notices and notifications are those of any case);
this module only adds what belongs to the bundle: one form for all, one upload for all the
sub-cases that need a material (stored once, referred to by each sub-case's ``Material`` row), one
act for all at submission and acceptance, and the bundle's audit entries.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from approvals import filing, intake, rules, services
from approvals.bundle_models import BundleCase, BundleMaterial
from approvals.materials import check_upload, clean_name
from approvals.models import Application, IdempotencyKey, State
from approvals.scope import locked_case
from catalog import bundles as catalog_bundles
from hall import audit
from hall.errors import Conflict, NotPermitted, OutsideScope, TransitionNotAllowed
from hall.models import StaffMembership, User
from hall.roles import Role

# A sub-case in one of these states will never be decided: it counts as finished for the bundle.
CLOSED_WITHOUT_DECISION = (State.REJECTED, State.WITHDRAWN, State.TERMINATED)


def is_finished(case: Application) -> bool:
    """Decided (approved or denied, delivered or not), or closed without a decision."""
    return case.decided_at is not None or case.state in CLOSED_WITHOUT_DECISION


def members(bundle_case: BundleCase) -> list[tuple]:
    """(item, item version) of each sub-case, as filed: the merged materials come from these versions."""
    return [(case.item, case.item_version) for case in bundle_case.sub_cases.all()]


def _locked_bundle(by: User, bundle_case_id: int) -> BundleCase:
    """The bundle case row-locked for its applicant (owner, or the agent or clerk who filed it); 403 for
    anyone else (the views look the bundle up in the caller's scope first: 404 outside it)."""
    bundle_case = BundleCase.objects.select_for_update().filter(pk=bundle_case_id).first()
    if bundle_case is None:
        raise OutsideScope("没有这个一件事办件。")
    if by.pk not in (bundle_case.owner_id, bundle_case.filed_by_id):  # callers look it up in scope first (404)
        raise NotPermitted("只有申请人本人（或其代理人）可以执行此操作。")
    return bundle_case


def _sub_cases(bundle_case: BundleCase) -> list[Application]:
    return list(bundle_case.sub_cases.select_related("item", "item_version").order_by("pk"))


# --- filing -------------------------------------------------------------------------------------------


def _existing(by: User, key: str) -> BundleCase | None:
    """The bundle case an ``Idempotency-Key`` already created (the key is kept on its first sub-case)."""
    known = IdempotencyKey.objects.filter(user=by, key=key).select_related("application__bundle").first()
    if known is None:
        return None
    if known.application.bundle is None:
        raise Conflict("该 Idempotency-Key 已用于另一项申请，请换一个。")
    return known.application.bundle


def _validate(guide, applicant, form, agent) -> dict:
    """Every error at once: the applicant (and agent) and the merged form, field names as the API sends them."""
    errors = {}
    if not isinstance(form, dict):
        raise ValidationError({"form": ["申请表须为对象。"]})
    known = {f.name for f in guide.fields}
    for name in form:
        if name not in known:
            errors[f"form.{name}"] = ["本一件事申请表没有这个字段。"]
    try:
        if not isinstance(applicant, dict):
            raise ValidationError({"applicant": ["须为对象：{type, name, id_number, phone, address}。"]})
        intake.clean_party(applicant, prefix="applicant")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    for _, version in guide.members:
        try:
            intake.clean_form(version, _form_for(version, form))
        except ValidationError as exc:
            for key, texts in exc.message_dict.items():
                errors.setdefault(key, texts)
    if errors:
        raise ValidationError(errors)
    return form


def _form_for(version, form: dict) -> dict:
    names = {f.name for f in version.fields.all()}
    return {name: value for name, value in form.items() if name in names}


def file_bundle(
    *, by: User, bundle_code: str, applicant: dict, form: dict, agent: dict | None = None,
    channel: str = Application.Channel.ONLINE, idempotency_key: str = "",
) -> BundleCase:  # fmt: skip
    """One application for a 一件事: one sub-case (draft) per member item, each filed through
    ``file_application`` (so each is checked as any case is), linked to the bundle case and sharing its
    query code. Nothing is created unless every member accepts the filing."""
    if not by.role_names & {Role.APPLICANT, Role.AGENT, Role.CLERK}:
        raise NotPermitted("只有申请人、代办员或窗口工作人员可以申报。")
    idempotency_key = (idempotency_key or "")[:100]
    if idempotency_key and (existing := _existing(by, idempotency_key)):
        return existing
    guide = catalog_bundles.guide(bundle_code or "")
    if guide is None or not guide.accepts_filings:
        raise ValidationError({"bundle_code": ["该一件事不存在、已停止或暂不接受申请。"]})
    form = _validate(guide, applicant, form or {}, agent)
    with transaction.atomic():
        bundle_case = BundleCase.objects.create(
            number=filing._next_number("YJS"), bundle=guide.bundle, bundle_version=guide.version,
            lead_department=guide.bundle.lead_department, owner=by, filed_by=by, channel=channel,
            applicant_type=applicant["type"], applicant_name=str(applicant.get("name", "")).strip()[:100],
            form_data=form,
        )  # fmt: skip
        numbers = []
        for item, version in guide.members:
            case = services.file_application(
                by=by, item_code=item.code, applicant=applicant, form=_form_for(version, form), agent=agent,
                channel=channel,
            )  # fmt: skip
            Application.objects.filter(pk=case.pk).update(bundle=bundle_case, query_code=bundle_case.query_code)
            numbers.append(case.number)
            if idempotency_key and len(numbers) == 1:
                try:
                    with transaction.atomic():
                        IdempotencyKey.objects.create(user=by, key=idempotency_key, application=case)
                except IntegrityError:  # the same key raced in from another request: that one won
                    transaction.set_rollback(True)
                    return _existing(by, idempotency_key)
        audit.record("approvals.file_bundle", bundle_case.number, actor=by, bundle=guide.bundle.code,
                     sub_cases=numbers)  # fmt: skip
    return bundle_case


# --- shared materials ----------------------------------------------------------------------------------


def _targets(by: User, sub_cases, merged) -> list[tuple[Application, int]]:
    """The sub-cases that take this material now, with their requirement: a draft takes every material it
    lists; a sub-case under a correction notice only what the notice asks for (art. 32)."""
    wanted = {item.pk: requirement.pk for item, requirement in merged.requirements}
    targets = []
    for case in sub_cases:
        requirement_id = wanted.get(case.item_id)
        if requirement_id is None or not rules.may_upload(by, case):
            continue
        try:
            filing._requirement(case, requirement_id)
        except ValidationError:
            continue  # the correction notice of this sub-case does not ask for it
        targets.append((case, requirement_id))
    return targets


def upload_bundle_material(*, bundle_case_id: int, by: User, key: str, upload, ip=None) -> BundleMaterial:
    """Upload one merged material once: stored once (``BundleMaterial``), and every sub-case that needs it
    now gets a ``Material`` row referring to the same stored file — shared by reference, not copied."""
    content_type, sha256 = check_upload(upload)
    with transaction.atomic():
        bundle_case = _locked_bundle(by, bundle_case_id)
        sub_cases = [locked_case(by, case.pk) for case in _sub_cases(bundle_case)]
        merged = {m.key: m for m in catalog_bundles.merge_materials(members(bundle_case))}.get(str(key or ""))
        if merged is None:
            raise ValidationError({"key": ["不是本一件事的申请材料。"]})
        targets = _targets(by, sub_cases, merged)
        if not targets:
            raise TransitionNotAllowed("现在没有子办件需要这项材料（已提交的办件只能按补正通知更换材料）。")
        current = bundle_case.materials.filter(key=merged.key, superseded=False).first()
        if current is not None:
            BundleMaterial.objects.filter(pk=current.pk).update(superseded=True)
        stored = BundleMaterial.objects.create(
            bundle_case=bundle_case, key=merged.key, name=merged.name, file=upload,
            original_name=clean_name(upload.name), content_type=content_type, size=upload.size, sha256=sha256,
            revision=current.revision + 1 if current else 1, uploaded_by=by,
        )  # fmt: skip
        for case, requirement_id in targets:
            material = filing._store(case, requirement_id, by, original_name=stored.original_name,
                                     content_type=content_type, size=stored.size, sha256=sha256,
                                     file=stored.file.name, bundle_material=stored)  # fmt: skip
            filing._audit("approvals.upload_bundle_material", case, material, by, ip)
    return stored


# --- submission, corrections, acceptance -----------------------------------------------------------------


def submit_bundle(*, bundle_case_id: int, by: User, ip=None) -> BundleCase:
    """提交: every sub-case is submitted at once; each one's 5-working-day acceptance clock starts now (art. 32)."""
    with transaction.atomic():
        bundle_case = _locked_bundle(by, bundle_case_id)
        if bundle_case.submitted_at is not None:
            raise TransitionNotAllowed("本一件事已经提交。")
        drafts = [case for case in _sub_cases(bundle_case) if case.state == State.DRAFT]
        if not drafts:
            raise TransitionNotAllowed("没有可以提交的子办件。")
        for case in drafts:
            services.submit_application(case_id=case.pk, by=by, ip=ip)
        bundle_case.submitted_at = timezone.now()
        bundle_case.save(update_fields=["submitted_at"])
        audit.record("approvals.submit_bundle", bundle_case.number, actor=by, ip=ip,
                     sub_cases=[case.number for case in drafts])  # fmt: skip
    return bundle_case


def resubmit_bundle(*, bundle_case_id: int, by: User, ip=None) -> BundleCase:
    """补正后重新提交: every sub-case under a correction notice, each with its own new receipt."""
    with transaction.atomic():
        bundle_case = _locked_bundle(by, bundle_case_id)
        waiting = [case for case in _sub_cases(bundle_case) if case.state == State.CORRECTION_REQUESTED]
        if not waiting:
            raise TransitionNotAllowed("没有待补正的子办件。")
        for case in waiting:
            services.resubmit_application(case_id=case.pk, by=by, ip=ip)
        audit.record("approvals.resubmit_bundle", bundle_case.number, actor=by, ip=ip,
                     sub_cases=[case.number for case in waiting])  # fmt: skip
    return bundle_case


def is_lead_clerk(user: User, bundle_case: BundleCase) -> bool:
    return StaffMembership.objects.filter(
        user=user, department_id=bundle_case.lead_department_id, role=Role.CLERK
    ).exists()


def accept_bundle(*, bundle_case_id: int, by: User, ip=None) -> BundleCase:
    """一窗受理: the lead department's clerk accepts every submitted sub-case in one act. Each sub-case is
    accepted by ``accept_application`` — its own acceptance notice and its own decision clock from today
    (art. 42) — so that the member departments work them on their own limits. A sub-case still under a
    correction notice, or with required materials missing, stops the whole act (409, named)."""
    with transaction.atomic():
        bundle_case = BundleCase.objects.select_for_update().filter(pk=bundle_case_id).first()
        if bundle_case is None:
            raise OutsideScope("没有这个一件事办件。")
        if not (by.has_role(Role.CLERK) and is_lead_clerk(by, bundle_case)):  # in scope (the view said 404 else)
            raise NotPermitted(f"一窗受理须由牵头部门（{bundle_case.lead_department.name}）的窗口工作人员办理。")
        if bundle_case.accepted_at is not None:
            raise Conflict("本一件事已经受理。")
        sub_cases = _sub_cases(bundle_case)
        waiting = [c for c in sub_cases if c.state in (State.DRAFT, State.CORRECTION_REQUESTED)]
        if waiting:
            names = "、".join(f"{c.item.name}（{c.get_state_display()}）" for c in waiting)
            raise TransitionNotAllowed(f"以下子办件尚不能受理：{names}。请待申请人补正并重新提交后再一窗受理。")
        accepted = []
        for case in sub_cases:
            if case.state == State.SUBMITTED:
                services.accept_application(case_id=case.pk, by=by, ip=ip)
                accepted.append(case.number)
        if not accepted:
            raise TransitionNotAllowed("没有待受理的子办件。")
        bundle_case.accepted_at, bundle_case.accepted_by = timezone.now(), by
        bundle_case.save(update_fields=["accepted_at", "accepted_by"])
        audit.record("approvals.accept_bundle", bundle_case.number, actor=by, ip=ip, sub_cases=accepted)
    return bundle_case


def note_sub_case_moved(case_id: int) -> None:
    """After a sub-case's transition: the bundle is done (办结) once every sub-case is finished."""
    bundle_id = Application.objects.filter(pk=case_id).values_list("bundle_id", flat=True).first()
    if bundle_id is None:
        return
    with transaction.atomic():
        bundle_case = BundleCase.objects.select_for_update().get(pk=bundle_id)
        if bundle_case.done_at is None and all(is_finished(c) for c in bundle_case.sub_cases.all()):
            bundle_case.done_at = timezone.now()
            bundle_case.save(update_fields=["done_at"])
            audit.record("approvals.bundle_done", bundle_case.number)
