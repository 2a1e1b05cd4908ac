"""Filing an application and its materials (user actions, re-exported by ``approvals.services``)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from approvals import intake, rules
from approvals.intake import required_text
from approvals.materials import check_upload, clean_name
from approvals.models import Application, Event, IdempotencyKey, Material, NumberSequence, State
from approvals.scope import filer_role, locked_case
from catalog.selectors import filing_version
from hall import audit
from hall.errors import NotPermitted, TransitionNotAllowed
from hall.models import User
from hall.roles import Role


def _as_pk(value) -> int | None:
    """An id as JSON (12) or a form ("12") sends it; None for anything else (a list, a float, a boolean)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdecimal():
        return int(value)
    return None


def _next_number(department_code: str) -> str:
    today = timezone.localdate()
    key = f"{department_code}-{today:%Y%m%d}"
    return f"{key}-{NumberSequence.next(key):04d}"


def handling_department(item, *, by: User, department_code: str = "", address: str = "", channel: str = ""):
    """Who handles a new case: the item's department, or for an item delegated (下放) to townships the
    applicant's township (两级大厅) — the one chosen (``department_code``), else the window clerk's own
    township for a walk-in, else the township named in the applicant's address; otherwise the filer is
    asked to choose (400 on ``department_code``)."""
    townships = list(item.delegated_to.order_by("sort_order", "code"))
    if not townships:
        return item.department
    names = "、".join(d.name for d in townships)
    if department_code:
        chosen = next((d for d in townships if d.code == department_code), None)
        if chosen is None:
            raise ValidationError({"department_code": [f"本事项由以下乡镇（街道）办理：{names}。"]})
        return chosen
    if channel == Application.Channel.WINDOW:
        own = set(by.memberships.filter(role=Role.CLERK).values_list("department_id", flat=True))
        if here := next((d for d in townships if d.pk in own), None):
            return here
    for township in townships:
        if any(word and word in (address or "") for word in (township.short_name, _place_name(township.name))):
            return township
    raise ValidationError({"department_code": [f"本事项已下放至乡镇（街道）办理，请选择办理的乡镇（街道）：{names}。"]})


def _place_name(name: str) -> str:
    """新街镇人民政府（便民服务中心） → 新街镇; 河西街道办事处（…） → 河西街道."""
    for suffix in ("人民政府", "办事处", "（"):
        name = name.split(suffix)[0]
    return name


def file_application(
    *, by: User, item_code: str, applicant: dict, form: dict, agent: dict | None = None,
    channel: str = Application.Channel.ONLINE, department_code: str = "", idempotency_key: str = "",
    commitment: dict | None = None, ip=None,
) -> Application:  # fmt: skip
    """Start an application (draft). Agents (art. 29) need the principal's authorisation.

    Applicants and agents file online or by express; window clerks file walk-ins (channel window)
    and own those cases (the applicant follows them with the query code on the receipt).
    ``commitment``: ``{requirement_ids}`` — the 告知承诺书 signed with the filing (approvals.commitments).
    """
    if not by.role_names & {Role.APPLICANT, Role.AGENT, Role.CLERK}:
        raise NotPermitted("只有申请人、代办员或窗口工作人员可以申报。")
    idempotency_key = (idempotency_key or "")[:100]
    if idempotency_key:
        existing = IdempotencyKey.objects.filter(user=by, key=idempotency_key).select_related("application").first()
        if existing:
            return existing.application
    version = filing_version(item_code)
    if version is None:
        raise ValidationError({"item_code": ["该事项不存在、已取消或暂不接受申请。"]})
    errors, party, agent_data = {}, {}, {}
    try:
        if not isinstance(applicant, dict):
            raise ValidationError({"applicant": ["须为对象：{type, name, id_number, phone, address}。"]})
        party = intake.clean_party(applicant, prefix="applicant")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if by.has_role(Role.AGENT) and not agent:
        errors["agent"] = ["代办员须填写代理人信息和授权委托书。"]
    if agent is not None and not isinstance(agent, dict):
        errors["agent"] = ["须为对象：{name, id_number, phone, authorisation}。"]
    elif agent:
        try:
            agent_data = intake.clean_party({**agent, "type": "person"}, prefix="agent", person_only=True)
            agent_data["authorisation"] = required_text(
                agent.get("authorisation", ""), "agent.authorisation", "请提供授权委托书。"
            )[:200]
        except ValidationError as exc:
            errors.update(exc.message_dict)
    try:
        cleaned_form = intake.clean_form(version, form or {})
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if channel not in Application.Channel.values:
        errors["channel"] = ["未知的申报渠道。"]
    elif channel == Application.Channel.WINDOW and not by.has_role(Role.CLERK):
        errors["channel"] = ["窗口申报由窗口工作人员录入。"]
    elif not getattr(version, f"channel_{channel}"):
        errors["channel"] = [f"本事项不提供“{Application.Channel(channel).label}”。"]
    if errors:
        raise ValidationError(errors)
    item = version.item
    department = handling_department(item, by=by, department_code=department_code, address=party["address"],
                                     channel=channel)  # fmt: skip
    with transaction.atomic():
        case = Application.objects.create(
            number=_next_number(department.code), item=item, item_version=version, department=department,
            owner=by, filed_by=by, channel=channel, applicant_type=party["type"], applicant_name=party["name"],
            applicant_id_number=party["id_number"], applicant_phone=party["phone"],
            applicant_address=party["address"], agent_name=agent_data.get("name", ""),
            agent_id_number=agent_data.get("id_number", ""), agent_phone=agent_data.get("phone", ""),
            agent_authorisation=agent_data.get("authorisation", ""), form_data=cleaned_form,
        )  # fmt: skip
        if idempotency_key:
            try:
                with transaction.atomic():
                    IdempotencyKey.objects.create(user=by, key=idempotency_key, application=case)
            except IntegrityError:
                transaction.set_rollback(True)
                return IdempotencyKey.objects.get(user=by, key=idempotency_key).application
        Event.objects.create(application=case, action="create", from_state="", to_state=case.state, actor=by,
                             actor_role=filer_role(by, channel))  # fmt: skip
        if commitment:
            from approvals.commitments import sign_in_transaction

            sign_in_transaction(case, by, commitment.get("requirement_ids"), ip=ip)
    return case


def _case_for_upload(case_id: int, by: User) -> Application:
    case = locked_case(by, case_id)
    if rules.may_upload(by, case):  # the same rule the case pages ask
        return case
    if by.pk in (case.owner_id, case.filed_by_id):
        raise TransitionNotAllowed(f"办件当前状态为“{case.get_state_display()}”，不能更换材料。")
    raise NotPermitted("只有申请人可以上传材料。")


def _requirement(case: Application, requirement_id) -> int:
    ids = set(case.item_version.materials.values_list("pk", flat=True))
    try:
        requirement_id = int(requirement_id)
    except (TypeError, ValueError):
        requirement_id = None
    if requirement_id not in ids:
        raise ValidationError({"requirement_id": ["不是本事项的申请材料。"]})
    if case.state == State.CORRECTION_REQUESTED:
        notice = case.correction_notices.order_by("-round").first()
        if not notice.items.filter(requirement_id=requirement_id).exists():
            raise ValidationError({"requirement_id": ["补正通知未要求更换这项材料。"]})
    return requirement_id


def _store(case: Application, requirement_id: int, by: User, **values) -> Material:
    current = case.materials.filter(requirement_id=requirement_id, superseded=False).first()
    if current is not None:
        Material.objects.filter(pk=current.pk).update(superseded=True)
    return Material.objects.create(
        application=case, requirement_id=requirement_id, uploaded_by=by,
        revision=(current.revision + 1) if current else 1, **values,
    )  # fmt: skip


def _audit(action: str, case: Application, material: Material, by: User, ip) -> None:
    audit.record(action, case.number, actor=by, ip=ip, requirement=material.requirement_id, material=material.pk,
                 revision=material.revision, sha256=material.sha256)  # fmt: skip


def upload_material(*, case_id: int, by: User, requirement_id, upload, ip=None) -> Material:
    """A file for one requirement; a replacement keeps the earlier revision (after a correction).
    Not a transition (no Event): the audit trail records who uploaded what, from where."""
    content_type, sha256 = check_upload(upload)
    with transaction.atomic():
        case = _case_for_upload(case_id, by)
        requirement_id = _requirement(case, requirement_id)
        material = _store(case, requirement_id, by, original_name=clean_name(upload.name),
                          content_type=content_type, size=upload.size, sha256=sha256, file=upload)  # fmt: skip
        _audit("approvals.upload_material", case, material, by, ip)
    return material


def reuse_material(*, case_id: int, by: User, requirement_id, material_id, ip=None) -> Material:
    """复用: attach a material from an earlier case of the same account instead of uploading again."""
    with transaction.atomic():
        case = _case_for_upload(case_id, by)
        requirement_id = _requirement(case, requirement_id)
        source = (
            Material.objects.filter(pk=_as_pk(material_id), application__owner=by).exclude(application=case).first()
        )
        if source is None:
            raise ValidationError({"material_id": ["只能复用本人以往办件中的材料。"]})
        material = _store(case, requirement_id, by, original_name=source.original_name,
                          content_type=source.content_type, size=source.size, sha256=source.sha256,
                          file=source.file.name, reused_from=source)  # fmt: skip
        _audit("approvals.reuse_material", case, material, by, ip)
    return material
