"""Outages that stop the hall's background half: nothing is lost, everything catches up.

- the worker (and beat) dead for a simulated day: the transitions of that day committed, their
  notifications waited in the outbox; one sweep and one scan afterwards deliver every message and
  raise every warning the day should have raised;
- the embedded default (SQLite + the filesystem broker under ``var/``) stopped right after a change
  and started again: the change's side effects are still there and are carried out.
"""

import os
import subprocess
import sys
from pathlib import Path

from hall import outbox
from hall.models import Notification, OutboxMessage
from supervision.models import Warning
from supervision.scan import scan_deadlines
from tests.approvals import helpers
from tests.approvals.helpers import act, at, case_in

ROOT = Path(__file__).resolve().parents[2]


def test_a_day_without_worker_and_beat_is_caught_up_by_one_sweep_and_one_scan(people):
    # From Wednesday 2026-09-30 to Monday 10-12 cases move on, but no worker runs: no doorbell is heard
    late = case_in("submitted", people)  # received 09-30: acceptance or a correction notice due 10-13
    with helpers.frozen(at(2026, 10, 12, 10)):
        accepted = act("accept", case_in("submitted", people), people)
    waiting = OutboxMessage.objects.filter(done_at__isnull=True)
    assert waiting.count() == 4  # two submits and an accept notify; the acceptance notice waits to render
    assert not Notification.objects.filter(kind="accepted").exists()

    # Wednesday 2026-10-14, the worker and beat are back: one sweep, one scan; the next minute's sweep
    # sends the emails and SMS those notifications enqueued
    with helpers.frozen(at(2026, 10, 14, 9)):
        assert outbox.sweep() == 4
        counts = scan_deadlines()
    with helpers.frozen(at(2026, 10, 14, 9, 2)):
        assert outbox.sweep() == 6  # email and SMS of the three messages
    assert not OutboxMessage.objects.filter(done_at__isnull=True).exists()
    assert Notification.objects.filter(user=people.applicant, kind="accepted").exists()
    assert Notification.objects.filter(user=people.clerk, kind="new_case").count() >= 2
    assert counts["raised"]["accept_red"] == 1
    assert Warning.objects.get(kind="accept", level="red").application_id == late.pk
    assert accepted.notices.get(kind="acceptance").pdf  # its notice was rendered by the sweep too


def _manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_the_embedded_default_restarted_loses_nothing(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL")}
    env.update(VAR_DIR=str(tmp_path / "var"), DEBUG="true", DJANGO_SETTINGS_MODULE="hall.settings")
    assert _manage(env, "migrate", "--noinput").returncode == 0
    change = (
        "from tests.approvals import helpers; from approvals import services; people = helpers.load_demo(); "
        "case = helpers.file_case(people.applicant); "
        "services.submit_application(case_id=case.pk, by=people.applicant); print(case.number)"
    )
    first = _manage(env, "shell", "-c", change)  # the process ends right after the change: the "stop"
    assert first.returncode == 0, first.stderr
    # the doorbell rang into the filesystem broker (no worker ran); the rows are in SQLite
    assert any((tmp_path / "var" / "broker").iterdir())
    second = _manage(env, "drain_outbox")  # started again: the side effects are carried out
    assert second.returncode == 0, second.stderr
    done = int(second.stdout.split("done ")[1].split(";")[0])
    assert done >= 1 and second.stdout.strip().endswith("not done 0")
    check = _manage(env, "shell", "-c", "from hall.models import Notification; "
                    "print(Notification.objects.filter(kind='new_case').count())")  # fmt: skip
    assert check.stdout.strip().splitlines()[-1] == "1", check.stderr
