"""The supervisors' workspace (电子监察): the dashboard (实时监察) and the warnings list (预警纠错).

Supervisors (监察人员) only: anonymous users are sent to the login page, any other role gets 403 —
the pages name no object (a role's page, like the collection window), so refusing openly reveals
nothing. Supervisors read and change nothing here: no scan is started from a page (Celery beat runs
it every ``SCAN_INTERVAL_SECONDS``), the dashboard says when it last ran and raises the alarm when it
stopped.

Constant numbers of queries whatever the number of cases or warnings: the dashboard is a handful of
aggregates (``selectors``), the list one keyset page of an index.
"""

from functools import wraps
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from approvals.models import OPEN_STATES, State
from hall.models import Department
from hall.roles import Role
from supervision import ratings_metrics, selectors
from supervision.forms import TIERS, WarningFilterForm
from supervision.models import Warning

PAGE_SIZE = 50
REFRESH_SECONDS = 45  # the dashboard refreshes itself (issue 13: every 30–60 s, without a reload)

Kind, Level = Warning.Kind, Warning.Level
# A card's name says both what is late and how (docs/supervision.md, the rules' table).
CARD_LABELS = {
    (Kind.ACCEPT, Level.RED): "受理超期",
    (Kind.CORRECTION_NOTICE, Level.RED): "补正告知超期",
    (Kind.DECISION, Level.YELLOW): "办结预警",
    (Kind.DECISION, Level.RED): "办结超期",
    (Kind.DELIVERY, Level.RED): "送达超期",
    (Kind.ORDER, Level.RED): "督办逾期",
    (Kind.JOINT_TASK, Level.RED): "联办意见超期",
    (Kind.FOLLOW_UP, Level.YELLOW): "差评回访超期",
    (Kind.FOLLOW_UP, Level.RED): "差评整改超期",
    (Kind.VERIFICATION, Level.RED): "承诺核查超期",
}


def supervisors_only(view):
    """Login first; then supervisors only (403 for any other role)."""

    @wraps(view)
    @never_cache
    @login_required
    @require_GET
    def wrapped(request, *args, **kwargs):
        if not request.user.has_role(Role.SUPERVISOR):
            raise PermissionDenied("电子监察仅供监察人员使用。")
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        return response

    return wrapped


def _link(name: str, **query) -> str:
    """The list behind a number: ``supervision:cases`` or ``supervision:warnings`` with its filters."""
    query = {key: value for key, value in query.items() if value not in ("", None)}
    url = reverse(f"supervision:{name}")
    return f"{url}?{urlencode(query)}" if query else url


# The cards in the order of the figures, the heatmap's columns and the chart's axis.
CARDS = [
    {"key": f"{kind}_{level}", "kind": kind, "level": level, "label": CARD_LABELS[(kind, level)]}
    for kind, level in selectors.WARNING_KEYS
]


def _figures(summary: dict, tier: str = "") -> dict:
    by_kind_level = summary["open_warnings"]["by_kind_level"]
    cards = [
        {**card, "count": by_kind_level[card["key"]],
         "url": _link("warnings", kind=card["kind"], level=card["level"], tier=tier)}
        for card in CARDS
    ]  # fmt: skip
    return {
        "open_cases": summary["open_cases"]["total"],
        "overdue": summary["overdue"],
        "due_today": summary["due_today"],
        "due_soon": summary["due_within_3_working_days"],
        "yellow": sum(c["count"] for c in cards if c["level"] == Level.YELLOW),
        "red": sum(c["count"] for c in cards if c["level"] == Level.RED),
        "cards": cards,
        "by_state": [
            {"state": state, "label": State(state).label, "count": count, "url": _link("cases", state=state, tier=tier)}
            for state, count in summary["open_cases"]["by_state"].items()
        ],
    }


def _departments(summary: dict) -> list[dict]:
    """Per department: its open cases by state and its open cards, each count with the list behind it."""
    rows = []
    for row in summary["departments"]:
        code = row["department"]["code"]
        rows.append({
            **row,
            "level_label": Department.Level(row["level"]).label,
            "url": _link("cases", department=code),
            "overdue_url": _link("cases", department=code, due="overdue"),
            "yellow_url": _link("warnings", department=code, level=Level.YELLOW),
            "red_url": _link("warnings", department=code, level=Level.RED),
            "card_cells": [
                {"count": row["cards"].get(card["key"], 0), "level": card["level"], "label": card["label"],
                 "url": _link("warnings", department=code, kind=card["kind"], level=card["level"])}
                for card in CARDS
            ],
        })  # fmt: skip
    return rows


def _chart_data(summary: dict, flow: list[dict], slowest: list[dict]) -> dict:
    """What the charts draw (``static/js/supervision.js``); the tables beside them say the same in text."""
    return {
        "states": [{"state": s, "label": State(s).label} for s in OPEN_STATES],
        "cards": CARDS,
        "departments": [
            {
                "code": d["department"]["code"],
                "name": d["department"]["name"],
                "states": d["states"],
                "cards": d["cards"],
            }
            for d in summary["departments"]
        ],
        "flow": [{"day": f["day"].isoformat(), "received": f["received"], "finished": f["finished"]} for f in flow],
        "slowest": slowest,
        "urls": {"cases": reverse("supervision:cases"), "warnings": reverse("supervision:warnings")},
    }


@supervisors_only
def dashboard(request):
    """实时监察: open cases by state and department, due today / within 3 working days / overdue, the
    open cards per department and kind, cases received and finished per day over 30 days, the
    slowest items, and the scheduler's state. ``?partial=1`` returns the body alone: the page fetches
    it every ``REFRESH_SECONDS`` and swaps it in (no reload)."""
    now = timezone.now()
    tier = request.GET.get("tier", "")
    tier = tier if tier in dict(TIERS) else ""  # 两级大厅: district departments or township halls
    summary = selectors.summary(now, tier=tier)
    flow = selectors.daily_flow(now)
    slowest = selectors.slowest_items(now)
    for item in slowest:  # the cases behind the average: the item's decisions since the first day shown
        item["url"] = _link("cases", item=item["code"], finished_from=flow[0]["day"])
    last_scan = selectors.last_scan()
    context = {
        "as_of": now,
        "figures": _figures(summary, tier),
        "departments": _departments(summary),
        "tier": tier,
        "tiers": [
            {"code": code, "label": label, "url": _link("dashboard", tier=code)}
            for code, label in [("", "全部"), *TIERS]
        ],
        "cards": CARDS,
        "flow": [
            {
                **day,
                "received_url": _link("cases", received=day["day"]),
                "finished_url": _link("cases", finished=day["day"]),
            }
            for day in flow
        ],
        "slowest": slowest,
        "chart_data": _chart_data(summary, flow, slowest),
        "service": ratings_metrics.dashboard_card(now),  # 好差评与投诉 (issue 21)
        "scan": {"at": last_scan},
        "alarm": selectors.scheduler_alarm(now, last=last_scan),
        "refresh_seconds": REFRESH_SECONDS,
        "links": {
            "cases": _link("cases", tier=tier),
            "overdue": _link("cases", due="overdue", tier=tier),
            "due_today": _link("cases", due="today", tier=tier),
            "due_soon": _link("cases", due="soon", tier=tier),
            "yellow": _link("warnings", level=Level.YELLOW, tier=tier),
            "red": _link("warnings", level=Level.RED, tier=tier),
        },
    }
    template = "supervision/_dashboard_body.html" if request.GET.get("partial") else "supervision/dashboard.html"
    return render(request, template, context)


def _first_page_url(form: WarningFilterForm) -> str:
    query = form.filter_query() if form.is_valid() else {}
    return _link("warnings", **query)


@supervisors_only
def warnings(request):
    """预警列表: warnings newest first (50 a page, "next page" from where the page stopped; no COUNT, no
    OFFSET), filtered by department, kind, level, open or resolved and the day they were raised; each
    row opens the read-only case page with its timeline, deadlines and warnings history."""
    departments = list(Department.objects.only("code", "name", "sort_order").order_by("sort_order", "code"))
    form = WarningFilterForm(request.GET, departments=departments, auto_id="f-%s")
    page, status = None, 200
    if form.is_valid():
        data = form.cleaned_data
        page = selectors.warning_page(
            selectors.warning_list(**form.filters()), size=PAGE_SIZE, before=data["before"], after=data["after"]
        )
        for warning in page.rows:
            warning.card_label = CARD_LABELS.get((warning.kind, warning.level), warning.get_kind_display())
    else:
        status = 400
    context = {
        "form": form,
        "filtered": bool(form.is_valid() and form.filter_query()),
        "page": page,
        "first_page": bool(page and not page.previous_cursor and not form.cleaned_data["before"]),
        "first_page_url": _first_page_url(form),
        "page_size": PAGE_SIZE,
    }
    return render(request, "supervision/warnings.html", context, status=status)
