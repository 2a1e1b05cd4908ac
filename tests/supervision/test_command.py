"""``manage.py scan_deadlines [--at ISO-8601]`` (a stable seam) and the beat task that runs the scan."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from hall.models import Heartbeat
from supervision.models import Warning
from supervision.tasks import scan_deadlines_task
from tests.approvals import helpers
from tests.approvals.helpers import at, frozen


@pytest.fixture
def overdue_case(people):
    """Submitted Wednesday 2026-09-30: acceptance due by 2026-10-13 23:59:59 (art. 32)."""
    with frozen(at(2026, 9, 30, 9)):
        return helpers.submitted_case(people)


def scan(*args) -> str:
    out = StringIO()
    call_command("scan_deadlines", *args, stdout=out)
    return out.getvalue()


def test_at_replays_a_moment_and_prints_the_counts(overdue_case):
    before = scan("--at", "2026-10-13T23:59:59+08:00")
    assert "raised 0" in before and not Warning.objects.exists()

    after = scan("--at", "2026-10-14T08:00:00+08:00")
    assert after.strip() == (
        "scan at 2026-10-14T08:00:00+08:00: raised 1 (accept_red=1 correction_notice_red=0 decision_yellow=0 "
        "decision_red=0 delivery_red=0 joint_task_red=0 "
        "verification_red=0); resolved 0; orders escalated 0; anomalies 0;"
        " licences expired 0"
    )
    assert Warning.objects.get().raised_at == at(2026, 10, 14, 8)


def test_at_without_an_offset_is_the_halls_time(overdue_case):
    """2026-10-14T00:30 in Shanghai is 10-13 16:30 UTC, already past the due instant."""
    assert "accept_red=1" in scan("--at", "2026-10-14T00:30")
    assert Warning.objects.get().raised_at == at(2026, 10, 14, 0, 30)


def test_without_at_the_scan_runs_now(overdue_case):
    with frozen(at(2026, 10, 15, 9)):
        assert "accept_red=1" in scan()
    assert Warning.objects.get().raised_at == at(2026, 10, 15, 9)


@pytest.mark.parametrize("value", ["yesterday", "2026-13-01T00:00", "", "2026-10-14 25:00"])
def test_a_bad_at_is_a_clear_error(db, value):
    with pytest.raises(CommandError, match="not an ISO-8601 date-time"):
        scan("--at", value)


def test_the_beat_task_runs_the_scan_and_records_its_heartbeat(overdue_case):
    with frozen(at(2026, 10, 14, 9)):
        result = scan_deadlines_task.apply().get()
    assert result["raised"]["accept_red"] == 1
    assert Warning.objects.filter(kind="accept", level="red").count() == 1
    assert Heartbeat.objects.get(name="scan_deadlines").at == at(2026, 10, 14, 9)


def test_beat_schedules_the_scan_every_scan_interval():
    entry = settings.CELERY_BEAT_SCHEDULE["scan-deadlines"]
    assert entry == {"task": "supervision.tasks.scan_deadlines_task", "schedule": settings.SCAN_INTERVAL_SECONDS}
