"""Workbench case page (办件详情): masked applicant data, scanned materials, the legal clock, notices,
and a form for exactly the transitions this user may perform now.

Every change goes through ``approvals.services``: a ``ValidationError`` re-renders the form with the
messages next to the fields (400); any other ``DomainError`` (409 "someone acted first", 403, 415 …)
is told with a message on the refreshed page. Nothing a user can send answers 500.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_fsm import can_proceed

from approvals import authority, commitments, notices, rules, selectors, services, workflow
from approvals import forms_workbench as wf
from approvals.models import Application, DeliveryProof, Event, Licence, Material, Shipment, State
from approvals.scope import case_for, ensure_may, is_staff_of
from approvals.serializers import mask_address, mask_id_number, mask_name, mask_phone
from approvals.views import INLINE_TYPES, MAX_ID, material_response
from approvals.views_workbench import deadline_badge, staff_only
from approvals.workflow import Step
from catalog.models import FormField
from fees import services as fee_services
from fees.models import AssessmentLine
from hall import audit, calendar
from hall.errors import Conflict, DomainError, InvalidUpload, NotPermitted, OutsideScope, UploadTooLarge
from hall.models import User
from hall.roles import DEPARTMENT_ROLES, Role

MATERIAL_STATUS = {
    "missing": ("未提交", "danger"), "not_provided": ("未提供（非必要）", ""), "uploaded": ("已上传", "ok"),
    "replaced": ("已更换", "ok"), "reused": ("复用", "info"), "correction_requested": ("待补正", "warn"),
    "committed": ("告知承诺", "info"),
}  # fmt: skip
READERS = (Role.SUPERVISOR,)  # read everything, change nothing in a case (DESIGN.md, Permissions)


def _case_or_404(user: User, number: str) -> Application:
    try:
        return selectors.case_detail(user, number)
    except OutsideScope as exc:
        raise Http404(exc.detail) from exc


def offered_steps(user: User, case: Application) -> list[tuple[Step, str]]:
    """The transitions ``user`` may perform on ``case`` from its state, in the table's order, each with
    the reason it is refused right now ("" when it is not) — the service's own named rule, so the page
    explains exactly what the service would answer. Conditions such as complete materials are the
    service's to explain; a refused step is shown with its reason instead of a form."""
    may_by_roles: dict[tuple, bool] = {}
    offered = []
    for step in workflow.STEPS:
        # a step with a named refusal is shown with its reason; one without (revoke: approvals only) is
        # offered only where its model conditions hold
        if not can_proceed(getattr(case, step.name), check_conditions=not step.refusal) or not step.applies_to(case):
            continue
        if step.name == "dispatch" and case.delivery_choice != Application.Delivery.EXPRESS:
            continue  # the courier is offered only where the applicant chose express delivery
        key = (step.roles, step.decides)  # staff steps depend only on the roles (decisions: on the authority)
        if key not in may_by_roles:
            try:
                ensure_may(user, case, step)
                may_by_roles[key] = True
            except NotPermitted:
                may_by_roles[key] = False
        if may_by_roles[key]:
            refusal = step.why_refused(case)
            if not refusal and step.name in ("approve", "deny"):
                refusal = rules.separation_refused(case, user)
            offered.append((step, refusal))
    return offered


def allowed_actions(user: User, case: Application) -> list[str]:
    """The names of the transitions ``user`` can perform on ``case`` now."""
    return [step.name for step, refusal in offered_steps(user, case) if not refusal]


def build_form(step: Step, case: Application, data=None) -> wf.ServiceForm:
    form_class = step.form_class()
    kwargs = {"auto_id": f"{step.name}-%s"}
    if form_class is wf.CorrectionForm:
        kwargs["requirements"] = case.item_version.materials.all()
    elif form_class is wf.ExtendForm:
        kwargs["joint"] = case.item_version.joint
    elif form_class is wf.DeliverForm:
        kwargs["initial"] = {"method": case.delivery_choice or Application.Delivery.WINDOW}
    elif form_class is wf.RecommendForm:
        kwargs["initial"] = {"recommendation": "approve"}
        kwargs["dissent"] = case.item_version.joint and case.joint_tasks.filter(opinion="disagree").exists()
    return form_class(data, **kwargs)


def _party(case: Application, revealed: bool) -> list[tuple[str, str]]:
    def show(value, mask):
        return value if revealed else mask(value)

    rows = [
        ("申请人类型", case.get_applicant_type_display()),
        ("申请人", show(case.applicant_name, mask_name)),
        ("证件号码", show(case.applicant_id_number, mask_id_number)),
        ("联系电话", show(case.applicant_phone, mask_phone)),
        ("联系地址", show(case.applicant_address, mask_address)),
    ]
    if case.agent_name:
        rows += [
            ("代理人", show(case.agent_name, mask_name)),
            ("代理人证件号码", show(case.agent_id_number, mask_id_number)),
            ("代理人电话", show(case.agent_phone, mask_phone)),
            ("授权委托书", case.agent_authorisation),
        ]
    return rows


def _form_data(case: Application, fields: dict, revealed: bool) -> list[tuple[str, str]]:
    """The application form with its labels; phone and identity fields are masked like the applicant's."""
    masks = {FormField.Type.PHONE: mask_phone, FormField.Type.ID_NUMBER: mask_id_number}
    rows = []
    for name, value in case.form_data.items():
        field = fields.get(name)
        mask = masks.get(field.type) if field is not None and not revealed else None
        rows.append((field.label if field is not None else name, mask(str(value)) if mask else value))
    return rows


def _deadlines(case: Application, now) -> list[dict]:
    """The stored instants of the legal clock; the one that runs now carries its coloured badge."""
    provisional = case.deadline_provisional
    deciding = case.state in (*workflow.DECISION_CLOCK_STATES, State.SUSPENDED)  # the decision period
    rows = [
        ("受理/补正期限", case.accept_due if case.accepted_at is None or case.deemed_accepted else None,
         case.state == State.SUBMITTED, "第三十二条"),
        ("黄色预警", case.decision_yellow_at, None, "期限最后五分之一"),
        ("办结期限", case.decision_due, deciding, "第四十二条"),
        ("送达期限", case.delivery_due, case.state == State.DECIDED, "第四十四条"),
    ]  # fmt: skip
    out = []
    for label, due, current, basis in rows:
        if due is None:
            continue
        badge = None
        if current:
            badge = deadline_badge(due, provisional=provisional, running=case.state != State.SUSPENDED, now=now)
        out.append({"label": label, "due": due, "badge": badge, "basis": basis, "provisional": provisional})
    return out


def _materials(case: Application, user: User, upload_errors: dict) -> list[dict]:
    current = {m.requirement_id: m for m in case.current_materials}
    can_upload = rules.may_upload(user, case)
    asked = None
    if case.state == State.CORRECTION_REQUESTED:
        notice = max(case.correction_notices.all(), key=lambda n: n.round, default=None)
        asked = {i.requirement_id for i in notice.items.all()} if notice else set()
    rows = []
    for requirement in case.item_version.materials.all():
        material = current.get(requirement.pk)
        status = selectors.material_status(case, requirement, material)
        label, level = MATERIAL_STATUS[status]
        rows.append({
            "requirement": requirement, "material": material, "status": label, "level": level,
            "inline": material is not None and material.content_type in INLINE_TYPES,
            "image": material is not None and material.content_type.startswith("image/"),
            "upload": can_upload and (asked is None or requirement.pk in asked),
            "errors": upload_errors.get(requirement.pk, []),
        })  # fmt: skip
    return rows


def _timeline(case: Application) -> list[dict]:
    events = list(case.events.all())
    actor_ids = {e.actor_id for e in events if e.actor_id}
    actors = {u.pk: u for u in User.objects.filter(pk__in=actor_ids).only("username", "real_name")}
    return [
        {"event": e, "label": workflow.label(e.action), "actor": actors.get(e.actor_id),
         "role": Role(e.actor_role).label if e.actor_role in Role.values else e.actor_role,
         "from": State(e.from_state).label if e.from_state in State.values else e.from_state,
         "to": State(e.to_state).label if e.to_state in State.values else e.to_state}
        for e in events
    ]  # fmt: skip


def _fees(user: User, case: Application) -> dict | None:
    """收费 panel: ``fees.services.summary`` with the assessed lines, and 核定收费 while this user may
    assess and the case may still be assessed (accepted … decided, not denied, not yet paid)."""
    if not case.item_version.charges_fees:
        return None
    summary = fee_services.summary(case)
    lines = list(AssessmentLine.objects.filter(assessment__application_id=case.pk)) if summary["payment_code"] else []
    assessment = getattr(case, "fee_assessment", None)  # joined by selectors.case_detail
    may_assess = not fee_services.assessment_refused(case, assessment) and fee_services.may_assess(user, case)
    may_waive = (not fee_services.assessment_refused(case, assessment) and fee_services.may_waive(user, case)
                 and summary["status"] in ("none", "due"))  # fmt: skip
    return {**summary, "lines": lines, "assess_url": reverse("fees:assess", args=[case.number]) if may_assess else None,
            "waive_url": reverse("fees:waive", args=[case.number]) if may_waive else None}  # fmt: skip


def consequence(step: Step, case: Application, now) -> str:
    """What a confirmed act will do, in the words the confirmation shows (WCAG 3.3.4): acceptance starts
    the decision period (art. 42) — counted from the receipt when the case is deemed accepted (art. 32)."""
    if step.name == "decide_on_the_spot":
        terms = case.decision_terms
        titles = {terms.approved_title, terms.denied_title}
        document = terms.approved_title if len(titles) == 1 else f"{terms.approved_title}（或{terms.denied_title}）"
        return (
            "当场受理并当场作出决定（即办件，行政许可法第三十四条第二款）：受理与决定同在今日，"
            f"同时出具受理通知书和{document}；准予的，自今日起十个工作日内送达。"
        )
    if step.name != "accept":
        return step.hint
    days = case.item_version.committed_days
    deemed = rules.deemed_accepted(case, now)
    start = calendar.local_date(case.received_at if deemed and case.received_at else now)
    due = calendar.deadline_date(start, days)
    text = (
        f"受理后开始计算办结时限：承诺 {days} 个工作日，须于 {due.year}年{due.month}月{due.day}日前作出决定；"
        "同时出具受理通知书并告知申请人。"
    )
    if deemed:
        text = "已超过 5 个工作日未告知补正，视为自收到材料之日起受理（行政许可法第三十二条）。" + text
    return text


def _monitoring(case: Application) -> dict:
    """The case's e-monitoring record (电子监察): its yellow and red cards, 督办 and anomalies, read
    through the reverse relations supervision declares (approvals imports nothing of supervision)."""
    return {
        "warnings": list(case.warnings.order_by("raised_at", "id")),
        "orders": list(case.orders.order_by("created_at", "id")),
        "anomalies": list(case.anomalies.order_by("detected_at", "id")),
    }


def _joint_panel(request, case: Application, now):
    from approvals.views_joint import panel  # 联合审批 (it renders through this module)

    return panel(request, case, now)


def render_case(request, case: Application, *, status: int = 200, bound=None, open_action: str = "",
                revealed: bool = False, upload_errors: dict | None = None):  # fmt: skip
    user, now = request.user, timezone.now()
    upload_errors = upload_errors or {}
    timeline = _timeline(case)
    actions, refused = [], []
    for step, refusal in offered_steps(user, case):
        label = step.label_for(case.item.type)
        if refusal:
            refused.append({"name": step.name, "label": label, "reason": refusal})
            continue
        form = bound if bound is not None and open_action == step.name else build_form(step, case)
        actions.append({"name": step.name, "label": label, "form": form, "open": step.name == open_action,
                        "confirm": step.confirm, "danger": step.danger, "consequence": consequence(step, case, now),
                        "hint": step.hint, "law": step.law})  # fmt: skip
    fields = {f.name: f for f in case.item_version.fields.all()}
    materials = _materials(case, user, upload_errors)
    committed = commitments.committed_requirement_ids(case)  # a 告知承诺 replaces the material: not missing
    regulated = case.item_version.regulator_id is not None
    context = {
        "case": case,
        "party": _party(case, revealed),
        "revealed": revealed,
        "form_data": _form_data(case, fields, revealed),
        "materials": materials,
        "missing_required": sum(
            1
            for row in materials
            if row["requirement"].required and row["material"] is None and row["requirement"].pk not in committed
        ),
        "upload_general_errors": upload_errors.get(None, []),
        "deadlines": _deadlines(case, now),
        "overdue": selectors.is_overdue(case, now),
        "timeline": timeline,
        "seen": max((row["event"].pk for row in timeline), default=0),
        "notices": [
            {**row, "url": reverse("approvals:notice", args=[case.number, row["kind"]])}
            for row in notices.issued_notices(case)
        ],
        "correction_notices": list(case.correction_notices.all()),
        "suspensions": list(case.suspensions.all()),
        "actions": actions,
        "refused": refused,
        "read_only": not user.role_names & set(DEPARTMENT_ROLES),  # a supervisor reads, never acts
        "upload_form": wf.MaterialUploadForm(auto_id="upload-%s"),
        "evaluations": list(case.evaluations.all()),  # 好差评 per stage; prefetched by selectors.case_detail
        "fees": _fees(user, case),
        "monitoring": _monitoring(case),
        "joint": _joint_panel(request, case, now),
        "delivery": shipping_context(case, user),
        # 告知承诺制 and 双向推送 (issue 17): no query for cases of items without them
        "verification": getattr(case, "verification", None),
        "findings": list(case.regulator_findings.select_related("department")) if regulated else [],
        "authority": authority.describe(case),  # 分级决定: who decides, the delegation, 上报件's two clocks
    }
    response = render(request, "approvals/workbench/case.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


def shipping_context(case, user) -> dict | None:
    """送达与证照 on the case page once decided: the licence, the waybills with the courier's events, the
    signed 送达回证 (screen signature or scan), and what the clerk may still do."""
    if case.state not in (State.DECIDED, State.DELIVERED):
        return None
    shipments = list(Shipment.objects.filter(application=case).prefetch_related("events").order_by("created_at"))
    return {
        "licence": Licence.objects.filter(application=case).first(),
        "shipments": shipments,
        "simulated": [s for s in shipments if s.carrier == "simulator" and s.status in ("created", "in_transit")],
        "proofs": list(DeliveryProof.objects.filter(application=case).order_by("recorded_at", "id")),
        "can_scan": case.state == State.DELIVERED and is_staff_of(user, case, Role.CLERK),
        "can_revoke": user.has_role(Role.APPROVER),
    }


@never_cache
@staff_only(hidden=True, readers=READERS)
@require_GET
def case_page(request, number: str):
    return render_case(request, _case_or_404(request.user, number))


@never_cache
@staff_only(hidden=True, readers=READERS)
@require_POST
def reveal(request, number: str):
    """显示完整信息: the full identity number and phone for this page view only, and it is audited."""
    case = _case_or_404(request.user, number)
    services.reveal_identity(case_id=case.pk, by=request.user, ip=audit.client_ip(request))
    return render_case(request, case, revealed=True)


@staff_only(hidden=True, readers=READERS)
@require_GET
def material(request, number: str, material_id: int):
    """The uploaded file, for users in scope only: inline for PDF and images with the stored (sniffed)
    content type, as a download otherwise; never content-sniffed by the browser."""
    if material_id > MAX_ID:
        raise Http404
    try:
        case = case_for(request.user, number, queryset=selectors.scoped_cases(request.user).only("pk", "number"))
    except OutsideScope as exc:
        raise Http404(exc.detail) from exc
    row = Material.objects.filter(application=case, pk=material_id).first()
    if row is None:
        raise Http404("没有这份材料。")
    return material_response(row)


@staff_only(hidden=True)
@require_POST
def upload(request, number: str):
    """A scanned material for one requirement (the filing clerk, or the window clerk before acceptance)."""
    case = _case_or_404(request.user, number)
    form = wf.MaterialUploadForm(request.POST, request.FILES)
    requirement_id = form.data.get("requirement_id")
    requirement_id = int(requirement_id) if str(requirement_id or "").isdecimal() else None
    if not form.is_valid():
        errors = [e for errs in form.errors.values() for e in errs]
        return render_case(request, case, status=400, upload_errors={requirement_id: errors})
    try:
        stored = services.upload_material(
            case_id=case.pk, by=request.user, requirement_id=form.cleaned_data["requirement_id"],
            upload=form.cleaned_data["file"], ip=audit.client_ip(request),
        )  # fmt: skip
    except ValidationError as exc:
        errors = exc.messages
        return render_case(request, case, status=400, upload_errors={requirement_id: errors})
    except (InvalidUpload, UploadTooLarge) as exc:
        return render_case(request, case, status=exc.status_code, upload_errors={requirement_id: [exc.detail]})
    except OutsideScope as exc:
        raise Http404(exc.detail) from exc
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect(reverse("approvals:work_case", args=[case.number]) + "#materials")
    messages.success(request, f"已上传“{stored.original_name}”。")
    return redirect(reverse("approvals:work_case", args=[case.number]) + "#materials")


def _failure_message(case: Application, user: User, exc: DomainError, seen) -> str:
    """A refused action; when someone else moved the case since the page was shown, say so plainly."""
    if exc.status_code != 409:
        return exc.detail
    latest = Event.objects.filter(application=case).select_related("actor").order_by("-id").first()
    seen = int(seen) if str(seen or "").isdecimal() and len(str(seen)) < 19 else None
    if latest is not None and seen is not None and latest.pk > seen and latest.actor_id != user.pk:
        who = f"{latest.actor}" if latest.actor else "他人"
        when = timezone.localtime(latest.at).strftime("%H:%M")
        what = workflow.label(latest.action)
        return f"办件已被他人处理：{who} 已于 {when} {what}。页面已刷新为最新状态，请核对后再操作。（{exc.detail}）"
    if "已被他人处理" in exc.detail:
        return exc.detail
    return f"{exc.detail} 办件可能已被他人处理，页面已刷新为最新状态。"


@never_cache
@staff_only(hidden=True)
@require_http_methods(["GET", "POST"])
def act(request, number: str, action: str):
    """GET: the case page with this action's form open. POST: the service, then back to the case (PRG)."""
    step = workflow.step(action)
    if step is None:
        raise Http404("没有这个办理操作。")
    case = _case_or_404(request.user, number)
    if request.method == "GET":
        return render_case(request, case, open_action=action)
    refusal = dict(offered_steps(request.user, case)).get(step)  # None: not offered to this user now
    if refusal is None or refusal:
        # The page that offered this button is out of date (or never offered it): say so before asking
        # for anything more, in the words of the rule the service would apply.
        label = step.label_for(case.item.type)
        refused = Conflict(refusal or f"办件当前状态为“{case.get_state_display()}”，您不能执行“{label}”。")
        messages.error(request, _failure_message(case, request.user, refused, request.POST.get("seen")))
        return redirect("approvals:work_case", number=case.number)
    form = build_form(step, case, data=request.POST)
    if not form.is_valid():
        return render_case(request, case, status=400, bound=form, open_action=action)
    try:
        step.perform()(case_id=case.pk, by=request.user, ip=audit.client_ip(request), **form.service_kwargs())
    except ValidationError as exc:
        form.apply_service_errors(exc)
        return render_case(request, case, status=400, bound=form, open_action=action)
    except OutsideScope as exc:
        raise Http404(exc.detail) from exc
    except DomainError as exc:
        messages.error(request, _failure_message(case, request.user, exc, request.POST.get("seen")))
        return redirect("approvals:work_case", number=case.number)
    messages.success(request, f"已{step.label_for(case.item.type)}：{case.number}。")
    return redirect("approvals:work_case", number=case.number)
