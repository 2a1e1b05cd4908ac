"""E-monitoring at 1,000,000 cases: the deadline scan and the supervisor's dashboard, each against a
raw-SQL baseline measured in the same run (targets: scan ≤ 2× its raw statements, dashboard ≤ 2× its
raw SQL over HTTP).

- **Scan** (``supervision.scan.scan_deadlines``): the first scan (no warnings yet), a re-scan one
  beat later, the beat's variant (``since`` = last scan − 1 day) and the beat's whole task
  (``scan_deadlines_task``). The statements a scan sends (SQL and parameters) are captured at run
  time with ``connection.execute_wrapper``; the baseline replays them through psycopg2's own cursor.
  Every repetition runs in a transaction that is rolled back, the warnings table is vacuumed between
  repetitions, target and baseline alternate (A B A B …), with a third series for information: the
  target with ``SET LOCAL jit = off``.
- **Dashboard over HTTP**: gunicorn (sync, 2 workers, DEBUG off, the project's settings with the
  bench URLconf ``bench/http_urls.py``) serves ``/supervision/`` — and every JSON/data endpoint the
  page names (``data-*url``/``hx-get`` attributes, URL names in ``supervision.urls`` such as ``…data``)
  plus ``/api/v1/supervision/summary`` — to a supervisor's session. Each target's SQL text is
  captured once through the test client; the baseline ``/bench/raw/<target>`` replays that text
  through a raw cursor in the same gunicorn and answers a tiny JSON. Load by wrk (``-t2 -c8 -d10s``;
  a Python client with threads when wrk is missing), baseline and target alternating, 3 rounds.

    .venv/bin/python bench/supervision.py [--cases 1000000] [--rounds 3] [--scan-repeat 5] [--only scan|http]

Results: bench/results/supervision.json (every sample, per-statement times, plans) and the tables in
bench/results/supervision.md (copied into docs/PERFORMANCE.md).
"""

import argparse
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from cases_data import ensure_demo, fill
from common import ROOT, setup_django
from http_load import WRK_LUA, free_port, median, python_load, start_gunicorn, stop_gunicorn, wrk_load

INDEX_NODE = re.compile(r"(Index Only Scan|Index Scan|Bitmap Index Scan)(?: Backward)?(?: using| on) (\S+)")


def write_results(results: dict) -> None:
    path = ROOT / "bench" / "results" / "supervision.json"
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str))


def short(sql: str, width: int = 110) -> str:
    text = " ".join(sql.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def explain(cursor, sql: str, params=None) -> dict:
    """EXPLAIN (ANALYZE, BUFFERS) of one statement, in the caller's (rolled-back) transaction."""
    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
    plan = "\n".join(row[0] for row in cursor.fetchall())
    return {"plan": plan, "indexes": sorted({m[2] for m in INDEX_NODE.finditer(plan)})}


# --- the scan -----------------------------------------------------------------------------------------


def vacuum_warnings() -> None:
    from django.db import connection

    with connection.cursor() as cursor:  # autocommit: VACUUM refuses a transaction block
        cursor.execute("VACUUM ANALYZE supervision_warning")


def reset_warnings() -> None:
    """No warnings at all (committed), as before the first scan of a new hall."""
    from django.db import connection

    from supervision.models import Warning

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM supervision_warning")
        if cursor.fetchone()[0]:
            Warning.objects.all()._raw_delete(Warning.objects.db)  # bench data; fails if a 督办 names one
    vacuum_warnings()


def capture_scan(work) -> list[tuple[str, list]]:
    """The statements (SQL with placeholders, parameters) ``work`` sends, in a rolled-back transaction."""
    from django.db import connection, transaction

    statements = []

    def record(execute, sql, params, many, context):
        if not re.match(r"\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b", sql):
            statements.append((sql, list(params or [])))
        return execute(sql, params, many, context)

    with transaction.atomic():
        with connection.execute_wrapper(record):
            work()
        transaction.set_rollback(True)
    return statements


def run_scan(work, *, jit_off: bool = False) -> float:
    from django.db import connection, transaction

    with transaction.atomic():
        if jit_off:  # for this transaction only (what `SET LOCAL jit = off` in the scan would give)
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        start = time.perf_counter()
        work()
        elapsed = time.perf_counter() - start
        transaction.set_rollback(True)
    return elapsed * 1000


def run_raw(statements, per_statement: list[list[float]]) -> float:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as wrapper:
        cursor = wrapper.cursor  # psycopg2's cursor
        start = time.perf_counter()
        for i, (sql, params) in enumerate(statements):
            begin = time.perf_counter()
            cursor.execute(sql, params)
            per_statement[i].append((time.perf_counter() - begin) * 1000)
        elapsed = time.perf_counter() - start
        transaction.set_rollback(True)
    return elapsed * 1000


def bench_scan_variant(name: str, work, repeat: int) -> dict:
    """``work`` (one scan) against the statements it sends, each repetition from the same state."""
    from django.db import connection, transaction

    statements = capture_scan(work)
    with transaction.atomic():
        counts = work()
        transaction.set_rollback(True)
    per_statement = [[] for _ in statements]
    target, baseline, jit_off = [], [], []
    run_scan(work)  # warm-up: caches, plans
    vacuum_warnings()
    for _ in range(repeat):  # A B C A B C …
        target.append(run_scan(work))
        vacuum_warnings()
        baseline.append(run_raw(statements, per_statement))
        vacuum_warnings()
        jit_off.append(run_scan(work, jit_off=True))  # not a target: what the JIT costs
        vacuum_warnings()
    times = [statistics.median(samples) for samples in per_statement]
    slowest = max(range(len(statements)), key=times.__getitem__)
    result = {
        "statements": len(statements),
        "result": counts,
        "target_ms": [round(x, 1) for x in target],
        "baseline_ms": [round(x, 1) for x in baseline],
        "target_p50_ms": median(target),
        "baseline_p50_ms": median(baseline),
        "ratio": round(statistics.median(target) / statistics.median(baseline), 2),
        "target_jit_off_ms": [round(x, 1) for x in jit_off],
        "target_jit_off_p50_ms": median(jit_off),
        "per_statement_ms": [[round(t, 1), short(sql, 160)] for t, (sql, _) in zip(times, statements, strict=True)],
        "slowest_statement": {
            "index": slowest,
            "p50_ms": round(times[slowest], 2),
            "sql": short(statements[slowest][0], 400),
        },
    }
    with transaction.atomic(), connection.cursor() as cursor:  # its plan, from the same state
        result["slowest_statement"].update(explain(cursor, *statements[slowest]))
        transaction.set_rollback(True)
    vacuum_warnings()
    print(
        f"  scan {name}: {len(statements)} statements, target p50 {result['target_p50_ms']} ms, "
        f"raw p50 {result['baseline_p50_ms']} ms, ratio {result['ratio']} "
        f"(JIT off: {result['target_jit_off_p50_ms']} ms); slowest statement "
        f"{result['slowest_statement']['p50_ms']} ms, indexes {result['slowest_statement']['indexes'] or 'none'}",
        flush=True,
    )
    return result


def bench_scan(repeat: int) -> dict:
    from django.utils import timezone

    from hall import services as hall_services
    from supervision.scan import scan_deadlines
    from supervision.selectors import SCAN_HEARTBEAT
    from supervision.tasks import FACT_LOOKBACK, scan_deadlines_task

    reset_warnings()
    at = timezone.now()
    results = {"first": bench_scan_variant("first (no warnings)", lambda: scan_deadlines(at), repeat)}
    scan_deadlines(at)  # committed: the warnings of a hall that has been scanned, for what follows
    hall_services.record_heartbeat(SCAN_HEARTBEAT)
    vacuum_warnings()
    later = at + timedelta(seconds=60)  # the beat's next run
    since = at - FACT_LOOKBACK
    results["rescan"] = bench_scan_variant("re-scan", lambda: scan_deadlines(later), repeat)
    results["beat_since"] = bench_scan_variant("beat (since)", lambda: scan_deadlines(later, since=since), repeat)
    # The beat's whole task as it stands (scan with since, then whatever else it runs: anomaly rules,
    # order escalation, its heartbeat), in the steady state: after one committed run of the task.
    scan_deadlines_task()
    vacuum_warnings()
    results["beat_task"] = bench_scan_variant("beat task", scan_deadlines_task, repeat)
    return results


# --- the dashboard over HTTP ------------------------------------------------------------------------


def discover_targets(client, extra: list[str]) -> dict[str, str]:
    """The dashboard, the JSON/data endpoints it names or its URLconf has, the summary API, ``--url``."""
    from django.urls import URLPattern, reverse

    import supervision.urls

    targets = {"dashboard": reverse("supervision:dashboard")}
    for pattern in supervision.urls.urlpatterns:
        if (
            isinstance(pattern, URLPattern)
            and pattern.name not in (None, "dashboard")
            and not pattern.pattern.converters
            and re.search(r"dashboard|data|json|refresh|chart|series|heatmap|slow|live|summary", pattern.name)
        ):
            targets[pattern.name.replace("-", "_")] = reverse(f"supervision:{pattern.name}")
    page = client.get(targets["dashboard"]).content.decode()
    for i, url in enumerate(re.findall(r'(?:data-[\w-]*(?:url|src|endpoint|href)|hx-get)="(/[^"]+)"', page)):
        url = url.replace("&amp;", "&")
        if url not in targets.values() and not url.startswith("/static/"):
            targets[f"page_data_{i}"] = url
    targets["api_summary"] = reverse("api-supervision-summary")
    for item in extra:
        name, _, url = item.partition("=")
        targets[name] = url
    return targets


def capture_page(client, url: str) -> tuple[list[str], int]:
    """The SQL text (as sent to the server) of one request after a warm-up request, and its status."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    sql = [q["sql"] for q in ctx.captured_queries if not re.match(r"\s*(SAVEPOINT|RELEASE SAVEPOINT)\b", q["sql"])]
    return sql, response.status_code


def sql_profile(statements: list[str]) -> dict:
    """Each statement's median time replayed in-process (5 runs); the slowest one's plan; the total
    again with the JIT off (not a target: what the JIT costs)."""
    from django.db import connection, transaction

    times, jit_off = [], []
    with transaction.atomic(), connection.cursor() as wrapper:
        cursor = wrapper.cursor
        cursor.execute("SET LOCAL jit = off")
        for sql in statements:
            samples = []
            for _ in range(3):
                start = time.perf_counter()
                cursor.execute(sql)
                if cursor.description is not None:
                    cursor.fetchall()
                samples.append((time.perf_counter() - start) * 1000)
            jit_off.append(statistics.median(samples))
        transaction.set_rollback(True)
    with transaction.atomic(), connection.cursor() as wrapper:
        cursor = wrapper.cursor
        for sql in statements:
            samples = []
            for _ in range(5):
                start = time.perf_counter()
                cursor.execute(sql)
                if cursor.description is not None:
                    cursor.fetchall()
                samples.append((time.perf_counter() - start) * 1000)
            times.append(statistics.median(samples))
        slowest = max(range(len(statements)), key=times.__getitem__)
        profile = {
            "sql_ms_total": round(sum(times), 2),
            "sql_ms_total_jit_off": round(sum(jit_off), 2),
            "per_statement_ms": [[round(t, 2), short(sql, 160)] for t, sql in zip(times, statements, strict=True)],
            "slowest_statement": {
                "index": slowest,
                "p50_ms": round(times[slowest], 2),
                "sql": short(statements[slowest], 400),
            },
        }
        if re.match(r"\s*SELECT\b", statements[slowest], re.I):
            profile["slowest_statement"].update(explain(cursor, statements[slowest]))
        transaction.set_rollback(True)
    return profile


def bench_http(args) -> dict:
    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings

    from hall.models import User
    from supervision.models import Warning

    supervisor = User.objects.get(username="supervisor")
    client = Client()
    client.force_login(supervisor)  # a session in the database, valid for gunicorn too (same SECRET_KEY)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    targets, captured, info = discover_targets(client, args.url), {}, {}
    for name, url in list(targets.items()):
        sql, status = capture_page(client, url)
        again, _ = capture_page(client, url)
        if status != 200:
            print(f"  skip {name} {url}: status {status}", flush=True)
            del targets[name]
            continue
        captured[name] = sql
        info[name] = {"url": url, "queries": len(sql), "queries_again": len(again), **sql_profile(sql)}
        print(f"  {name} {url}: {len(sql)} queries, SQL {info[name]['sql_ms_total']} ms in-process", flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="bench-supervision-"))
    raw_sql = workdir / "raw_sql.json"
    raw_sql.write_text(json.dumps(captured, ensure_ascii=False))
    os.environ["BENCH_RAW_SQL"] = str(raw_sql)
    with override_settings(ROOT_URLCONF="bench.http_urls"):  # the baseline's own cost in queries: none
        for name in targets:
            sql, status = capture_page(client, f"/bench/raw/{name}")
            assert status == 200, (name, status)
            info[name]["baseline_django_queries"] = len(sql)  # its replay goes around Django's cursor
    lua = workdir / "report.lua"
    lua.write_text(WRK_LUA)
    load = wrk_load if shutil.which("wrk") and not args.python_client else python_load
    port = free_port()
    log = workdir / "gunicorn.log"
    server = start_gunicorn(port, log, env={"BENCH_RAW_SQL": str(raw_sql)})
    base = f"http://127.0.0.1:{port}"
    try:
        for name, url in targets.items():  # warm both workers: connections, caches
            for path in (url, f"/bench/raw/{name}"):
                load(base + path, cookie, 2, 4, 2, lua)
        rounds = {name: [] for name in targets}
        for r in range(args.rounds):
            for name, url in targets.items():  # baseline, target, baseline, target …
                pair = {}
                for kind, path in (("baseline", f"/bench/raw/{name}"), ("target", url)):
                    pair[kind] = load(base + path, cookie, args.threads, args.connections, args.seconds, lua)
                    assert pair[kind]["non_2xx"] == 0 and pair[kind]["errors"] == 0, (name, kind, pair[kind])
                rounds[name].append(pair)
                print(
                    f"  round {r + 1} {name}: target p50 {pair['target']['p50_ms']} ms "
                    f"{pair['target']['rps']} req/s; raw p50 {pair['baseline']['p50_ms']} ms "
                    f"{pair['baseline']['rps']} req/s",
                    flush=True,
                )
    finally:
        stop_gunicorn(server)
    results = {
        "server": "gunicorn hall.wsgi, sync, 2 workers, DEBUG off (bench/http_settings.py)",
        "load": f"{load.__name__.split('_')[0]} -t{args.threads} -c{args.connections} -d{args.seconds}s",
        "rounds": args.rounds,
        "open_warnings": Warning.objects.filter(resolved_at__isnull=True).count(),
        "targets": {},
    }
    for name in targets:
        pairs = rounds[name]
        summary = {}
        for kind in ("target", "baseline"):
            for key in ("p50_ms", "p95_ms", "rps"):
                summary[f"{kind}_{key}"] = median(p[kind][key] for p in pairs)
        summary["ratio_p50"] = round(summary["target_p50_ms"] / summary["baseline_p50_ms"], 2)
        summary["ratio_p95"] = round(summary["target_p95_ms"] / summary["baseline_p95_ms"], 2)
        summary["ratio_rps"] = round(summary["baseline_rps"] / summary["target_rps"], 2)  # > 1: target slower
        results["targets"][name] = {**info[name], **summary, "rounds": pairs}
    shutil.rmtree(workdir, ignore_errors=True)
    return results


# --- report -------------------------------------------------------------------------------------------

SCAN_LABELS = {"first": "first scan (no warnings)", "rescan": "re-scan, one beat later",
               "beat_since": "beat's scan (`since` = last − 1 day)",
               "beat_task": "beat's whole task (`scan_deadlines_task`)"}  # fmt: skip


def markdown(results: dict) -> str:
    lines = []
    if "scan" in results:
        lines += [
            "| scan | statements | target p50 ms | raw statements p50 ms | ratio | target, JIT off, p50 ms |",
            "|---|---|---|---|---|---|",
        ]
        for key, row in results["scan"].items():
            lines.append(
                f"| {SCAN_LABELS.get(key, key)} | {row['statements']} | {row['target_p50_ms']} "
                f"| {row['baseline_p50_ms']} | **{row['ratio']}** | {row['target_jit_off_p50_ms']} |"
            )
        lines.append("")
    if "http" in results:
        lines += [
            "| request | queries | SQL ms (JIT off) | p50 ms (raw) | p95 ms (raw) | req/s (raw) "
            "| ratio p50 / p95 / req/s |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, row in results["http"]["targets"].items():
            cells = [
                f"{name} `{row['url']}`",
                row["queries"],
                f"{row['sql_ms_total']} ({row['sql_ms_total_jit_off']})",
                f"{row['target_p50_ms']} ({row['baseline_p50_ms']})",
                f"{row['target_p95_ms']} ({row['baseline_p95_ms']})",
                f"{row['target_rps']} ({row['baseline_rps']})",
                f"{row['ratio_p50']} / {row['ratio_p95']} / {row['ratio_rps']}",
            ]
            lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3, help="HTTP rounds (baseline, target) per request")
    parser.add_argument("--scan-repeat", type=int, default=5, help="scan repetitions (target, raw) per variant")
    parser.add_argument("--only", choices=["scan", "http"], help="run one part")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--url", action="append", default=[], help="NAME=/path: another page to measure")
    parser.add_argument("--python-client", action="store_true", help="threads of urllib instead of wrk")
    args = parser.parse_args()
    setup_django()  # from the repository's root: see there
    ensure_demo()
    fill(args.cases)
    from django.db import connection

    from approvals.models import Application

    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version'), current_setting('jit')")
        version, jit = cursor.fetchone()
    results = {"cases": Application.objects.count(), "postgresql": version, "jit": jit, "cpus": os.cpu_count()}
    if args.only in (None, "scan"):
        print("== scan", flush=True)
        results["scan"] = bench_scan(args.scan_repeat)
        write_results(results)  # kept should the HTTP part fail
    if args.only in (None, "http"):
        from supervision.models import Warning

        if not Warning.objects.exists():  # a scanned hall for the dashboard
            from supervision.scan import scan_deadlines

            scan_deadlines()
            vacuum_warnings()
        print("== dashboard over HTTP", flush=True)
        results["http"] = bench_http(args)
    results["seconds"] = round(time.monotonic() - started)
    write_results(results)
    table = markdown(results)
    (ROOT / "bench" / "results" / "supervision.md").write_text(table)
    print(table)


if __name__ == "__main__":
    sys.exit(main())
