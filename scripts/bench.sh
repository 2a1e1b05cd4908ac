#!/usr/bin/env bash
# Runs the benchmarks against PostgreSQL and Redis; results in bench/results/. Each script has its own
# database (hall_bench by default, hall_http_bench for http.py …) unless BENCH_DATABASE_URL names one.
# http.py serves the app with gunicorn and loads it with wrk (installed here from Debian when missing);
# http_scaleout.py compares one gunicorn instance with two; http_sizing.py prints the sizing from the results.
# With arguments, only those scripts: scripts/bench.sh supervision.py
set -euo pipefail
cd "$(dirname "$0")/../bench"
if ! command -v wrk >/dev/null; then
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get install -y --no-install-recommends wrk || echo "wrk not installed: http.py falls back to a Python client" >&2
fi
if [ -n "${BENCH_DATABASE_URL:-}" ]; then export DATABASE_URL="$BENCH_DATABASE_URL"; else unset DATABASE_URL; fi
scripts=("$@")
[ ${#scripts[@]} -gt 0 ] || scripts=(catalog_list.py cases_list.py supervision.py fees_callbacks.py http.py http_scaleout.py http_sizing.py)
for script in "${scripts[@]}"; do
  [ -f "$script" ] || { echo "no bench/$script" >&2; exit 1; }
  echo "== $script"
  ../.venv/bin/python "$script"
done
