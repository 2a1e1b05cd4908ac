"""Applicant portal (网上办事大厅): my cases, online filing, the case page, public progress.

Views read through ``approvals.selectors`` and act only through ``approvals.services``; every POST
redirects back (PRG) with the outcome as a message, so a refused action never answers with a 500.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET, require_POST

from approvals import licence_use, notices, selectors, services, workflow
from approvals.forms_portal import ProgressForm, ReuseForm, StartForm, UploadForm, WithdrawForm
from approvals.materials import clean_name
from approvals.models import DECISION_CLOCK_STATES, Application, Material, State
from approvals.scope import case_for
from approvals.views import MAX_ID, material_response
from approvals.views_reform import commitment_context
from catalog.selectors import filing_version
from fees.services import summary as fee_summary
from hall import throttling
from hall.audit import client_ip
from hall.errors import DomainError, InvalidUpload, OutsideScope, UploadTooLarge
from hall.roles import Role

PAGE_SIZE = 20
REUSE_CHOICES = 30
STATE_LABELS = dict(State.choices)
BADGES = {
    State.DRAFT: "", State.SUBMITTED: "info", State.CORRECTION_REQUESTED: "warn", State.ACCEPTED: "info",
    State.UNDER_REVIEW: "info", State.SUSPENDED: "warn", State.AWAITING_DECISION: "info", State.DECIDED: "ok",
    State.DELIVERED: "ok",
    State.REJECTED: "danger", State.WITHDRAWN: "", State.TERMINATED: "danger", State.REVOKED: "danger",
}  # fmt: skip
# What the applicant waits for, by state (我的办件); the case page asks selectors.applicant_next_action.
NEXT_STEPS = selectors.WAITING
# Material status (approvals.serializers vocabulary) → label and badge.
MATERIAL_STATUS = {
    "missing": ("未上传", "danger"), "not_provided": ("未提供", ""), "uploaded": ("已上传", "ok"),
    "replaced": ("已更换", "ok"), "reused": ("复用", "info"), "correction_requested": ("待补正", "warn"),
    "licence": ("电子证照", "ok"),
    "committed": ("告知承诺", "info"),
}  # fmt: skip
DELIVERY_CHOICES = (
    ("window", "窗口领取", "凭身份证件到办理窗口领取，可在“消息”中查看领取通知。"),
    ("express", "邮寄送达", "免费邮寄至您的联系地址（本事项提供快递送达时）。"),
    ("electronic", "电子送达", "电子证照或电子文书推送至本账号，可随时下载。"),
)


def badge(state: str) -> str:
    return BADGES.get(state, "")


# --- 我的办件 -----------------------------------------------------------------------------------------------


@login_required
def my_cases(request):
    """The user's own cases (an agent: the cases it filed), newest first, 20 a page, constant queries.

    "Next page" paging from where the page stopped (``?after=`` / ``?before=`` cursors): no COUNT over
    the owner's cases and no OFFSET, so an agent with hundreds of thousands of filings pages as fast
    as a citizen with three."""
    cases = selectors.case_list(request.user).prefetch_related(None)  # the rows show no department
    if selectors.is_staff(request.user):  # their own filings, not their department's queue
        cases = cases.filter(Q(owner=request.user) | Q(filed_by=request.user))
    after, before = request.GET.get("after", "")[:40], request.GET.get("before", "")[:40]
    page = selectors.newest_first_page(cases, size=PAGE_SIZE, after=after, before=before)
    for row in page.rows:
        row.badge, row.next_step = badge(row.state), NEXT_STEPS.get(row.state, "")
    return render(request, "approvals/portal/my_cases.html", {"page": page, "rows": page.rows})


# --- 网上申报 -----------------------------------------------------------------------------------------------


@login_required
def start(request, code: str):
    """A step-by-step filing page: the one-time checklist, the applicant (and agent), the item's form.

    Saving files a draft (``services.file_application``, channel online); materials are uploaded on
    the case page, then the applicant submits."""
    version = filing_version(code[:36])
    if version is None:
        raise Http404("该事项不存在、已取消或暂不接受申请。")
    user = request.user
    may_file = bool(user.role_names & {Role.APPLICANT, Role.AGENT})
    is_agent = user.has_role(Role.AGENT)
    initial = {"applicant_type": Application.ApplicantType.PERSON}
    # The account's real-name data (实名注册, checked at registration) starts the form: the agent's own
    # for an agent, who files for a client; the applicant's otherwise.
    if is_agent:
        initial.update(agent_name=user.real_name, agent_id_number=user.id_number, agent_phone=user.phone)
    else:
        initial.update(applicant_name=user.real_name, applicant_id_number=user.id_number, applicant_phone=user.phone)
    form = StartForm(
        request.POST if request.method == "POST" else None, version=version, is_agent=is_agent, initial=initial
    )
    if request.method == "POST" and may_file and version.channel_online and form.is_valid():
        try:
            case = services.file_application(
                by=user, item_code=version.item.code, channel=Application.Channel.ONLINE, **form.service_arguments()
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        except DomainError as exc:
            form.add_error(None, exc.detail)
        else:
            return redirect("approvals:case", case.number)
    context = {"version": version, "item": version.item, "materials": list(version.materials.all()),
               "form": form, "may_file": may_file, "is_agent": is_agent}  # fmt: skip
    return render(request, "approvals/portal/start.html", context)


# --- the case page ------------------------------------------------------------------------------------------


def work_case_url(number: str) -> str | None:
    """The staff workbench's case page, when the workbench is installed (soft dependency by URL name)."""
    try:
        return reverse("approvals:work_case", args=[number])
    except NoReverseMatch:
        return None


@login_required
def case(request, number: str):
    """One case as its applicant sees it: state, deadlines, materials with upload/reuse, the correction
    notice, the notices issued so far, fees, the timeline, and exactly the actions allowed now."""
    try:
        case = selectors.case_detail(request.user, number)
    except OutsideScope as exc:
        raise Http404(exc.detail) from exc
    is_party = request.user.pk in (case.owner_id, case.filed_by_id)
    if not is_party and (url := work_case_url(case.number)):
        return redirect(url)
    return render(request, "approvals/portal/case.html", case_context(request.user, case, is_party))


def _latest_notice(case: Application):
    return max(case.correction_notices.all(), key=lambda n: n.round, default=None)


def case_context(user, case: Application, is_party: bool, upload_errors: dict | None = None) -> dict:
    """``upload_errors``: ``{requirement id: [messages]}`` of a refused upload, shown on that material's row."""
    upload_errors = upload_errors or {}
    state = case.state
    notice = _latest_notice(case) if state == State.CORRECTION_REQUESTED else None
    asked = {item.requirement_id: item.reason for item in notice.items.all()} if notice else {}
    current = {m.requirement_id: m for m in case.current_materials}
    editable = is_party and state in (State.DRAFT, State.CORRECTION_REQUESTED)
    licence_options = licence_use.options_for(case, user) if editable else {}
    rows = []
    for requirement in case.item_version.materials.all():
        material = current.get(requirement.pk)
        status = selectors.material_status(case, requirement, material)
        label, status_badge = MATERIAL_STATUS.get(status, (status, ""))
        errors = upload_errors.get(requirement.pk, [])
        if errors:
            label, status_badge = "上传未成功", "danger"
        rows.append({
            "requirement": requirement, "material": material, "status": status, "label": label, "badge": status_badge,
            "asked_reason": asked.get(requirement.pk, ""), "errors": errors,
            "can_change": editable and (state == State.DRAFT or requirement.pk in asked),
            "file_url": reverse("approvals:material", args=[case.number, material.pk]) if material and is_party else "",
            "licences": licence_options.get(requirement.pk, []),
            "government": requirement.source == requirement.Source.GOVERNMENT,
        })  # fmt: skip
    missing = [r for r in rows if r["status"] == "missing"]
    outstanding = [r for r in rows if r["status"] == "correction_requested"]
    can_change = any(r["can_change"] for r in rows)
    fees = fee_summary(case)
    pay_url = _pay_url(case) if fees["due_fen"] > fees["paid_fen"] else None
    next_action = None
    if is_party:
        next_action = selectors.applicant_next_action(
            case, fees=fees, missing=len(missing), outstanding=len(outstanding)
        )
    return {
        "case": case,
        "badge": badge(state),
        "next_step": NEXT_STEPS.get(state, ""),
        "next_action": next_action,
        "next_url": _next_url(case, next_action, pay_url),
        "is_party": is_party,
        "rows": rows,
        "missing": missing,
        "outstanding": outstanding,
        "notice": notice,
        "reuse_choices": reuse_choices(user, case) if is_party and can_change else [],
        "can_change": can_change,
        "can_submit": is_party and state in workflow.BY_NAME["submit"].source,
        "can_resubmit": is_party and state in workflow.BY_NAME["resubmit"].source,
        "can_withdraw": is_party and state in workflow.BY_NAME["withdraw"].source,
        "deadlines": deadlines(case),
        "notices": [(row["kind"], row["title"]) for row in notices.issued_notices(case)],
        "timeline": timeline(case),
        "fees": fees,
        "fees_due": fees["due_fen"] > fees["paid_fen"],
        "pay_url": pay_url,
        **commitment_context(case, is_party),
        "delivery_choices": [c for c in DELIVERY_CHOICES if c[0] != "express" or case.item_version.channel_express],
        "workbench_url": None if is_party else work_case_url(case.number),
        "upload_failures": [row for row in rows if row["errors"]],
        "upload_general_errors": upload_errors.get(None, []),
    }


def _next_url(case: Application, action, pay_url: str | None) -> str | None:
    """Where the next action's button goes (submit and resubmit are forms posting to their own URLs)."""
    if action is None:
        return None
    page = reverse("approvals:case", args=[case.number])
    return {
        "upload": page + "#materials",
        "correct": page + "#correction",
        "pay": pay_url,
        "choose_delivery": reverse("approvals:choose_delivery", args=[case.number]),
        "rate": page + "#rating",
        "submit": reverse("approvals:submit", args=[case.number]),
        "resubmit": reverse("approvals:resubmit", args=[case.number]),
    }.get(action.kind)


def deadlines(case: Application) -> list[tuple[str, object]]:
    """The due instants that apply in the case's state (provisional ones are marked on the page)."""
    state, rows = case.state, []
    if state == State.SUBMITTED and case.accept_due:
        rows.append(("受理或一次性告知补正期限", case.accept_due))
    if case.decision_due and (state in DECISION_CLOCK_STATES or state == State.SUSPENDED):
        rows.append(("办结期限", case.decision_due))
    if case.delivery_due and state == State.DECIDED:
        rows.append(("送达期限", case.delivery_due))
    return rows


def timeline(case: Application) -> list[dict]:
    return [
        {"at": e.at, "label": workflow.label(e.action), "state": STATE_LABELS.get(e.to_state, e.to_state),
         "reason": e.reason}
        for e in case.events.all()
    ]  # fmt: skip


def reuse_choices(user, case: Application) -> list[Material]:
    """The user's current materials of other cases, newest first, one per file content (复用)."""
    materials = (
        Material.objects.filter(application__owner=user, superseded=False)
        .exclude(application=case)
        .select_related("application", "requirement")
        .only(
            "id",
            "original_name",
            "sha256",
            "uploaded_at",
            "application__number",
            "application__state",
            "requirement__name",
        )
        .order_by("-uploaded_at", "-id")[: REUSE_CHOICES * 3]
    )
    seen, choices = set(), []
    for material in materials:
        if material.sha256 not in seen:
            seen.add(material.sha256)
            choices.append(material)
    return choices[:REUSE_CHOICES]


def _pay_url(case: Application) -> str | None:
    try:
        return reverse("fees:pay", args=[case.number])
    except NoReverseMatch:
        return None


# --- 办件进度查询 ---------------------------------------------------------------------------------------------


def progress(request):
    """Public progress by case number and query code: state and timeline, no personal data.

    A wrong number and a wrong code both read “未找到”. POST keeps the code out of URLs and logs."""
    initial = {"number": request.GET.get("number", "")[:40]}
    form = ProgressForm(request.POST if request.method == "POST" else None, initial=initial)
    context = {"form": form, "case": None, "not_found": False}
    if request.method == "POST":
        # the API's two counters: per address (a hall's Wi-Fi) and per number, whatever the address
        wait = throttling.refused_lookup(request, scope="progress", number=request.POST.get("number", ""))
        if wait is not None:
            context["throttled"] = throttling.wait_text(wait)
            return throttling.refused_page(request, "approvals/portal/progress.html", context, wait)
        if form.is_valid():
            case = selectors.case_by_query_code(form.cleaned_data["number"], form.cleaned_data["query_code"])
            context["not_found"] = case is None
            if case is not None:
                context.update(case=case, badge=badge(case.state), timeline=public_timeline(case))
    return render(request, "approvals/portal/progress.html", context)


def public_timeline(case: Application) -> list[dict]:
    """Actions and states only: reasons may name people and are not public."""
    return [{key: value for key, value in row.items() if key != "reason"} for row in timeline(case)]


# --- actions on a case (POST, then back to the case page) -----------------------------------------------------


def _own_case(request, number: str) -> Application:
    """The case if it is in the user's scope (404 otherwise); the service checks who may act."""
    try:
        return case_for(request.user, number)
    except OutsideScope as exc:
        raise Http404(exc.detail) from exc


def _report(request, exc: Exception) -> None:
    """A refused action as a message: the service's words, plus a hint when someone acted first (409)."""
    if isinstance(exc, DomainError):
        text = exc.detail
        if exc.status_code == 409:
            text += "（页面已刷新为最新状态。）"
        messages.error(request, text)
    else:
        for text in exc.messages:
            messages.error(request, text)


def _form_errors(request, form) -> None:
    for texts in form.errors.values():
        for text in texts:
            messages.error(request, text)


def _back(case: Application, anchor: str = "") -> HttpResponseRedirect:
    return redirect(reverse("approvals:case", args=[case.number]) + (f"#{anchor}" if anchor else ""))


def _upload_refused(request, case: Application, requirement_id, errors: list[str], status: int):
    """The case page again with the refusal on the material's row (which material, why), not a banner."""
    case = selectors.case_detail(request.user, case.number)
    requirements = {r.pk for r in case.item_version.materials.all()}
    key = requirement_id if requirement_id in requirements else None
    context = case_context(request.user, case, True, upload_errors={key: errors})
    return render(request, "approvals/portal/case.html", context, status=status)


@login_required
@require_POST
def upload(request, number: str):
    """Upload one file for one material requirement; a refused file (wrong type 415, too large 413, no
    file 400) is shown on that material's row with the reason, the page otherwise unchanged."""
    case = _own_case(request, number)
    form = UploadForm(request.POST, request.FILES)
    raw = str(form.data.get("requirement_id") or "")
    requirement_id = int(raw) if raw.isdecimal() and len(raw) < 19 else None
    if not form.is_valid():
        errors = [text for texts in form.errors.values() for text in texts]
        return _upload_refused(request, case, requirement_id, errors, 400)
    try:
        material = services.upload_material(case_id=case.pk, by=request.user,
                                            requirement_id=form.cleaned_data["requirement_id"],
                                            upload=form.cleaned_data["file"], ip=client_ip(request))  # fmt: skip
    except (InvalidUpload, UploadTooLarge) as exc:
        name = clean_name(form.cleaned_data["file"].name)
        return _upload_refused(request, case, requirement_id, [f"文件“{name}”：{exc.detail}"], exc.status_code)
    except ValidationError as exc:
        return _upload_refused(request, case, requirement_id, exc.messages, 400)
    except DomainError as exc:
        _report(request, exc)
    else:
        messages.success(request, f"已上传“{material.requirement.name}”：{material.original_name}")
    return _back(case, "materials")


@login_required
@require_GET
def material(request, number: str, material_id: int):
    """An uploaded file of the applicant's own case (its owner or the agent who filed it); any other
    user gets 404, staff included (they read files on the workbench, scoped to their department)."""
    case = _own_case(request, number)
    if request.user.pk not in (case.owner_id, case.filed_by_id) or material_id > MAX_ID:
        raise Http404("没有这份材料。")
    row = Material.objects.filter(application=case, pk=material_id).first()
    if row is None:
        raise Http404("没有这份材料。")
    return material_response(row)


@login_required
@require_POST
def reuse(request, number: str):
    """复用: attach a material of one of the user's earlier cases (services.reuse_material)."""
    case = _own_case(request, number)
    form = ReuseForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(case, "materials")
    try:
        material = services.reuse_material(case_id=case.pk, by=request.user,
                                           requirement_id=form.cleaned_data["requirement_id"],
                                           material_id=form.cleaned_data["material_id"],
                                           ip=client_ip(request))  # fmt: skip
    except (DomainError, ValidationError) as exc:
        _report(request, exc)
    else:
        messages.success(request, f"已复用以往材料“{material.original_name}”作为“{material.requirement.name}”。")
    return _back(case, "materials")


def _transition(request, number: str, service, done: str, **arguments):
    case = _own_case(request, number)
    try:
        service(case_id=case.pk, by=request.user, ip=client_ip(request), **arguments)
    except (DomainError, ValidationError) as exc:
        _report(request, exc)
    else:
        messages.success(request, done)
    return _back(case)


@login_required
@require_POST
def submit(request, number: str):
    """提交申请: the materials count as received now; acceptance or a correction notice within 5 working days
    — or, for a 秒批 item whose rule the submission meets, accepted and approved at once."""
    case = _own_case(request, number)
    try:
        case = services.submit_application(case_id=case.pk, by=request.user, ip=client_ip(request))
    except (DomainError, ValidationError) as exc:
        _report(request, exc)
        return _back(case)
    if case.state == State.DECIDED:
        messages.success(request, "申请符合秒批规则，系统已即时受理并作出准予决定，可下载决定书。")
    else:
        messages.success(request, "申请已提交。窗口将在 5 个工作日内受理，或一次性告知需要补正的全部材料。")
    return _back(case)


@login_required
@require_POST
def resubmit(request, number: str):
    """补正后重新提交: the 5 working days start again from the new receipt."""
    return _transition(request, number, services.resubmit_application, "补正材料已提交，受理期限自今日起重新计算。")


@login_required
def withdraw(request, number: str):
    """撤回申请 before a decision: a confirmation page with an optional reason, then the service."""
    case = _own_case(request, number)
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            return _transition(request, number, services.withdraw_application, "申请已撤回。",
                               reason=form.cleaned_data["reason"])  # fmt: skip
    elif case.state not in workflow.BY_NAME["withdraw"].source:
        messages.error(request, f"办件当前状态为“{case.get_state_display()}”，不能撤回。")
        return _back(case)
    step = workflow.BY_NAME["withdraw"]  # confirm=True: this page says what withdrawing does, then asks
    return render(request, "approvals/portal/withdraw.html", {"case": case, "form": form, "what": step.hint})
