#!/usr/bin/env bash
# Backup of the hall: the PostgreSQL database (pg_dump, custom format) and the uploaded files
# (a tar of MEDIA_ROOT), into a new timestamped directory under the directory given.
#
#   DATABASE_URL=postgres://hall:…@db:5432/hall MEDIA_ROOT=/app/var/media scripts/backup.sh /backups
#
# DATABASE_URL: required (postgres:// or postgresql://). MEDIA_ROOT: default as the app's settings say.
# The database is dumped first, then the files: every file a dumped row refers to was written before
# its row committed, so it is in the tar (the tar may hold a few newer files too; harmless).
# Writes database.dump, media.tar.gz, MANIFEST (what, when, migrations, audit chain heads) and
# SHA256SUMS; prints the backup directory. docs/operations.md, "Backups".
set -euo pipefail
cd "$(dirname "$0")/.."
target="${1:?usage: scripts/backup.sh <directory>}"
: "${DATABASE_URL:?set DATABASE_URL to the PostgreSQL database to back up}"
case "$DATABASE_URL" in postgres://*|postgresql://*) ;; *) echo "backup.sh: DATABASE_URL is not PostgreSQL" >&2; exit 2;; esac
PYTHON="${PYTHON:-$( [ -x .venv/bin/python ] && echo .venv/bin/python || echo python )}"
MEDIA_ROOT="${MEDIA_ROOT:-$("$PYTHON" -c 'import django, os; os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hall.settings"); django.setup(); from django.conf import settings; print(settings.MEDIA_ROOT)' 2>/dev/null)}"

stamp="$(date -u +%Y%m%dT%H%M%SZ)"
dir="$target/hall-$stamp"
mkdir -p "$dir"
pg_dump --format=custom --compress=6 --file="$dir/database.dump" --dbname="$DATABASE_URL"
if [ -d "$MEDIA_ROOT" ]; then
  tar -czf "$dir/media.tar.gz" -C "$MEDIA_ROOT" .
else
  tar -czf "$dir/media.tar.gz" --files-from /dev/null
fi
{
  echo "created: $stamp"
  echo "database: $(psql "$DATABASE_URL" -XAtc 'select current_database()')"
  echo "pg_dump: $(pg_dump --version)"
  echo "media_root: $MEDIA_ROOT ($(tar -tzf "$dir/media.tar.gz" | grep -vc '/$') files)"
  echo "migrations: $(psql "$DATABASE_URL" -XAtc "select app || '.' || max(name) from django_migrations group by app order by app" | tr '\n' ' ')"
  echo "audit chain heads (family rows chains):"
  psql "$DATABASE_URL" -XAtF ' ' -c "select family, sum(length), count(*) from hall_chainhead group by family order by family"
} > "$dir/MANIFEST"
(cd "$dir" && sha256sum database.dump media.tar.gz MANIFEST > SHA256SUMS)
echo "$dir"
