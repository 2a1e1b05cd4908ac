"""The working-day calendar (行政许可法 art. 82): official data, admin overrides, provisional years."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from hall import calendar
from hall.models import AuditEntry
from hall.services import confirm_calendar_year, delete_calendar_day, set_calendar_day

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # National Day + Mid-Autumn 2026: Oct 1-7 off, Saturday Oct 10 is a make-up working day.
        (date(2026, 9, 30), 20, date(2026, 11, 3)),
        (date(2026, 9, 30), 1, date(2026, 10, 8)),
        (date(2026, 9, 30), 3, date(2026, 10, 10)),
        (date(2026, 10, 3), 1, date(2026, 10, 8)),
        (date(2026, 9, 24), 1, date(2026, 9, 28)),  # Mid-Autumn Sep 25-27
        (date(2026, 9, 18), 1, date(2026, 9, 20)),  # Sunday Sep 20 is a make-up day
        # Spring Festival 2026: Feb 15-23 off, Saturdays Feb 14 and Feb 28 are make-up days.
        (date(2026, 1, 26), 20, date(2026, 2, 28)),
        (date(2026, 2, 13), 1, date(2026, 2, 14)),
        (date(2026, 2, 14), 1, date(2026, 2, 24)),
        (date(2026, 2, 27), 1, date(2026, 2, 28)),
        # Labour Day 2026: May 1-5 off, Saturday May 9 is a make-up day.
        (date(2026, 4, 30), 1, date(2026, 5, 6)),
        (date(2026, 4, 30), 4, date(2026, 5, 9)),
        # Year ends: New Year 2026 Jan 1-3 off, Sunday Jan 4 a make-up day.
        (date(2025, 12, 31), 1, date(2026, 1, 4)),
        (date(2025, 12, 31), 2, date(2026, 1, 5)),
        # 2027 has no official data yet: Monday-Friday (provisional), Jan 1 2027 counted as a Friday.
        (date(2026, 12, 30), 3, date(2027, 1, 4)),
        (date(2027, 3, 5), 5, date(2027, 3, 12)),
        # Ordinary weeks and the start day itself.
        (date(2026, 3, 2), 5, date(2026, 3, 9)),
        (date(2026, 3, 7), 5, date(2026, 3, 13)),  # plain arithmetic: start never counted
        (date(2026, 11, 23), 0, date(2026, 11, 23)),
    ],
)
def test_add_working_days(start, n, expected):
    assert calendar.add_working_days(start, n) == expected


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 10, 1), False),
        (date(2026, 10, 7), False),
        (date(2026, 10, 10), True),
        (date(2026, 2, 14), True),
        (date(2026, 2, 16), False),
        (date(2026, 2, 28), True),
        (date(2026, 5, 9), True),
        (date(2026, 1, 1), False),
        (date(2026, 1, 4), True),
        (date(2026, 11, 21), False),
        (date(2026, 11, 23), True),
        (date(2027, 1, 1), True),  # provisional: a Friday
        (date(2027, 1, 2), False),
    ],
)
def test_is_working_day(day, working):
    assert calendar.is_working_day(day) is working


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (date(2026, 9, 30), date(2026, 11, 3), 20),
        (date(2026, 1, 26), date(2026, 2, 28), 20),
        (date(2026, 10, 1), date(2026, 10, 7), 0),
        (date(2026, 11, 23), date(2026, 11, 23), 0),
        (date(2026, 11, 3), date(2026, 9, 30), -20),
    ],
)
def test_working_days_between(a, b, expected):
    assert calendar.working_days_between(a, b) == expected


@pytest.mark.parametrize(
    ("event_at", "n", "due"),
    [
        # DESIGN.md: filed Saturday 2026-03-07, 5 working days -> Monday 2026-03-16.
        (datetime(2026, 3, 7, 10, 0, tzinfo=SH), 5, date(2026, 3, 16)),
        (datetime(2026, 3, 9, 16, 30, tzinfo=SH), 5, date(2026, 3, 16)),
        (datetime(2026, 9, 30, 9, 0, tzinfo=SH), 20, date(2026, 11, 3)),
        # Filed on a holiday: the next working day (Oct 8) is taken as the event day and not counted.
        (datetime(2026, 10, 3, 10, 0, tzinfo=SH), 1, date(2026, 10, 9)),
        # 20:00 UTC on Sep 30 is already Oct 1 in Shanghai: the law's clock decides the day.
        (datetime(2026, 9, 30, 20, 0, tzinfo=ZoneInfo("UTC")), 1, date(2026, 10, 9)),
        # N = 0: decided on the spot, due the same (working) day.
        (datetime(2026, 11, 23, 9, 0, tzinfo=SH), 0, date(2026, 11, 23)),
        (datetime(2026, 3, 7, 9, 0, tzinfo=SH), 0, date(2026, 3, 9)),
    ],
)
def test_deadline_instant_ends_at_2359_shanghai_of_the_nth_working_day(event_at, n, due):
    instant = calendar.deadline_instant(event_at, n)
    assert instant == datetime(due.year, due.month, due.day, 23, 59, 59, tzinfo=SH)
    assert instant.utcoffset().total_seconds() == 8 * 3600


def test_negative_or_absurd_periods_are_refused():
    with pytest.raises(ValueError):
        calendar.add_working_days(date(2026, 1, 5), -1)
    with pytest.raises(ValueError):
        calendar.add_working_days(date(2026, 1, 5), 100_000)


def test_years_without_official_schedule_are_provisional():
    assert calendar.is_provisional(date(2027, 6, 1))
    assert not calendar.is_provisional(date(2026, 12, 31))
    assert calendar.span_is_provisional(date(2026, 12, 20), date(2027, 1, 5))
    assert not calendar.span_is_provisional(date(2026, 1, 1), date(2026, 12, 31))


def test_confirming_a_year_ends_provisional_and_is_audited(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        confirm_calendar_year(year=2027, note="国办发明电〔2026〕X号", by=None)
    assert not calendar.is_provisional(date(2027, 6, 1))
    assert AuditEntry.objects.filter(action="calendar.confirm_year", target="2027").exists()


def test_override_turns_a_weekday_into_a_holiday_and_back(django_capture_on_commit_callbacks):
    friday = date(2026, 11, 20)
    assert calendar.add_working_days(date(2026, 11, 19), 1) == friday
    with django_capture_on_commit_callbacks(execute=True):
        set_calendar_day(day=friday, is_working=False, note="临时闭馆", by=None)
    assert not calendar.is_working_day(friday)
    assert calendar.add_working_days(date(2026, 11, 19), 1) == date(2026, 11, 23)
    assert calendar.day_kind(friday) == "override_rest"
    with django_capture_on_commit_callbacks(execute=True):
        delete_calendar_day(day=friday, by=None)
    assert calendar.is_working_day(friday)
    actions = list(
        AuditEntry.objects.filter(action__startswith="calendar.").order_by("id").values_list("action", flat=True)
    )
    assert actions == ["calendar.set_day", "calendar.delete_day"]


def test_override_wins_over_chinese_calendar_on_a_holiday(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        set_calendar_day(day=date(2026, 10, 2), is_working=True, note="假期值班受理", by=None)
    assert calendar.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 2)


def test_calendar_change_signal_names_the_years(django_capture_on_commit_callbacks):
    from hall.signals import calendar_changed

    seen = []

    def listener(sender, years, by, **kwargs):
        seen.append(years)

    calendar_changed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            set_calendar_day(day=date(2027, 2, 10), is_working=False, note="春节", by=None)
    finally:
        calendar_changed.disconnect(listener)
    assert seen == [{2027}]


@pytest.mark.parametrize(
    ("day", "kind"),
    [
        (date(2026, 10, 1), "holiday"),
        (date(2026, 10, 10), "makeup"),
        (date(2026, 11, 23), "working"),
        (date(2026, 11, 22), "weekend"),
        (date(2027, 3, 1), "provisional_working"),
    ],
)
def test_day_kind_for_the_overview_page(day, kind):
    assert calendar.day_kind(day) == kind
