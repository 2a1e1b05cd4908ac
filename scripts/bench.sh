#!/usr/bin/env bash
# Runs the benchmarks against PostgreSQL (database hall_bench) and Redis; results in bench/results/.
# With arguments, only those scripts: scripts/bench.sh supervision.py
set -euo pipefail
cd "$(dirname "$0")/../bench"
export DATABASE_URL="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/hall_bench}"
scripts=("$@")
[ ${#scripts[@]} -gt 0 ] || scripts=(catalog_list.py cases_list.py supervision.py fees_callbacks.py)
for script in "${scripts[@]}"; do
  [ -f "$script" ] || { echo "no bench/$script" >&2; exit 1; }
  echo "== $script"
  ../.venv/bin/python "$script"
done
