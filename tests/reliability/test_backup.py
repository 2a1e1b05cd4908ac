"""Backups (issue 12, "Also build"): scripts/backup.sh dumps the database and the uploaded files,
scripts/restore.sh restores them into a fresh database, and verify_audit passes there."""

import os
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from approvals.models import Event
from hall import audit
from hall.digest import write_digest
from hall.models import AuditEntry

ROOT = Path(__file__).resolve().parents[2]
SERVER = "postgres://postgres@127.0.0.1:5432"


def run(args, env, timeout=300):
    return subprocess.run(args, cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=timeout)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_backup_restores_into_a_fresh_database_where_verify_audit_passes(tmp_path, settings):
    settings.MEDIA_ROOT = media = tmp_path / "media"
    (media / "materials").mkdir(parents=True)
    (media / "materials" / "营业执照.pdf").write_bytes(b"%PDF-1.4 demo\n")
    call_command("seed_demo", force=True, verbosity=0)  # committed: cases, events, payments, audit entries
    audit.record("calendar.edit", "2026-12-31", note="备份前的最后一笔")
    write_digest()
    counts = {"events": Event.objects.count(), "audit": AuditEntry.objects.count()}

    source = connection.settings_dict["NAME"]
    started = time.monotonic()
    backup = run(["scripts/backup.sh", str(tmp_path / "backups")],
                 {"DATABASE_URL": f"{SERVER}/{source}", "MEDIA_ROOT": str(media)})  # fmt: skip
    assert backup.returncode == 0, backup.stderr
    backup_dir = Path(backup.stdout.strip().splitlines()[-1])
    assert {p.name for p in backup_dir.iterdir()} == {"database.dump", "media.tar.gz", "MANIFEST", "SHA256SUMS"}
    backup_seconds = time.monotonic() - started

    target = f"hall_restore_{uuid.uuid4().hex[:8]}"
    restored_media = tmp_path / "restored-media"
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", target], check=True)
    try:
        env = {"DATABASE_URL": f"{SERVER}/{target}", "MEDIA_ROOT": str(restored_media)}
        started = time.monotonic()
        restore = run(["scripts/restore.sh", str(backup_dir)], env)
        restore_seconds = time.monotonic() - started
        assert restore.returncode == 0, restore.stderr + restore.stdout
        assert "audit chains intact" in restore.stdout and "1 digests match" in restore.stdout

        again = run([".venv/bin/python", "manage.py", "verify_audit"], env)
        assert again.returncode == 0, again.stderr
        restored = run(["psql", f"{SERVER}/{target}", "-XAtc",
                        "select (select count(*) from approvals_event), (select count(*) from hall_auditentry)"],
                       env)  # fmt: skip
        assert restored.stdout.strip() == f"{counts['events']}|{counts['audit']}"
        assert (restored_media / "materials" / "营业执照.pdf").read_bytes() == b"%PDF-1.4 demo\n"

        into_non_empty = run(["scripts/restore.sh", str(backup_dir)], env)
        assert into_non_empty.returncode == 4 and "not empty" in into_non_empty.stderr
    finally:
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "--force", target], check=True)
    print(f"backup {backup_seconds:.1f} s, restore + verify {restore_seconds:.1f} s, {counts}")
