"""The working-day calendar that every legal period is counted on (行政许可法 art. 82).

Sources, strongest first:
1. ``CalendarDay`` rows entered by an admin (a new holiday notice, an emergency closure);
2. chinese-calendar, which ships the State Council's schedules (statutory holidays and the
   make-up working days, 调休) for the years it knows (2004–2026 in 1.11);
3. Monday to Friday, for a year that neither covers. Such a year is *provisional* until an
   admin enters its schedule and confirms it (``CalendarYear``); due dates computed in it
   are flagged and recomputed when the year is confirmed.

Counting rule (DESIGN.md): the day of the triggering event is not counted; a period of N
working days ends at 23:59:59 Asia/Shanghai on the N-th working day after that day. An event
on a non-working day is taken as happening on the next working day, not counted either.
N = 0 means "on the spot": due the (working) day of the event.
"""

import functools
import time
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
from chinese_calendar import constants as cc_constants
from django.core.cache import cache

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_PERIOD_DAYS = 3650
KNOWN_YEARS = range(min(cc_constants.holidays).year, max(cc_constants.holidays).year + 1)

_VERSION_KEY = "hall:calendar:version"
_LOCAL_TTL_SECONDS = 300
_state: dict = {
    "version": None, "loaded_at": 0.0, "overrides": {}, "confirmed_years": frozenset(),
    "in_request": False, "checked": False,  # the shared version read once per request (issue 22)
}  # fmt: skip


def request_started(**kwargs) -> None:
    """A request begins: the next ``_load`` reads the shared version, later ones in the request do not
    (one cache round trip per request instead of one per date computed; connected in ``hall.receivers``)."""
    _state["in_request"], _state["checked"] = True, False


def request_finished(**kwargs) -> None:
    _state["in_request"] = False


def invalidate(*, shared: bool = True) -> None:
    """Forget the loaded overrides here and (``shared``) tell every other process to reload."""
    _state["version"] = None
    if shared:
        cache.set(_VERSION_KEY, uuid.uuid4().hex, timeout=None)


def _load() -> tuple[dict[date, bool], frozenset[int]]:
    """Admin overrides and confirmed years, reloaded when any process changed them (a request reads the
    shared version once, at its first date; outside requests every call reads it)."""
    if _state["in_request"] and _state["checked"] and _state["version"] is not None:
        version = _state["version"]
    else:
        version = cache.get(_VERSION_KEY)
        if version is None:
            version = uuid.uuid4().hex
            cache.add(_VERSION_KEY, version, timeout=None)
            version = cache.get(_VERSION_KEY, version)
        _state["checked"] = True
    fresh = time.monotonic() - _state["loaded_at"] < _LOCAL_TTL_SECONDS
    if _state["version"] != version or not fresh:
        from hall.models import CalendarDay, CalendarYear

        _state["overrides"] = dict(CalendarDay.objects.values_list("date", "is_working"))
        _state["confirmed_years"] = frozenset(CalendarYear.objects.values_list("year", flat=True))
        _state["version"], _state["loaded_at"] = version, time.monotonic()
    return _state["overrides"], _state["confirmed_years"]


def _is_working(d: date, overrides: dict[date, bool]) -> bool:
    if d in overrides:
        return overrides[d]
    if d.year in KNOWN_YEARS:
        return _statutory_workday(d)
    return d.weekday() < 5


@functools.lru_cache(maxsize=8192)
def _statutory_workday(d: date) -> bool:
    """chinese-calendar's answer, remembered: it checks every date against its tables' range first."""
    return chinese_calendar.is_workday(d)


def is_working_day(d: date) -> bool:
    """Whether ``d`` is a working day (make-up Saturdays included, statutory holidays excluded)."""
    overrides, _ = _load()
    return _is_working(d, overrides)


def is_provisional(d: date) -> bool:
    """True for a day whose year has no official schedule yet (Monday–Friday assumed)."""
    _, confirmed = _load()
    return d.year not in KNOWN_YEARS and d.year not in confirmed


def span_is_provisional(first: date, last: date) -> bool:
    """True when any day from ``first`` to ``last`` lies in a provisional year."""
    _, confirmed = _load()
    return any(y not in KNOWN_YEARS and y not in confirmed for y in range(first.year, last.year + 1))


def next_working_day(d: date) -> date:
    """``d`` itself when it is a working day, else the first working day after it."""
    overrides, _ = _load()
    while not _is_working(d, overrides):
        d += timedelta(days=1)
    return d


def add_working_days(start: date, n: int) -> date:
    """The n-th working day after ``start`` (``start`` itself is never counted); n = 0 → ``start``."""
    if not 0 <= n <= MAX_PERIOD_DAYS:
        raise ValueError(f"working-day period out of range: {n}")
    overrides, _ = _load()
    d = start
    while n:
        d += timedelta(days=1)
        if _is_working(d, overrides):
            n -= 1
    return d


def working_days_between(a: date, b: date) -> int:
    """Working days after ``a`` up to and including ``b``; negative when ``b`` is before ``a``."""
    if b < a:
        return -working_days_between(b, a)
    overrides, _ = _load()
    return sum(_is_working(a + timedelta(days=i), overrides) for i in range(1, (b - a).days + 1))


def working_day_ordinals(first: date, last: date) -> list[tuple[date, int]]:
    """Each day from ``first`` to ``last`` with the working days after ``first`` up to and including it —
    ``working_days_between(first, day)`` for every day at once (one load of the overrides): the table a
    set-based statement joins to count working days between two instants (supervision's statistics)."""
    overrides, _ = _load()
    rows, n, day = [], 0, first
    while day <= last:
        if day > first and _is_working(day, overrides):
            n += 1
        rows.append((day, n))
        day += timedelta(days=1)
    return rows


def local_date(at: datetime) -> date:
    """The calendar day of an instant in Asia/Shanghai (the law's clock, whatever the server's)."""
    return at.astimezone(SHANGHAI).date()


def end_of_day(d: date) -> datetime:
    """23:59:59 Asia/Shanghai on ``d``: the instant a period ending on ``d`` runs out."""
    return datetime(d.year, d.month, d.day, 23, 59, 59, tzinfo=SHANGHAI)


def deadline_date(event_on: date, n: int) -> date:
    """The last day of a period of n working days after an event on ``event_on`` (the legal rule)."""
    return add_working_days(next_working_day(event_on), n)


def deadline_instant(event_at: datetime, n: int) -> datetime:
    """When a period of n working days after ``event_at`` runs out (行政许可法 art. 82).

    A non-working event day first moves to the next working day; that day is not counted;
    the period ends at 23:59:59 Asia/Shanghai on the n-th working day after it.
    """
    return end_of_day(deadline_date(local_date(event_at), n))


def day_kind(d: date) -> str:
    """What kind of day ``d`` is, for the calendar overview page."""
    overrides, confirmed = _load()
    if d in overrides:
        return "override_working" if overrides[d] else "override_rest"
    if d.year in KNOWN_YEARS:
        on_holiday, name = chinese_calendar.get_holiday_detail(d)
        if on_holiday and name:
            return "holiday"
        if not on_holiday and d.weekday() >= 5:
            return "makeup"
    kind = "working" if d.weekday() < 5 else "weekend"
    provisional = d.year not in KNOWN_YEARS and d.year not in confirmed
    return f"provisional_{kind}" if provisional else kind
