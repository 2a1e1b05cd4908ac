"""The project as operators see it: deploy checks, migrations, the compose stack, the demo seed."""

import os
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.utils import timezone

from hall.models import Department, StaffMembership, User, Window

ROOT = Path(__file__).resolve().parents[2]


def manage(*args, **env):
    # A clean environment: nothing a previous test set (e.g. the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE).
    full_env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "HTTPS", "DJANGO_ALLOW_ASYNC_UNSAFE"}} | env
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        HTTPS="true",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="hall.example.gov.cn",
        DATABASE_URL=f"sqlite:///{tmp_path}/deploy.sqlite3",
        VAR_DIR=str(tmp_path),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_flags_debug_in_production(tmp_path):
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", DEBUG="true", VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path}/deploy.sqlite3",
    )  # fmt: skip
    assert result.returncode != 0


@pytest.mark.django_db
def test_models_and_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_compose_stack_has_the_services_and_commands_of_the_design():
    stack = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = stack["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    assert services["web"]["command"][:2] == ["gunicorn", "hall.wsgi"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "hall", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "hall", "beat"]
    for name in ("postgres", "redis", "web", "worker", "beat"):
        assert "healthcheck" in services[name], name
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS", "FEES_SIMULATOR_SECRET"} <= set(env)
        assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"].startswith("redis://redis:6379")
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_makefile_has_the_stable_targets():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("install:", "run:", "test:"):
        assert f"\n{target}" in makefile
    assert "uv.lock" in makefile
    assert (ROOT / "uv.lock").exists()
    readme = (ROOT / "README.md").read_text()
    first_commands = [line for line in readme.splitlines() if line.startswith("make ")][:2]
    assert first_commands == ["make run", "make test"]


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_sets_the_password(settings, tmp_path):
    from approvals.models import Application, State

    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", password="secret-pass", verbosity=0)
    counts = (Department.objects.count(), Window.objects.count(), User.objects.count())
    call_command("seed_demo", password="secret-pass", verbosity=0)
    assert (Department.objects.count(), Window.objects.count(), User.objects.count()) == counts
    assert counts[0] >= 8
    assert Department.objects.filter(level=Department.Level.TOWNSHIP).exists()
    for name in ("applicant", "applicant2", "agent", "clerk", "clerk2", "reviewer", "approver", "cashier",
                 "supervisor", "catalog_admin"):  # fmt: skip
        assert User.objects.get(username=name).check_password("secret-pass"), name
    shared = {
        StaffMembership.objects.get(user__username=name).department_id
        for name in ("clerk", "reviewer", "approver", "cashier")
    }
    assert len(shared) == 1
    clerk2 = StaffMembership.objects.get(user__username="clerk2").department_id
    assert clerk2 not in shared
    # ~40 demo cases in every state, in the clerk's department and another one, some overdue (and the
    # bundles' and the joint cases: docs/bundles.md, docs/joint.md).
    states = set(Application.objects.values_list("state", flat=True))
    assert states == set(State.values) and 30 <= Application.objects.count() <= 90
    # Reform paths (issue 17): a 即办件 decided at the window by the chief representative under a
    # delegation; township cases handled by the townships' own staff.
    from approvals.models import Delegation, Event

    assert Delegation.objects.filter(window__number="B01", delegate__username="clerk", revoked_at=None).exists()
    assert Event.objects.filter(action="decide_on_the_spot", actor__username="clerk").exists()
    assert Application.objects.filter(item__code="ZRZYJ-GG-0007", state=State.SUBMITTED).exists()
    township = Application.objects.filter(department__level=Department.Level.TOWNSHIP)
    assert township.filter(accepted_by__username="town_clerk").exists()
    assert Application.objects.filter(department_id=clerk2).exists()
    assert Application.objects.filter(state=State.UNDER_REVIEW, decision_due__lt=timezone.now()).exists()
    # 一口收费: fees due, paid online and collected at the window.
    from fees.models import Assessment, Payment

    assert set(Assessment.objects.values_list("status", flat=True)) == {"due", "paid"}
    assert set(Payment.objects.values_list("channel", flat=True)) == {"simulator", "cash"}
    # 绩效评估 (issue 19): last month's scores published once, with departments ranked.
    from supervision.models import ScoreSheet

    sheet = ScoreSheet.objects.get()
    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    assert sheet.version == 1 and sheet.month == last_month
    assert sheet.scores.filter(subject="department").exists()


@pytest.mark.django_db
def test_seed_demo_refuses_without_debug(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG is off"):
        call_command("seed_demo", verbosity=0)
    call_command("seed_demo", "--force", verbosity=0)
    assert Department.objects.exists()
