#!/usr/bin/env bash
# Runs the whole suite. Under CI=true PostgreSQL (127.0.0.1:5432, user postgres, trust) and Redis
# (127.0.0.1:6379) must be used; locally they are used when reachable, else SQLite and tests that
# need them are skipped with their reason (tests/conftest.py).
set -euo pipefail
cd "$(dirname "$0")/.."
probe() { .venv/bin/python - "$1" "$2" <<'PY'
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1).close()
except OSError:
    sys.exit(1)
PY
}
if [ "${CI:-}" = "true" ] || { [ -z "${DATABASE_URL:-}" ] && probe 127.0.0.1 5432; }; then
  export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/hall}"
fi
if [ "${CI:-}" = "true" ] || { [ -z "${REDIS_URL:-}" ] && probe 127.0.0.1 6379; }; then
  export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/1}"
fi
echo "test database: ${DATABASE_URL:-sqlite (embedded)}; redis: ${REDIS_URL:-none}"
.venv/bin/ruff check --quiet .
exec .venv/bin/pytest "$@"
