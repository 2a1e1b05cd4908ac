"""Front-desk statistics: visitors per day, waiting and serving times by category and by window (mean and
p90), no-shows and how many appointments were used. ``front_desk_statistics`` is the selector the hall's
statistics page uses and supervision's scores can read (a window's or a department's figures).

Definitions (stated here because no national standard fixes them):
- a visitor is a ticket issued (one visit, one ticket);
- waiting time = first call − issue, for every ticket called at least once (skipped ones included);
- serving time = finish − the call that started the service at the window that finished it;
- p90 is the nearest-rank 90th percentile (the smallest value ≥ 90 % of the values);
- no-show rate = no-shows ÷ (checked in + no-shows) of the bookings of the period's slots;
- appointments used = checked in ÷ bookings not cancelled (booked, checked in, no-show).
"""

import math
from collections import defaultdict
from datetime import date

from django.db.models import Count, Q

from hall.frontdesk.models import Appointment, Ticket, TicketCase


def p90(values: list[float]) -> float | None:
    """Nearest-rank 90th percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(0.9 * len(ordered)) - 1, 0)]


def summary(seconds: list[float]) -> dict:
    """``{count, mean_minutes, p90_minutes}`` of durations in seconds (minutes rounded to 0.1)."""
    if not seconds:
        return {"count": 0, "mean_minutes": None, "p90_minutes": None}
    return {
        "count": len(seconds),
        "mean_minutes": round(sum(seconds) / len(seconds) / 60, 1),
        "p90_minutes": round(p90(seconds) / 60, 1),
    }


def front_desk_statistics(*, first: date, last: date, department_code: str = "") -> dict:
    """The front desk's figures for the days ``first``..``last`` (local days), optionally for the windows and
    categories of one department. Three queries; the durations are aggregated here (a day is thousands of
    tickets at most)."""
    tickets = Ticket.objects.filter(day__range=(first, last))
    bookings = Appointment.objects.filter(slot__date__range=(first, last))
    if department_code:
        tickets = tickets.filter(
            Q(window__department__code=department_code) | Q(category__department__code=department_code)
        )
        bookings = bookings.filter(slot__category__department__code=department_code)
    rows = tickets.values_list(
        "day", "category__name", "window__number", "window__department__code", "issued_at", "first_called_at",
        "serving_started_at", "finished_at", "state",
    )  # fmt: skip
    per_day: dict[date, int] = defaultdict(int)
    wait_by_category, serve_by_category = defaultdict(list), defaultdict(list)
    wait_by_window, serve_by_window = defaultdict(list), defaultdict(list)
    window_department: dict[str, str] = {}
    skipped = 0
    for day, category, window, window_dept, issued, first_call, started, finished, state in rows:
        per_day[day] += 1
        skipped += state == Ticket.State.SKIPPED
        if window:
            window_department[window] = window_dept
        if first_call:
            wait = (first_call - issued).total_seconds()
            wait_by_category[category].append(wait)
            if window:
                wait_by_window[window].append(wait)
        if finished and started:
            serve = (finished - started).total_seconds()
            serve_by_category[category].append(serve)
            serve_by_window[window].append(serve)
    counts = bookings.aggregate(
        booked=Count("id", filter=~Q(state=Appointment.State.CANCELLED)),
        checked_in=Count("id", filter=Q(state=Appointment.State.CHECKED_IN)),
        no_show=Count("id", filter=Q(state=Appointment.State.NO_SHOW)),
        cancelled=Count("id", filter=Q(state=Appointment.State.CANCELLED)),
    )
    settled = counts["checked_in"] + counts["no_show"]
    categories = sorted(set(wait_by_category) | set(serve_by_category))
    windows = sorted(set(wait_by_window) | set(serve_by_window))
    return {
        "first": first,
        "last": last,
        "visitors": sum(per_day.values()),
        "visitors_per_day": [{"day": d, "count": per_day[d]} for d in sorted(per_day)],
        "skipped": skipped,
        "visits_with_cases": TicketCase.objects.filter(ticket__in=tickets).values("ticket").distinct().count(),
        "by_category": [
            {"category": c, "waiting": summary(wait_by_category[c]), "serving": summary(serve_by_category[c])}
            for c in categories
        ],
        "by_window": [
            {
                "window": w,
                "department": window_department.get(w, ""),
                "waiting": summary(wait_by_window[w]),
                "serving": summary(serve_by_window[w]),
            }
            for w in windows
        ],
        "appointments": {
            **counts,
            "no_show_rate": round(counts["no_show"] / settled, 3) if settled else None,
            "used_rate": round(counts["checked_in"] / counts["booked"], 3) if counts["booked"] else None,
        },
    }
