"""The hot paths over HTTP at 1,000,000 cases, each against a bare baseline served by the same gunicorn
(issue 22, point 1; run by ``bench/http.py``).

gunicorn as in production — sync, 2 workers, DEBUG off, the project's settings (``bench/http_settings.py``)
with the bench URLconf ``bench/http_urls.py``, whose baselines are never in the app's URLs: ``hello``
(a plain ``HttpResponse``), ``one row`` (one ``Application`` by primary key through the ORM, a tiny
JSON) and ``insert`` (one row into the bench-only table ``bench_http_insert`` in a transaction). wrk
(``-t2 -c16 -d10s``) loads baseline and target in turn (B T B T …), every scenario once per round;
each round gives a ratio (target p95 / baseline p95, or target req/s / baseline req/s), and the result
is the median ratio over the rounds with its spread (min–max).

Throttles stay on (the API's anon and user throttles, one Redis round trip each) but are sized for one
load generator on one address: ``THROTTLE_ANON`` and ``THROTTLE_USER`` are set for gunicorn (see
``THROTTLES``), so no request of the bench is throttled. Celery's broker is Redis (database 5, the
bench's own; the doorbells the transitions ring after commit are emptied at the end, no worker runs).

The accept scenario POSTs ``/api/v1/applications/{number}/transitions/accept`` as the clerk, each
request on another case: copies of a submitted case of the clerk's department, past its acceptance
period (deemed accepted, so no materials are needed), numbered ``HTTPB-…``, are prepared before each
run — enough for twice the last rate — and a Lua script walks their list (thread i takes i, i+T, …).

    .venv/bin/python bench/http.py [--cases 1000000] [--rounds 3] [--seconds 10] [--only NAME …]

Its own database (``hall_http_bench`` unless ``DATABASE_URL`` says otherwise), filled like the other
benches (``bench/cases_data.py``). Every target must answer 2xx before it is measured; non-2xx answers
under load are counted, and any makes the script fail after writing its results:
bench/results/http.json (every run) and bench/results/http.md (the table, → docs/PERFORMANCE.md).
"""

import argparse
import json
import os
import platform
import shutil
import statistics
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hall_http_bench")
# Throttles on, sized so that one load generator on 127.0.0.1 is never throttled (per address for
# visitors, per user for accounts); set for gunicorn, which inherits this environment.
THROTTLES = {"THROTTLE_ANON": "1000000/min", "THROTTLE_USER": "1000000/min"}
os.environ.update(THROTTLES)
BROKER_URL = "redis://127.0.0.1:6379/5"

from cases_data import ensure_demo, fill  # noqa: E402
from common import ROOT, setup_django  # noqa: E402
from http_load import WRK_LUA, free_port, median, session_cookie, start_gunicorn, stop_gunicorn, wrk_load  # noqa: E402

PREFIX = "HTTPB-"  # the cases prepared for the accept scenario
INSERT_TABLE = """CREATE TABLE IF NOT EXISTS bench_http_insert (
    id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), note text NOT NULL DEFAULT '')"""

BASELINES = {
    "hello": ("GET", "/bench/hello", "hello world (plain HttpResponse)"),
    "row": ("GET", "/bench/row/{row_pk}", "one row by PK (ORM, tiny JSON)"),
    "insert": ("POST", "/bench/insert", "single-row insert (in a transaction)"),
}


@dataclass
class Scenario:
    name: str
    label: str
    path: str  # formatted with the prepared facts (numbers, codes, dates)
    auth: str  # "anon", "token:<user>" or "session:<user>"
    baseline: str  # a key of BASELINES
    metric: str  # "p95": target p95 / baseline p95 (×); "rps": target req/s / baseline req/s (%)
    goal: float | None = None  # the goal: ratio ≤ goal (p95) or ≥ goal (rps)
    method: str = "GET"


SCENARIOS = [
    Scenario("staff_list", "API staff list p95 (clerk, first page)", "/api/v1/applications", "token:clerk",
             "row", "p95", 2.0),
    Scenario("workbench", "`/workbench/` p95 (clerk)", "/workbench/", "session:clerk", "row", "p95", 3.0),
    Scenario("catalog_list", "catalog list req/s (anonymous)", "/api/v1/catalog/items", "anon", "hello", "rps",
             0.5),
    Scenario("accept", "accept transition req/s (clerk, distinct submitted cases)",
             "/api/v1/applications/{number}/transitions/accept", "token:clerk", "insert", "rps", 0.25, "POST"),
    Scenario("applicant_list", "API applicant's own list p95 (first page)", "/api/v1/applications",
             "token:applicant", "row", "p95"),
    Scenario("case_detail", "API case detail p95 (applicant, own case)", "/api/v1/applications/{case_number}",
             "token:applicant", "row", "p95"),
    Scenario("item_detail", "API catalog item detail req/s (anonymous)", "/api/v1/catalog/items/{item_code}",
             "anon", "hello", "rps"),
    Scenario("my_cases", "`/my/cases/` p95 (applicant)", "/my/cases/", "session:applicant", "row", "p95"),
    Scenario("warnings", "API supervision warnings list p95 (supervisor)", "/api/v1/supervision/warnings",
             "token:supervisor", "row", "p95"),
    Scenario("dashboard", "`/supervision/` dashboard p95 (supervisor)", "/supervision/", "session:supervisor",
             "row", "p95"),
    Scenario("statistics_month", "API statistics of a month p95 (supervisor)",
             "/api/v1/supervision/statistics?from={month_from}&to={month_to}", "token:supervisor", "row", "p95"),
]  # fmt: skip


# --- preparation (in-process, the bench database) -------------------------------------------------------


def prepare_facts() -> dict:
    """The users' credentials and the numbers, codes and dates the scenarios' paths name."""
    from rest_framework.authtoken.models import Token

    from approvals.models import Application
    from catalog.models import Item
    from hall.models import User

    facts, auth = {}, {"anon": {}}
    for username in ("clerk", "applicant", "supervisor"):
        user = User.objects.get(username=username)
        token, _ = Token.objects.get_or_create(user=user)
        auth[f"token:{username}"] = {"Authorization": f"Token {token.key}"}
        auth[f"session:{username}"] = {"Cookie": session_cookie(user)}
    applicant = User.objects.get(username="applicant")
    facts["case_number"] = (
        Application.objects.filter(owner=applicant, number__startswith="BENCH-")
        .order_by("-created_at", "-id")
        .values_list("number", flat=True)[0]
    )
    facts["row_pk"] = Application.objects.filter(number="BENCH-00500000").values_list("pk", flat=True).first() or (
        Application.objects.order_by("pk").values_list("pk", flat=True).first()
    )
    facts["item_code"] = Item.objects.filter(status="published").order_by("code").values_list("code", flat=True)[0]
    first = date.today().replace(day=1)
    last_month_end = first - timedelta(days=1)
    facts["month_from"], facts["month_to"] = last_month_end.replace(day=1).isoformat(), last_month_end.isoformat()
    facts["number"] = "{number}"  # filled per request by the accept script
    return {"facts": facts, "auth": auth}


def ensure_warnings() -> int:
    """A scanned hall: the deadline warnings the warnings list and the dashboard show."""
    from django.db import connection

    from supervision.models import Warning

    if not Warning.objects.exists():
        started = time.monotonic()
        from supervision.scan import scan_deadlines

        scan_deadlines()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE supervision_warning")
        print(f"  deadline scan: {time.monotonic() - started:.0f} s", flush=True)
    return Warning.objects.filter(resolved_at__isnull=True).count()


def ensure_insert_table() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(INSERT_TABLE)
        cursor.execute("TRUNCATE bench_http_insert")


class AcceptCases:
    """Copies of one submitted case of the clerk's department that the clerk may accept now (checked
    by accepting it in a rolled-back transaction), numbered ``HTTPB-00000001`` …"""

    def __init__(self, clerk):
        from django.utils import timezone

        from approvals.models import Application
        from hall.selectors import departments_of

        self.clerk = clerk
        self.columns = [f.column for f in Application._meta.concrete_fields if not f.primary_key]
        candidates = Application.objects.filter(
            number__startswith="BENCH-", state="submitted", department__in=departments_of(clerk),
            accept_due__lt=timezone.now() - timedelta(days=2),
        ).order_by("id").values_list("pk", flat=True)[:20]  # fmt: skip
        self.template = next((pk for pk in candidates if self._acceptable(pk)), None)
        if self.template is None:
            raise SystemExit("accept: no submitted case of the clerk's department can be accepted")

    def _acceptable(self, pk: int) -> bool:
        from django.db import transaction

        from approvals.services import accept_application

        try:
            with transaction.atomic():
                accept_application(case_id=pk, by=self.clerk)
                transaction.set_rollback(True)
            return True
        except Exception as error:
            print(f"  accept template {pk} refused: {error!r:.200}", flush=True)
            return False

    def submitted(self) -> list[str]:
        from approvals.models import Application

        return list(
            Application.objects.filter(number__startswith=PREFIX, state="submitted")
            .order_by("id")
            .values_list("number", flat=True)
        )

    def ensure(self, count: int) -> list[str]:
        """At least ``count`` prepared cases in state submitted (a set-based copy of the template)."""
        from django.db import connection, transaction

        numbers = self.submitted()
        missing = count - len(numbers)
        if missing <= 0:
            return numbers
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT coalesce(max(substr(number, %s)::int), 0) FROM approvals_application WHERE number LIKE %s",
                [len(PREFIX) + 1, PREFIX + "%"],
            )
            (last,) = cursor.fetchone()
            values = ", ".join(f"'{PREFIX}' || lpad(g::text, 8, '0')" if c == "number" else f'a."{c}"'
                               for c in self.columns)  # fmt: skip
            columns = ", ".join(f'"{c}"' for c in self.columns)
            cursor.execute(
                f"INSERT INTO approvals_application ({columns}) SELECT {values} "
                "FROM approvals_application a, generate_series(%s, %s) AS g WHERE a.id = %s",
                [last + 1, last + missing, self.template],
            )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE approvals_application")
        return self.submitted()


# --- load ------------------------------------------------------------------------------------------------


def lua_script(workdir: Path, method: str, paths: list[str] | None, threads: int) -> Path:
    """A wrk script: a fixed request (GET, or POST with ``{}``), or one that walks ``paths`` (thread i
    takes paths i, i+T, …; once they run out it repeats the first, which answers non-2xx and counts)."""
    if paths is None:
        body = "" if method == "GET" else 'wrk.body = "{}"\n'
        head = f'wrk.method = "{method}"\n{body}'
    else:
        listing = workdir / "paths.txt"
        listing.write_text("\n".join(paths) + "\n")
        head = f"""
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
function init(args)
  paths = {{}}
  for line in io.lines("{listing}") do paths[#paths + 1] = line end
  index = id + 1
end
function request()
  local path = paths[index] or paths[1]
  index = index + {threads}
  return wrk.format("{method}", path, nil, "{{}}")
end
"""
    script = workdir / f"{method.lower()}{'_walk' if paths else ''}.lua"
    script.write_text(head + WRK_LUA)
    return script


def check(base: str, method: str, path: str, headers: dict) -> dict:
    """One request: its status, size and time; a non-2xx is fatal."""
    data = b"{}" if method == "POST" else None
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    elapsed = round((time.perf_counter() - start) * 1000, 1)
    if not 200 <= status < 300:
        raise SystemExit(f"{method} {path} answered {status}: {body[:500].decode(errors='replace')}")
    return {"status": status, "bytes": len(body), "ms": elapsed}


def drain(base: str, timeout: float = 300) -> float:
    """Wait until gunicorn is idle: when wrk stops, the requests its connections had sent are still
    queued (a sync worker serves them all), and would otherwise land on the next run. A request to
    ``/bench/hello`` waits behind them; two fast ones in a row mean the queue is empty."""
    started = time.monotonic()
    fast = 0
    while fast < 2 and time.monotonic() - started < timeout:
        begin = time.perf_counter()
        with urllib.request.urlopen(base + "/bench/hello", timeout=timeout) as response:
            response.read()
        fast = fast + 1 if time.perf_counter() - begin < 0.05 else 0
    return time.monotonic() - started


def count_queries(path: str, headers: dict) -> int | None:
    """The queries of one GET through the test client (after one warm-up request), for the record."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    extra = {}
    client = Client()
    if "Authorization" in headers:
        extra["HTTP_AUTHORIZATION"] = headers["Authorization"]
    if "Cookie" in headers:
        name, _, value = headers["Cookie"].partition("=")
        client.cookies[name] = value
    client.get(path, **extra)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, **extra)
    return len(ctx.captured_queries) if response.status_code == 200 else None


def run(args) -> dict:
    from hall.models import User

    prepared = prepare_facts()
    facts, auth = prepared["facts"], prepared["auth"]
    scenarios = [s for s in SCENARIOS if not args.only or s.name in args.only]
    accept = None
    if any(s.name == "accept" for s in scenarios):
        accept = AcceptCases(User.objects.get(username="clerk"))
    ensure_insert_table()
    info = {}
    for s in scenarios:
        queries = count_queries(s.path.format(**facts), auth[s.auth]) if s.method == "GET" else None
        info[s.name] = {"queries": queries}
    workdir = Path(tempfile.mkdtemp(prefix="bench-http-"))
    port = free_port()
    env = {**THROTTLES, "CELERY_BROKER_URL": BROKER_URL}
    server = start_gunicorn(port, workdir / "gunicorn.log", env=env)
    base = f"http://127.0.0.1:{port}"
    accept_rps = 100.0  # the last measured rate: cases for twice as many are prepared before each run

    def load(method: str, path: str, headers: dict, seconds: int, connections: int) -> dict:
        try:
            return _load(method, path, headers, seconds, connections)
        finally:
            drain(base)

    def _load(method: str, path: str, headers: dict, seconds: int, connections: int) -> dict:
        nonlocal accept_rps
        if "{number}" in path:
            numbers = accept.ensure(max(1000, int(2 * accept_rps * seconds)))
            paths = [path.format(number=n) for n in numbers]
            result = wrk_load(base + paths[0], headers, args.threads, connections, seconds,
                              lua_script(workdir, method, paths, args.threads))  # fmt: skip
            accept_rps = max(accept_rps, result["rps"])
            return result
        return wrk_load(base + path, headers, args.threads, connections, seconds,
                        lua_script(workdir, method, None, args.threads))  # fmt: skip

    def request_headers(s: Scenario) -> dict:
        headers = dict(auth[s.auth])
        if s.method == "POST":
            headers["Content-Type"] = "application/json"
        return headers

    rounds = {s.name: [] for s in scenarios}
    try:
        for s in scenarios:  # every target and baseline answers 2xx; then warm both workers
            method, base_path, _ = BASELINES[s.baseline]
            path = s.path.format(**facts)
            if "{number}" in path:
                path = path.format(number=accept.ensure(1)[0])
            info[s.name].update(check=check(base, s.method, path, request_headers(s)), url=s.path.format(**facts))
            check(base, method, base_path.format(**facts), request_headers(s))
            print(f"  {s.name} {path}: {info[s.name]['check']}", flush=True)
        for s in scenarios:
            method, base_path, _ = BASELINES[s.baseline]
            load(method, base_path.format(**facts), request_headers(s), 2, 4)
            load(s.method, s.path.format(**facts), request_headers(s), 2, 4)
        for r in range(args.rounds):
            for s in scenarios:  # baseline, target, baseline, target …
                method, base_path, _ = BASELINES[s.baseline]
                headers = request_headers(s)
                pair = {
                    "baseline": load(method, base_path.format(**facts), headers, args.seconds, args.connections),
                    "target": load(s.method, s.path.format(**facts), headers, args.seconds, args.connections),
                }
                rounds[s.name].append(pair)
                t, b = pair["target"], pair["baseline"]
                bad = t["non_2xx"] + t["errors"] + b["non_2xx"] + b["errors"]
                print(f"  round {r + 1} {s.name}: target p50 {t['p50_ms']} p95 {t['p95_ms']} ms {t['rps']}/s; "
                      f"{s.baseline} p50 {b['p50_ms']} p95 {b['p95_ms']} ms {b['rps']}/s"
                      + (f"; NON-2XX/ERRORS {bad}" if bad else ""), flush=True)  # fmt: skip
    finally:
        stop_gunicorn(server)
        log = (workdir / "gunicorn.log").read_text()
        shutil.rmtree(workdir, ignore_errors=True)
        empty_broker()
    results = {}
    for s in scenarios:
        results[s.name] = summarise(s, rounds[s.name], info[s.name])
    return {"scenarios": results, "gunicorn_log_tail": log[-2000:]}


def empty_broker() -> None:
    """The doorbells rung into the bench's broker database (no worker runs): dropped."""
    import redis

    client = redis.Redis.from_url(BROKER_URL)
    for key in client.scan_iter("*"):
        client.delete(key)


def summarise(s: Scenario, pairs: list[dict], info: dict) -> dict:
    if any(not p[k]["requests"] for p in pairs for k in ("baseline", "target")):
        raise SystemExit(f"{s.name}: a run without a single answer: {pairs}")
    if s.metric == "p95":
        ratios = [p["target"]["p95_ms"] / p["baseline"]["p95_ms"] for p in pairs]
    else:
        ratios = [p["target"]["rps"] / p["baseline"]["rps"] for p in pairs]
    row = {"label": s.label, "baseline": BASELINES[s.baseline][2], "metric": s.metric, **info}
    for kind in ("baseline", "target"):
        for key in ("p50_ms", "p95_ms", "rps"):
            row[f"{kind}_{key}"] = median(p[kind][key] for p in pairs)
    row["ratio"] = round(statistics.median(ratios), 3)
    row["ratio_min"], row["ratio_max"] = round(min(ratios), 3), round(max(ratios), 3)
    row["goal"] = s.goal
    if s.goal is not None:
        row["met"] = row["ratio"] <= s.goal if s.metric == "p95" else row["ratio"] >= s.goal
    row["non_2xx"] = sum(p[k]["non_2xx"] for p in pairs for k in ("baseline", "target"))
    row["errors"] = sum(p[k]["errors"] for p in pairs for k in ("baseline", "target"))
    row["rounds"] = pairs
    return row


# --- report ------------------------------------------------------------------------------------------------


def ratio_text(row: dict) -> str:
    if row["metric"] == "p95":
        return f"{row['ratio']:.1f}× ({row['ratio_min']:.1f}–{row['ratio_max']:.1f})"
    return f"{row['ratio'] * 100:.1f} % ({row['ratio_min'] * 100:.1f}–{row['ratio_max'] * 100:.1f})"


def goal_text(row: dict) -> str:
    if row["goal"] is None:
        return "—"
    goal = f"≤ {row['goal']:g}×" if row["metric"] == "p95" else f"≥ {row['goal'] * 100:g} %"
    return f"{goal} ({'met' if row['met'] else '**missed**'})"


def markdown(results: dict) -> str:
    lines = [
        f"{results['date']} · {results['cases']:,} cases · PostgreSQL {results['postgresql']} · {results['cpus']} CPUs,"
        f" load average {results['load_before']} before, {results['load_after']} after",
        "",
        f"Server: {results['server']}. Load: {results['load']}, {results['rounds']} rounds, baseline and target "
        f"alternating; medians over the rounds, ratio spread min–max. Throttles on, sized: {results['throttles']}.",
        "",
        "| scenario | baseline | baseline p50 / p95 ms, req/s | target p50 / p95 ms, req/s | queries | ratio "
        "(spread) | goal |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in results["scenarios"].values():
        cells = [
            f"{row['label']} `{row['url']}`",
            row["baseline"],
            f"{row['baseline_p50_ms']} / {row['baseline_p95_ms']}, {row['baseline_rps']:,.0f}/s",
            f"{row['target_p50_ms']} / {row['target_p95_ms']}, {row['target_rps']:,.0f}/s",
            "" if row.get("queries") is None else row["queries"],
            ("p95 " if row["metric"] == "p95" else "req/s ") + ratio_text(row),
            goal_text(row),
        ]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of (baseline, target) per scenario")
    parser.add_argument("--seconds", type=int, default=10, help="wrk -d per run")
    parser.add_argument("--threads", type=int, default=2, help="wrk -t")
    parser.add_argument("--connections", type=int, default=16, help="wrk -c")
    parser.add_argument("--only", nargs="+", choices=[s.name for s in SCENARIOS], help="these scenarios only")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    setup_django()  # from the repository's root: see there
    ensure_demo()
    fill(args.cases)
    from django.db import connection

    from approvals.models import Application

    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version')")
        (version,) = cursor.fetchone()
    results = {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "cases": Application.objects.count(),
        "postgresql": version,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_before": ", ".join(f"{x:.1f}" for x in os.getloadavg()),
        "server": "gunicorn hall.wsgi, sync, 2 workers, DEBUG off, HTTP on loopback (bench/http_settings.py, "
        "bench/http_urls.py)",
        "load": f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s",
        "rounds": args.rounds,
        "throttles": ", ".join(f"{k}={v}" for k, v in THROTTLES.items()),
        "broker": BROKER_URL,
    }
    if not args.only or {"warnings", "dashboard"} & set(args.only):
        results["open_warnings"] = ensure_warnings()
    outcome = run(args)
    results.update(outcome)
    results["load_after"] = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    results["seconds"] = round(time.monotonic() - started)
    path = ROOT / "bench" / "results"
    (path / "http.json").write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str))
    table = markdown(results)
    (path / "http.md").write_text(table)
    print(table)
    failed = [name for name, row in results["scenarios"].items() if row["non_2xx"] or row["errors"]]
    if failed:
        raise SystemExit(f"non-2xx answers or socket errors under load: {', '.join(failed)} (bench/results/http.json)")
