#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into an EMPTY database, unpack the files into
# MEDIA_ROOT, then check the audit chains (manage.py verify_audit) — the exit code is its verdict.
#
#   createdb -O hall hall_restored
#   DATABASE_URL=postgres://hall:…@db:5432/hall_restored MEDIA_ROOT=/app/var/media \
#     scripts/restore.sh /backups/hall-20261124T000500Z
#
# Run it as the role that is to own the tables (the migration role, docs/operations.md "Database
# roles"): --no-owner makes the connecting role the owner, and grants are not restored
# (--no-privileges): run scripts/db-roles.sql afterwards, or set RESTORE_PRIVILEGES=1 when the
# roles named in the dump exist on this server.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:?usage: scripts/restore.sh <backup directory>}"
: "${DATABASE_URL:?set DATABASE_URL to the empty PostgreSQL database to restore into}"
PYTHON="${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python )}"
MEDIA_ROOT="${MEDIA_ROOT:-$("$PYTHON" -c 'import django, os; os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hall.settings"); django.setup(); from django.conf import settings; print(settings.MEDIA_ROOT)' 2>/dev/null)}"

(cd "$dir" && sha256sum --check --quiet SHA256SUMS) || { echo "restore.sh: checksums do not match" >&2; exit 3; }
tables="$(psql "$DATABASE_URL" -XAtc "select count(*) from pg_tables where schemaname = 'public'")"
if [ "$tables" != "0" ]; then
  echo "restore.sh: the target database is not empty ($tables tables); restore into a new database" >&2
  exit 4
fi
privileges=(--no-privileges)
[ "${RESTORE_PRIVILEGES:-0}" = "1" ] && privileges=()
pg_restore --exit-on-error --single-transaction --no-owner "${privileges[@]}" --dbname="$DATABASE_URL" \
  "$dir/database.dump"
mkdir -p "$MEDIA_ROOT"
tar -xzf "$dir/media.tar.gz" -C "$MEDIA_ROOT"
echo "restored $(basename "$dir") into $(psql "$DATABASE_URL" -XAtc 'select current_database()'); media in $MEDIA_ROOT"
exec "$PYTHON" manage.py verify_audit
