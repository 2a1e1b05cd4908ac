"""Window workbench (窗口工作台): the department queue, the A/B absence switch and walk-in filing.

The case page and its actions are in ``approvals.views_workbench_case``. Views read through
``approvals.selectors`` and change things only through services.
"""

import re
from datetime import date, datetime
from functools import wraps
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from approvals import queue_counts, selectors, services
from approvals.forms_workbench import FilingForm, QueueFilterForm
from approvals.models import OPEN_STATES, Application, State
from approvals.scope import department_ids
from approvals.serializers import STATE_NAMES, mask_name
from catalog.models import Item
from catalog.selectors import filing_version
from hall import calendar
from hall import services as hall_services
from hall.errors import DomainError
from hall.models import User, WindowStaff
from hall.roles import DEPARTMENT_ROLES, Role

PAGE_SIZE = 50
ITEM_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{1,35}")  # catalog.models.code_validator
PENDING_APPROVAL_ROWS = 20
# A queue row: plain values (issue 22: 50 rows of model instances with their joined item, version and
# handler cost more to build than the page's SQL).
QUEUE_COLUMNS = (
    *selectors.ROW_COLUMNS, "channel", "handler_id", "accepted_by_id", "handler__username", "handler__real_name",
    "item_version__decision_authority", "recommendation",
)  # fmt: skip
RECOMMENDATION_NAMES = dict(Application._meta.get_field("recommendation").choices)


def staff_only(*, hidden: bool, readers: tuple = ()):
    """Workbench pages need a department role (clerk, reviewer, approver, cashier), or one of
    ``readers`` (supervisors read case pages, read-only). Anyone else gets 403, or 404 on case pages
    (``hidden``): a case outside one's scope does not exist."""
    allowed = {*DEPARTMENT_ROLES, *readers}

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not request.user.role_names & allowed:
                if hidden:
                    raise Http404("没有这个办件。")
                raise PermissionDenied("窗口工作台仅供部门工作人员使用。")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class WorkingDaysFrom:
    """Working days from ``today`` to any day (negative before it), counted for a whole page at once.

    ``calendar.working_days_between(today, due)`` walks the calendar day by day; asked once per row, a
    page of 50 cases two months overdue walked 3,000 days (most of the queue page's time). Here each
    distinct day is counted once, from the nearest day already counted — rows come sorted by due
    instant, so a page walks its span once. The count is additive (days in ``(a, b]``), so the result
    is the calendar's own, overrides and make-up days included.
    """

    def __init__(self, today: date):
        self.today = today
        self._known = {today: 0}

    def __call__(self, day: date) -> int:
        count = self._known.get(day)
        if count is None:
            nearest = min(self._known, key=lambda known: abs((known - day).days))
            count = self._known[day] = self._known[nearest] + calendar.working_days_between(nearest, day)
        return count


def deadline_badge(
    due: datetime | None,
    *,
    provisional: bool = False,
    running: bool = True,
    now=None,
    working_days: WorkingDaysFrom | None = None,
) -> dict | None:
    """Colour of a due instant by the working days left: red once past, yellow with ≤ 2 left, else green.

    ``working_days``: a counter shared by the rows of a page (from the local date of ``now``)."""
    if due is None:
        return None
    now = now or timezone.now()
    today, due_day = calendar.local_date(now), calendar.local_date(due)
    if working_days is None or working_days.today != today:
        working_days = WorkingDaysFrom(today)
    if not running:
        level, text = "info", "计时暂停（特别程序）"
    elif due < now:
        late = -working_days(due_day)
        level, text = "danger", f"已超期 {late} 个工作日" if late > 0 else "已超期"
    else:
        left = working_days(due_day)
        level = "warn" if left <= 2 else "ok"
        text = "今日到期" if left == 0 else f"剩余 {left} 个工作日"
    return {"level": level, "text": text, "provisional": provisional, "due": due}


def window_posts(user: User) -> tuple[list[WindowStaff], list[WindowStaff]]:
    """My window posts, and the absent A roles I stand in for as B (服务AB角)."""
    posts = list(WindowStaff.objects.filter(user=user).select_related("window").order_by("window__number"))
    backup_of = [p.window_id for p in posts if p.position == WindowStaff.Position.B]
    covering = []
    if backup_of:
        covering = list(
            WindowStaff.objects.filter(window_id__in=backup_of, position=WindowStaff.Position.A, user__is_absent=True)
            .exclude(user=user)
            .select_related("user", "window")
            .order_by("window__number")
        )
    return posts, covering


DUE_KINDS = {State.SUBMITTED: "受理", State.ACCEPTED: "办结", State.UNDER_REVIEW: "办结", State.SUSPENDED: "办结",
             State.AWAITING_DECISION: "办结", State.DECIDED: "送达"}  # fmt: skip


def _queue_rows(rows: list[dict], user: User, covering_ids: set[int], now, working_days: WorkingDaysFrom) -> list[dict]:
    """The template's row from the values of ``QUEUE_COLUMNS``, in one pass."""
    case_url = reverse("approvals:work_case", args=["0"])[:-2]  # …/case/<number>/: reversed once, not per row
    for row in rows:
        state, due = row["state"], row["due_at"]
        row["url"] = f"{case_url}{quote(row['number'])}/"
        row["state_name"] = STATE_NAMES.get(state, state)
        row["recommendation_name"] = RECOMMENDATION_NAMES.get(row["recommendation"], "")
        row["handler"] = (row["handler__real_name"] or row["handler__username"]) if row["handler_id"] else ""
        row["due_kind"] = DUE_KINDS.get(state, "")
        # The legal day (Asia/Shanghai) as text: the |date filter's conversion and formatting cost more
        # per row than everything else on it.
        row["due_day"] = calendar.local_date(due).isoformat() if due else ""
        row["badge"] = deadline_badge(
            due, provisional=row["deadline_provisional"], running=state != State.SUSPENDED, now=now,
            working_days=working_days,
        )  # fmt: skip
        row["overdue"] = selectors.is_overdue_row(state, row["decision"], due, now)  # the badge only colours it
        row["masked_name"] = mask_name(row["applicant_name"])
        row["covering"] = row["handler_id"] in covering_ids
        row["first_handler"] = row["accepted_by_id"] == user.pk
    return rows


@staff_only(hidden=False)
def queue(request):
    """办件队列: my departments' cases by the instant they are due, with counts per state.

    Pages are fetched 51 rows at a time (a "next page" link, no COUNT over the department) and the
    page renders in a constant number of queries whatever the size of the queue."""
    user, now = request.user, timezone.now()
    filters = QueueFilterForm(request.GET).values()
    posts, covering = window_posts(user)
    covering_ids = {p.user_id for p in covering}
    working_days = WorkingDaysFrom(calendar.local_date(now))

    # The states a filter allows, as one condition: stacking "open" on "running clock" on "this state"
    # made PostgreSQL multiply their selectivities, guess 1,400 overdue rows instead of 17,000 and
    # bitmap-scan and sort them all (33 ms) instead of walking the due-instant index to the 51st row.
    clock = filters["overdue"] or filters["due_soon"]
    counted_states = [s for s in OPEN_STATES if s != State.SUSPENDED] if clock else list(OPEN_STATES)
    if filters["state"]:
        listed_states = [filters["state"]] if not clock or filters["state"] in counted_states else []
    else:
        listed_states = counted_states

    def narrowed(cases):
        if filters["item"]:
            cases = cases.filter(item__code=filters["item"])
        if filters["overdue"]:
            cases = cases.filter(selectors.overdue_q(now))
        if filters["due_soon"]:  # the running period ends within 3 working days
            cases = cases.filter(selectors.due_by_q(now, selectors.due_soon_until(now)))
        if filters["mine"]:
            cases = cases.filter(accepted_by=user)
        if filters["assigned"]:
            cases = cases.filter(handler_id__in=[user.pk, *covering_ids])
        return cases

    # Counts of the work in hand in my own departments: one index range (department, state) instead of
    # evaluating the whole scope (joint and granted cases are listed, not counted).
    if any(filters[name] for name in ("item", "overdue", "due_soon", "mine", "assigned")):
        own = Application.objects.filter(department_id__in=department_ids(user), state__in=counted_states)
        counts = {row["state"]: row["n"] for row in narrowed(own).order_by().values("state").annotate(n=Count("*"))}
    else:  # the tabs of an unfiltered queue: kept between moves (approvals.queue_counts)
        counts = queue_counts.open_counts(department_ids(user))

    cases = narrowed(selectors.case_list(user))
    cases = cases.filter(state=listed_states[0]) if len(listed_states) == 1 else cases.filter(state__in=listed_states)
    cases = cases.prefetch_related(None).order_by(F("due_at").asc(nulls_last=True), "id").values(*QUEUE_COLUMNS)
    offset = (filters["page"] - 1) * PAGE_SIZE
    rows = list(cases[offset : offset + PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = _queue_rows(rows[:PAGE_SIZE], user, covering_ids, now, working_days)

    # 待决定: the approver's own queue — recommendations waiting for a decision, oldest deadline first.
    awaiting_decision, awaiting_count = [], 0
    if user.has_role(Role.APPROVER):
        mine = department_ids(user, [Role.APPROVER])
        awaiting_count = Application.objects.filter(department_id__in=mine, state=State.AWAITING_DECISION).count()
        pending = (
            selectors.case_list(user, state=State.AWAITING_DECISION)
            .filter(department_id__in=mine)
            .prefetch_related(None)
            .order_by(F("due_at").asc(nulls_last=True), "id")
            .values(*QUEUE_COLUMNS)
        )
        awaiting_decision = _queue_rows(list(pending[:PENDING_APPROVAL_ROWS]), user, covering_ids, now, working_days)

    return render(
        request,
        "approvals/workbench/queue.html",
        {
            "rows": rows,
            "filters": filters,
            "states": [(value, label, counts.get(value, 0)) for value, label in State.choices],
            "total": sum(counts.values()),
            "page": filters["page"],
            "has_next": has_next,
            "items": Item.objects.filter(department_id__in=department_ids(user)).values("code", "name"),
            "posts": posts,
            "covering": covering,
            "awaiting_decision": awaiting_decision,
            "awaiting_count": awaiting_count,
            "is_approver": user.has_role(Role.APPROVER),
            "is_reviewer": user.has_role(Role.REVIEWER),
            "is_clerk": user.has_role(Role.CLERK),
        },
    )


@staff_only(hidden=False)
@require_POST
def absence(request):
    """我暂时离岗: while an A role is away, new cases go to the window's B role (服务AB角)."""
    if not WindowStaff.objects.filter(user=request.user).exists():
        raise PermissionDenied("您没有窗口岗位。")
    absent = request.POST.get("absent") in ("1", "on", "true")
    hall_services.set_absent(user=request.user, absent=absent, by=request.user)
    messages.success(request, "已标记为暂时离岗，新办件将转由 B 角办理。" if absent else "欢迎返岗，新办件将分派给您。")
    return redirect("approvals:workbench")


# --- walk-in filing ---------------------------------------------------------------------------------


def filing_items(user: User):
    """Published items a clerk may file at the window: their departments' and those delegated to them."""
    departments = department_ids(user, [Role.CLERK])
    delegated = Item.delegated_to.through.objects.filter(department_id__in=departments).values("item_id")
    return (
        Item.objects.filter(status=Item.Status.PUBLISHED, current_version__channel_window=True)
        .filter(Q(department_id__in=departments) | Q(pk__in=delegated))
        .select_related("department")
        .order_by("code")
    )


@staff_only(hidden=False)
def file_walk_in(request):
    """窗口申报: the clerk enters a walk-in applicant's application, then scans the materials on the case page."""
    user = request.user
    if not user.has_role(Role.CLERK):
        raise PermissionDenied("窗口申报由窗口工作人员录入。")
    items = filing_items(user)
    code = str(request.POST.get("item") or request.GET.get("item") or "")[:36]
    if not ITEM_CODE.fullmatch(code):
        code = ""
    version = filing_version(code) if code else None
    if version is not None and not items.filter(pk=version.item_id).exists():
        version = None
    if version is None:
        if code:
            messages.error(request, "请选择本部门已发布、可在窗口办理的事项。")
        return render(request, "approvals/workbench/file.html", {"items": items, "code": code})

    form = FilingForm(request.POST or None, fields=version.fields.order_by("position", "id"))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            delegated_here = version.item.delegated_to.filter(pk__in=department_ids(user, [Role.CLERK])).first()
            try:
                case = services.file_application(
                    by=user, item_code=version.item.code, channel=Application.Channel.WINDOW,
                    department_code=getattr(delegated_here, "code", ""), **form.service_kwargs(),
                )  # fmt: skip
            except ValidationError as exc:
                form.apply_service_errors(exc)
            except DomainError as exc:
                form.add_error(None, exc.detail)
                status = exc.status_code
            else:
                messages.success(request, f"已建立办件 {case.number}（草稿）。请扫描上传申请材料，核对后提交。")
                return redirect(reverse("approvals:work_case", args=[case.number]) + "#materials")
    context = {"items": items, "code": version.item.code, "version": version, "form": form}
    return render(request, "approvals/workbench/file.html", context, status=status)
