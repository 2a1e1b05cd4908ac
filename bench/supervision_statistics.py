"""统计分析 at N cases (default 100,000, quick; the recorded run used ``--cases 1000000``, 80 s to fill):
the statistics of a month and of a year (``supervision.statistics.figures``: every figure of
the page and the API, 3550 and per item included) against the raw aggregate SQL they need, measured in
the same run (target: ≤ 2×).

The baseline is the very statements ``figures`` sends (SQL with placeholders and parameters, captured
with ``connection.execute_wrapper``), replayed through psycopg2's own cursor with their rows fetched:
what is left is the price of the ORM, the calendar and the Python that shapes the answer. Target and
baseline alternate (A B A B …) after warm-up; medians are compared. Also, for information, the
monthly scores (``supervision.scores.compute``) against their statements.

    .venv/bin/python bench/supervision_statistics.py [--cases 100000] [--repeat 15]

Its own database (``hall_stats_bench`` unless ``DATABASE_URL`` says otherwise), filled like the other
benches (``bench/cases_data.py``). Results: bench/results/statistics.json and .md (→ docs/PERFORMANCE.md).
"""

import argparse
import json
import os
import re
import statistics as stats
import time
from datetime import date, timedelta

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hall_stats_bench")

from cases_data import ensure_demo, fill
from common import ROOT, setup_django


def capture(work) -> list[tuple[str, list]]:
    from django.db import connection

    statements = []

    def record(execute, sql, params, many, context):
        if not re.match(r"\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b", sql):
            statements.append((sql, list(params or [])))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        work()
    return statements


def run_target(work) -> float:
    start = time.perf_counter()
    work()
    return (time.perf_counter() - start) * 1000


def run_raw(statements, per_statement: list[list[float]]) -> float:
    from django.db import connection

    with connection.cursor() as wrapper:
        cursor = wrapper.cursor  # psycopg2's cursor
        start = time.perf_counter()
        for i, (sql, params) in enumerate(statements):
            begin = time.perf_counter()
            cursor.execute(sql, params)
            cursor.fetchall()
            per_statement[i].append((time.perf_counter() - begin) * 1000)
        return (time.perf_counter() - start) * 1000


def compare(name: str, work, repeat: int) -> dict:
    statements = capture(work)
    per_statement = [[] for _ in statements]
    for _ in range(3):  # warm-up: plans, caches
        run_target(work)
        run_raw(statements, [[] for _ in statements])
    target, raw = [], []
    for _ in range(repeat):
        target.append(run_target(work))
        raw.append(run_raw(statements, per_statement))
    result = {
        "name": name, "statements": len(statements), "target_p50_ms": round(stats.median(target), 1),
        "raw_p50_ms": round(stats.median(raw), 1), "ratio": round(stats.median(target) / stats.median(raw), 2),
        "target_max_ms": round(max(target), 1), "raw_max_ms": round(max(raw), 1),
        "per_statement": [{"sql": re.sub(r"\s+", " ", sql)[:160], "p50_ms": round(stats.median(times), 2)}
                          for (sql, _), times in zip(statements, per_statement, strict=True)],
    }  # fmt: skip
    print(f"{name}: {result['target_p50_ms']} ms vs raw {result['raw_p50_ms']} ms → ×{result['ratio']}"
          f" ({len(statements)} statements)", flush=True)  # fmt: skip
    return result


def markdown(results: dict) -> str:
    lines = [
        f"Cases: {results['cases']:,} · month {results['month']} · year {results['year']} · "
        f"{results['repeat']} alternating repetitions, medians",
        "",
        "| what | statements | target p50 | raw SQL p50 | ratio (target ≤ 2×) |",
        "|---|---|---|---|---|",
    ]
    for r in results["runs"]:
        lines.append(f"| {r['name']} | {r['statements']} | {r['target_p50_ms']} ms | {r['raw_p50_ms']} ms"
                     f" | ×{r['ratio']} |")  # fmt: skip
    lines += ["", "Slowest statements (raw, p50):", ""]
    for r in results["runs"]:
        top = sorted(r["per_statement"], key=lambda s: -s["p50_ms"])[:3]
        lines += [f"- {r['name']}: " + "; ".join(f"{s['p50_ms']} ms `{s['sql'][:90]}…`" for s in top)]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    setup_django()
    ensure_demo()
    fill(args.cases)

    from django.db import connection
    from django.utils import timezone

    from approvals.models import Application
    from hall import calendar
    from supervision import scores, statistics

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE approvals_application")
    today = calendar.local_date(timezone.now())
    last = today.replace(day=1) - timedelta(days=1)
    month = statistics.Period(last.replace(day=1), last)
    first_month = last.month - 11 if last.month > 11 else last.month + 1
    year = statistics.Period(date(last.year - (last.month <= 11), first_month, 1), last)  # 12 months to ``last``
    runs = [
        compare("statistics, one month", lambda: statistics.figures(month), args.repeat),
        compare("statistics, one year", lambda: statistics.figures(year), args.repeat),
        compare(
            "statistics, one month, township level", lambda: statistics.figures(month, level="township"), args.repeat
        ),
        compare("scores of the month (compute)", lambda: scores.compute(month.first), args.repeat),
    ]
    results = {"cases": Application.objects.count(), "month": f"{month.first}…{month.last}",
               "year": f"{year.first}…{year.last}", "repeat": args.repeat, "runs": runs,
               "finished": timezone.now().isoformat()}  # fmt: skip
    out = ROOT / "bench" / "results"
    (out / "statistics.json").write_text(json.dumps(results, ensure_ascii=False, indent=2))
    (out / "statistics.md").write_text(markdown(results))
    print(markdown(results))


if __name__ == "__main__":
    main()
