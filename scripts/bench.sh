#!/usr/bin/env bash
# Runs the benchmarks against PostgreSQL (database hall_bench) and Redis; results in bench/results/.
set -euo pipefail
cd "$(dirname "$0")/../bench"
export DATABASE_URL="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/hall_bench}"
for script in catalog_list.py cases_list.py; do
  [ -f "$script" ] || continue
  echo "== $script"
  ../.venv/bin/python "$script"
done
