"""The supervisor's dashboard (电子监察 · 实时监察): the figures, the departments, the open warnings.

Supervisors (监察人员) only: anonymous users are sent to the login page, any other role gets 403 —
the page names no object (a role's page, like the collection window), so refusing openly reveals
nothing. Supervisors read and change nothing here: no scan is started from the page (Celery beat
runs it every ``SCAN_INTERVAL_SECONDS``), the page says when it last ran.

A constant number of queries whatever the number of cases or warnings: the figures are three
aggregates (``selectors.summary``), the list one keyset page of the open-warnings index.
"""

from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from approvals.models import State
from hall.models import Department
from hall.roles import Role
from supervision import selectors
from supervision.forms import WarningFilterForm
from supervision.models import Warning

PAGE_SIZE = 50
# The beat runs the scan every SCAN_INTERVAL_SECONDS; three missed runs mean the scheduler is down.
STALE_AFTER_RUNS = 3

Kind, Level = Warning.Kind, Warning.Level
# A card's name says both what is late and how (docs/supervision.md, the rules' table).
CARD_LABELS = {
    (Kind.ACCEPT, Level.RED): "受理超期",
    (Kind.CORRECTION_NOTICE, Level.RED): "补正告知超期",
    (Kind.DECISION, Level.YELLOW): "办结预警",
    (Kind.DECISION, Level.RED): "办结超期",
    (Kind.DELIVERY, Level.RED): "送达超期",
}


def _figures(summary: dict) -> dict:
    by_kind_level = summary["open_warnings"]["by_kind_level"]
    cards = [
        {"label": CARD_LABELS[(kind, level)], "level": level, "count": by_kind_level[f"{kind}_{level}"]}
        for kind, level in selectors.WARNING_KEYS
    ]
    return {
        "open_cases": summary["open_cases"]["total"],
        "overdue": summary["overdue"],
        "due_today": summary["due_today"],
        "due_soon": summary["due_within_3_working_days"],
        "yellow": sum(c["count"] for c in cards if c["level"] == Level.YELLOW),
        "red": sum(c["count"] for c in cards if c["level"] == Level.RED),
        "cards": cards,
        "by_state": [
            {"state": state, "label": State(state).label, "count": count}
            for state, count in summary["open_cases"]["by_state"].items()
        ],
    }


def _scan_status(now) -> dict:
    last = selectors.last_scan()
    limit = timedelta(seconds=STALE_AFTER_RUNS * settings.SCAN_INTERVAL_SECONDS)
    return {"at": last, "stale": last is None or now - last > limit, "interval": settings.SCAN_INTERVAL_SECONDS}


def _first_page_url(form: WarningFilterForm) -> str:
    query = form.filter_query() if form.is_valid() else {}
    url = reverse("supervision:dashboard")
    return f"{url}?{urlencode(query)}" if query else url


@never_cache
@login_required
@require_GET
def dashboard(request):
    """实时监察: open cases and overdue ones, yellow and red cards, per state and per department, and
    the open warnings newest first (50 a page, "next page" from where the page stopped; no COUNT,
    no OFFSET), filtered by kind, level and department."""
    if not request.user.has_role(Role.SUPERVISOR):
        raise PermissionDenied("电子监察仅供监察人员使用。")
    now = timezone.now()
    summary = selectors.summary(now)
    departments = list(Department.objects.only("code", "name", "sort_order").order_by("sort_order", "code"))
    form = WarningFilterForm(request.GET, departments=departments, auto_id="f-%s")
    page, status = None, 200
    if form.is_valid():
        warnings = selectors.warning_list(**form.filters())
        data = form.cleaned_data
        page = selectors.warning_page(warnings, size=PAGE_SIZE, before=data["before"], after=data["after"])
        for warning in page.rows:
            warning.card_label = CARD_LABELS.get((warning.kind, warning.level), warning.get_kind_display())
    else:
        status = 400
    context = {
        "as_of": now,
        "figures": _figures(summary),
        "departments": summary["departments"],
        "form": form,
        "filtered": bool(form.is_valid() and form.filter_query()),
        "page": page,
        "first_page": bool(page and not page.previous_cursor and not form.cleaned_data["before"]),
        "first_page_url": _first_page_url(form),
        "page_size": PAGE_SIZE,
        "scan": _scan_status(now),
    }
    response = render(request, "supervision/dashboard.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response
