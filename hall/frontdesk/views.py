"""Front-desk pages: the kiosk (取号机), the display board (大屏), the clerk's window panel (叫号), the
applicant's appointments (预约), the agency service (代办, 企业联系卡) and the statistics.

Views read through selectors and act through the services; refusals come back as messages."""

from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from hall import calendar
from hall.audit import client_ip
from hall.errors import DomainError
from hall.frontdesk import adapter, agency, appointments, queue, selectors, stats
from hall.frontdesk.api import KioskThrottle, appointments_listing
from hall.frontdesk.forms import AgencyRequestForm, AssignForm, CaseLinkForm, KioskForm, SlotSearchForm, TransferForm
from hall.frontdesk.models import Appointment, ServiceCategory, Ticket
from hall.models import Window
from hall.roles import Role

# --- kiosk and board (public: they stand in the hall) -----------------------------------------------------


def kiosk(request):
    """取号机: one big button per category; optional phone/ID/appointment code; the green lane. Throttled per
    address like the API's ticket endpoint (THROTTLE_KIOSK)."""
    form = KioskForm(request.POST or None)
    if request.method == "POST" and not KioskThrottle().allow_request(request, None):
        messages.error(request, "取号过于频繁，请稍后再试或请大厅工作人员协助。")
        categories = selectors.categories_with_waiting()
        return render(request, "hall/frontdesk/kiosk.html", {"form": form, "categories": categories}, status=429)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ticket = queue.issue_ticket(
                category_code=data["category"], phone=data["phone"], id_number=data["id_number"],
                green_lane=data["green_lane"], appointment_code=data["appointment_code"],
            )  # fmt: skip
        except DomainError as exc:
            for field, errors in exc.fields.items():
                if field in form.fields:
                    form.add_error(field, errors)
            messages.error(request, exc.detail)
        else:
            return redirect("frontdesk:ticket", token=ticket.token)
    categories = selectors.categories_with_waiting()
    return render(request, "hall/frontdesk/kiosk.html", {"form": form, "categories": categories})


def ticket(request, token: str):
    """The printed ticket (凭条): number, category, people ahead, estimated wait — no personal data."""
    found = Ticket.objects.select_related("category", "appointment__slot").filter(token=token).first()
    if found is None:
        raise Http404("没有这张号票。")
    ahead = queue.people_ahead(found) if found.state == Ticket.State.WAITING else 0
    context = {"ticket": found, "ahead": ahead, "wait": queue.estimated_wait_minutes(found, ahead)}
    return render(request, "hall/frontdesk/ticket.html", context)


def board(request):
    """The hall's display board (full screen); static/js/board.js polls /api/v1/queue/board."""
    return render(request, "hall/frontdesk/board.html", {"board": selectors.board()})


# --- the clerk's window panel -------------------------------------------------------------------------------


@login_required
def windows(request):
    mine = list(selectors.windows_of(request.user))
    if len(mine) == 1:
        return redirect("frontdesk:window", code=mine[0].number)
    return render(request, "hall/frontdesk/windows.html", {"windows": mine})


def _my_window(request, code: str) -> Window:
    window = Window.objects.filter(number=code, is_active=True).select_related("department").first()
    if window is None or not queue.may_serve(request.user, window):
        raise Http404("没有这个窗口，或您不在这个窗口工作。")
    return window


@login_required
def window_panel(request, code: str):
    """叫号面板: the ticket being served, the acts, the categories taken, the visitor's open cases."""
    window = _my_window(request, code)
    current = queue.current_ticket(window)
    cases = []
    if current is not None:
        cases = adapter.open_cases_of_visitor(request.user, phone=current.phone, id_number=current.id_number)
    context = {
        "window": window, "current": current, "panel": selectors.window_panel(window),
        "transfer_form": TransferForm(), "link_form": CaseLinkForm(), "visitor_cases": cases,
        "linked": list(current.cases.all()) if current else [],
    }  # fmt: skip
    return render(request, "hall/frontdesk/window.html", context)


WINDOW_ACTS = {"call", "recall", "skip", "transfer", "finish", "open", "close", "link"}


@login_required
@require_POST
def window_act(request, code: str, act: str):
    window = _my_window(request, code)
    if act not in WINDOW_ACTS:
        raise Http404("没有这个操作。")
    by, ip = request.user, client_ip(request)
    try:
        if act in ("open", "close"):
            queue.set_window_open(window_code=window.number, is_open=act == "open", by=by, ip=ip)
            messages.success(request, "已开始叫号。" if act == "open" else "已暂停叫号，本窗口的业务由备用窗口接办。")
        elif act == "call":
            called = queue.call_next(window_code=window.number, by=by, ip=ip)
            messages.success(
                request, f"请 {called.number} 号到 {window.number} 窗口。" if called else "目前没有人等候。"
            )
        elif act in ("recall", "skip"):
            done = getattr(queue, act)(window_code=window.number, by=by, ip=ip)
            messages.success(request, f"已重呼 {done.number} 号。" if act == "recall" else f"{done.number} 号已过号。")
        elif act == "transfer":
            form = TransferForm(request.POST)
            if not form.is_valid():
                raise DomainError("请选择要转到的窗口。")
            moved = queue.transfer(
                window_code=window.number, to_window_code=form.cleaned_data["to_window"].number, by=by, ip=ip
            )
            messages.success(request, f"{moved.number} 号已转到 {moved.target_window.number} 窗口。")
        elif act == "finish":
            finished = queue.finish(number=request.POST.get("number", ""), by=by, ip=ip)
            messages.success(request, f"{finished.number} 号办结。")
        else:
            form = CaseLinkForm(request.POST)
            if not form.is_valid():
                raise DomainError("请填写办件编号。")
            link = queue.link_case(
                number=request.POST.get("number", ""), case_number=form.cleaned_data["case_number"], by=by, ip=ip
            )
            messages.success(request, f"已关联办件 {link.case_number}。")
    except DomainError as exc:
        messages.error(request, exc.detail)
    return redirect("frontdesk:window", code=window.number)


# --- appointments ------------------------------------------------------------------------------------------


@login_required
def my_appointments(request):
    """我的预约 and booking: pick a category (or an item) and a day, then a slot."""
    categories = list(ServiceCategory.objects.filter(is_active=True).order_by("sort_order", "code"))
    search = SlotSearchForm(request.GET or None, categories=categories)
    listing, moving = None, None
    if move := request.GET.get("move", ""):
        move = move if move.isascii() and move.isdigit() else 0  # "²".isdigit() is True, int("²") fails
        moving = Appointment.objects.filter(pk=move, user=request.user).first()
    if search.is_valid():
        data = search.cleaned_data
        try:
            listing = appointments_listing(data["date"], category=data["category"], item_code=data["item_code"])
        except DomainError as exc:
            search.add_error(None, exc.detail)
    mine = (
        Appointment.objects.filter(user=request.user)
        .select_related("slot__category")
        .order_by("-slot__date", "-slot__start")[:50]
    )
    context = {"search": search, "listing": listing, "mine": mine, "moving": moving,
               "ban": appointments.no_show_ban(request.user)}  # fmt: skip
    return render(request, "hall/frontdesk/appointments.html", context)


@login_required
@require_POST
def appointment_act(request, act: str):
    by, ip = request.user, client_ip(request)
    try:
        if act == "book":
            done = appointments.book(
                slot_id=int(request.POST.get("slot_id", 0) or 0), item_code=request.POST.get("item_code", ""), by=by,
                ip=ip,
            )  # fmt: skip
            messages.success(
                request, f"预约成功：{done.slot.date:%m月%d日} {done.slot.start:%H:%M}，签到码 {done.code}。"
            )
        elif act == "cancel":
            appointments.cancel(appointment_id=int(request.POST.get("appointment_id", 0) or 0), by=by, ip=ip)
            messages.success(request, "预约已取消。")
        elif act == "reschedule":
            done = appointments.reschedule(
                appointment_id=int(request.POST.get("appointment_id", 0) or 0),
                slot_id=int(request.POST.get("slot_id", 0) or 0), by=by, ip=ip,
            )  # fmt: skip
            messages.success(request, f"已改约到 {done.slot.date:%m月%d日} {done.slot.start:%H:%M}。")
        else:
            raise Http404("没有这个操作。")
    except ValueError:
        messages.error(request, "请求有误。")
    except DomainError as exc:
        messages.error(request, exc.detail)
    back = request.POST.get("next", "")  # the search the form was on (same site only)
    if (
        back.startswith("/frontdesk/appointments/")
        and url_has_allowed_host_and_scheme(back, None)
        and act != "reschedule"
    ):
        return redirect(back)
    return redirect("frontdesk:appointments")


# --- agency (代办) --------------------------------------------------------------------------------------------


@login_required
def agency_projects(request):
    """代办服务: enterprises ask for an agent here; the hall office assigns; agents see their projects."""
    office = agency.is_hall_office(request.user)
    form = AgencyRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            project = agency.request_agency(by=request.user, ip=client_ip(request), **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.detail)
        else:
            messages.success(request, "代办申请已提交，政务服务管理办公室将为您指派代办员。")
            return redirect("frontdesk:contact_card", project_id=project.pk)
    projects = agency.visible_projects(request.user)[:100]
    agents = list(AssignForm.base_fields["agent"].queryset.order_by("username")) if office else []
    context = {"form": form, "projects": projects, "office": office, "agents": agents,
               "may_request": bool(request.user.role_names & {Role.APPLICANT, Role.AGENT})}  # fmt: skip
    return render(request, "hall/frontdesk/agency.html", context)


@login_required
@require_POST
def agency_assign(request, project_id: int):
    form = AssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择代办员。")
    else:
        try:
            agency.assign_agent(project_id=project_id, agent=form.cleaned_data["agent"], by=request.user,
                                ip=client_ip(request))  # fmt: skip
            messages.success(request, "已指派代办员。")
        except DomainError as exc:
            messages.error(request, exc.detail)
    return redirect("frontdesk:agency")


@login_required
def contact_card(request, project_id: int):
    """企业联系卡: the project, its agent and the enterprise's cases with their deadlines."""
    try:
        project = agency.project_for(request.user, project_id)
    except DomainError:
        raise Http404("没有这个代办项目。") from None
    cases = adapter.cases_of_organisation(project.enterprise_uscc)
    return render(request, "hall/frontdesk/contact_card.html", {"project": project, "cases": cases})


# --- statistics ---------------------------------------------------------------------------------------------


def _may_see_statistics(user) -> bool:
    return user.is_superuser or Role.SUPERVISOR in user.role_names or agency.is_hall_office(user)


@login_required
def statistics(request):
    """前台统计: visitors, waiting and serving times (mean, p90), no-shows, appointments used."""
    if not _may_see_statistics(request.user):
        raise PermissionDenied("只有监察人员和政务服务管理办公室可以查看。")
    today = calendar.local_date(timezone.now())
    try:
        last = date.fromisoformat(request.GET.get("to") or today.isoformat())
        first = date.fromisoformat(request.GET.get("from") or (last - timedelta(days=6)).isoformat())
        if first > last or (last - first).days > 366:
            first, last = last - timedelta(days=6), last
    except (ValueError, OverflowError):  # not a date, or a week before 0001-01-01
        first, last = today - timedelta(days=6), today
    figures = stats.front_desk_statistics(first=first, last=last)
    return render(request, "hall/frontdesk/statistics.html", {"figures": figures, "first": first, "last": last})
