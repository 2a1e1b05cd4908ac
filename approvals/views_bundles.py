"""一件事 pages: one filing form, the bundle page (one progress, one material set, the sub-cases'
correction notices and results), and the lead window's one-window acceptance (一窗受理).

Views read through ``approvals.bundle_selectors`` and act only through ``approvals.bundles``; every
POST redirects back with the outcome as a message (PRG)."""

from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from approvals import bundle_selectors as selectors
from approvals import bundles as services
from approvals.bundle_api import materials_data
from approvals.forms_portal import StartForm
from approvals.models import Application, State
from approvals.selectors import is_overdue, is_staff
from approvals.views_portal import badge
from catalog import bundles as catalog_bundles
from catalog.bundles import material_key
from hall.audit import client_ip
from hall.errors import DomainError, OutsideScope, error_texts
from hall.roles import Role

PROGRESS_BADGES = {
    "draft": "", "submitted": "info", "correction_requested": "warn", "in_progress": "info", "done": "ok",
}  # fmt: skip


def _bundle_case(request, number: str):
    try:
        return selectors.bundle_case_detail(request.user, number)
    except OutsideScope as exc:
        raise Http404(exc.detail) from exc


def _report(request, exc) -> None:
    texts = error_texts(exc)
    for text in texts:
        messages.error(request, text)


@login_required
def start(request, code: str):
    """一表申请: the applicant once, the merged form once; saving files every sub-case as a draft."""
    guide = catalog_bundles.guide(code)
    if guide is None or not guide.accepts_filings:
        raise Http404("该一件事不存在或暂不接受申请。")
    user = request.user
    may_file = bool(user.role_names & {Role.APPLICANT, Role.AGENT})
    is_agent = user.has_role(Role.AGENT)
    initial = {"applicant_type": Application.ApplicantType.PERSON}
    if is_agent:
        initial.update(agent_name=user.real_name, agent_id_number=user.id_number, agent_phone=user.phone)
    else:
        initial.update(applicant_name=user.real_name, applicant_id_number=user.id_number, applicant_phone=user.phone)
    # StartForm reads version.fields (and version.item for a delegated item's townships: none here)
    merged = SimpleNamespace(item=None, fields=SimpleNamespace(all=lambda: guide.fields))
    form = StartForm(
        request.POST if request.method == "POST" else None, version=merged, is_agent=is_agent, initial=initial
    )
    if request.method == "POST" and may_file and guide.online and form.is_valid():
        try:
            bundle_case = services.file_bundle(by=user, bundle_code=guide.bundle.code, **form.service_arguments())
        except ValidationError as exc:
            form.add_service_errors(exc)
        except DomainError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(request, "已保存。请在本页逐项上传材料（每份只需上传一次），然后提交。")
            return redirect("approvals:bundle_case", bundle_case.number)
    context = {"guide": guide, "bundle": guide.bundle, "form": form, "may_file": may_file, "is_agent": is_agent}
    return render(request, "approvals/bundle_start.html", context)


def _context(request, bundle_case) -> dict:
    user = request.user
    party = user.pk in (bundle_case.owner_id, bundle_case.filed_by_id)
    progress = selectors.progress(bundle_case)
    sub_cases = list(bundle_case.sub_cases.all())
    keys = {r.pk: material_key(r) for c in sub_cases for r in c.item_version.materials.all()}
    asked_keys = set()
    corrections = []
    for case in sub_cases:
        if case.state == State.CORRECTION_REQUESTED:
            notice = max(case.correction_notices.all(), key=lambda n: n.round, default=None)
            if notice is not None:
                corrections.append((case, notice))
                asked_keys |= {keys.get(i.requirement_id) for i in notice.items.all()}
    rows = materials_data(bundle_case)
    drafting = progress.status == "draft"
    for row in rows:
        row["can_upload"] = party and (drafting or row["key"] in asked_keys)
        row["asked"] = row["key"] in asked_keys
    now = timezone.now()
    for case in sub_cases:
        case.badge, case.overdue = badge(case.state), is_overdue(case, now)
    return {
        "bundle_case": bundle_case, "bundle": bundle_case.bundle, "progress": progress,
        "progress_badge": PROGRESS_BADGES.get(progress.status, ""), "sub_cases": sub_cases, "rows": rows,
        "missing": [r for r in rows if r["status"] == "missing"], "corrections": corrections, "is_party": party,
        "can_submit": party and drafting, "can_resubmit": party and bool(corrections) and not (
            asked_keys - {r["key"] for r in rows if r["status"] == "uploaded"}),
        "results": selectors.results(bundle_case), "closed": selectors.closed_without_decision(bundle_case),
        "committed_days": max((c.item_version.committed_days for c in sub_cases), default=0),
        "can_accept": (not party and user.has_role(Role.CLERK) and bundle_case.accepted_at is None
                       and progress.status == "submitted" and services.is_lead_clerk(user, bundle_case)),
        "staff_view": not party and is_staff(user),
    }  # fmt: skip


@login_required
def case(request, number: str):
    """The bundle page: one progress across departments, one material set, the sub-cases with their own
    clocks, any correction notice a member department issued, and the results as they come."""
    bundle_case = _bundle_case(request, number)
    return render(request, "approvals/bundle_case.html", _context(request, bundle_case))


def _back(number: str, anchor: str = ""):
    return redirect(reverse("approvals:bundle_case", args=[number]) + (f"#{anchor}" if anchor else ""))


@login_required
@require_POST
def upload(request, number: str):
    bundle_case = _bundle_case(request, number)
    upload_file = request.FILES.get("file")
    if upload_file is None:
        messages.error(request, "请选择要上传的文件。")
        return _back(number, "materials")
    try:
        stored = services.upload_bundle_material(bundle_case_id=bundle_case.pk, by=request.user,
                                                 key=request.POST.get("key", "")[:250], upload=upload_file,
                                                 ip=client_ip(request))  # fmt: skip
    except (DomainError, ValidationError) as exc:
        _report(request, exc)
    else:
        messages.success(request, f"已上传“{stored.name}”：{stored.original_name}（各子办件共用这一份）")
    return _back(number, "materials")


def _act(request, number: str, service, done: str):
    bundle_case = _bundle_case(request, number)
    try:
        service(bundle_case_id=bundle_case.pk, by=request.user, ip=client_ip(request))
    except (DomainError, ValidationError) as exc:
        _report(request, exc)
    else:
        messages.success(request, done)
    return _back(number)


@login_required
@require_POST
def submit(request, number: str):
    return _act(request, number, services.submit_bundle,
                "已一次提交全部事项。牵头部门窗口将在 5 个工作日内一窗受理，或一次性告知需要补正的材料。")  # fmt: skip


@login_required
@require_POST
def resubmit(request, number: str):
    return _act(request, number, services.resubmit_bundle, "补正材料已提交，受理期限自今日起重新计算。")


@login_required
@require_POST
def accept(request, number: str):
    return _act(request, number, services.accept_bundle, "已一窗受理：各子办件开始按各自的承诺时限计时。")


@login_required
def work_list(request):
    """The window's 一件事 list: the bundles its department leads or takes part in, newest first."""
    if not is_staff(request.user):
        raise Http404("没有这个页面。")
    bundle_cases = list(selectors.bundle_cases_for(request.user)[:50])
    for bundle_case in bundle_cases:
        bundle_case.progress = selectors.progress(bundle_case)
        bundle_case.badge = PROGRESS_BADGES.get(bundle_case.progress.status, "")
    return render(request, "approvals/bundle_list.html", {"bundle_cases": bundle_cases})
