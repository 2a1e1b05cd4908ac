"""Scale-out over HTTP (issue 22, point 5): what a second gunicorn instance on the same PostgreSQL and
Redis adds, on the bench database of ``bench/http.py`` (1,000,000 cases).

Two scenarios of ``bench/http_bench.py`` — the API staff list (clerk, token) and the catalog list
(anonymous). For each, rounds of ``one`` then ``two``: ``one`` is one gunicorn instance (sync, 2 workers,
the same settings as ``bench/http.py``) loaded by two wrk processes at once (``-t1 -c8`` each, the main
bench's 16 connections); ``two`` is two such instances on two ports, the same two wrk processes, one
on each. Both instances run throughout (the idle one costs memory, no CPU). Reported per run: the
req/s of each wrk and their sum, each one's p50/p95, the machine's CPU busy share over the run
(``/proc/stat``) and where the CPU went (the gunicorn instances, PostgreSQL, Redis, wrk, the rest —
``/proc/<pid>/stat``), the load average; per scenario the median of two ÷ one with its spread.

    .venv/bin/python bench/http_scaleout.py [--rounds 3] [--seconds 10] [--only staff_list catalog_list]

Writes bench/results/http_scaleout.json and prints a table (docs/PERFORMANCE.md, "Sizing").
"""

import os
import sys

if __name__ == "__main__":
    sys.path.append(sys.path.pop(0))  # bench/ last: the standard library's http first (see bench/http.py)
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hall_http_bench")  # before common

import argparse
import json
import resource
import shutil
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from cases_data import ensure_demo, fill
from common import ROOT, setup_django
from http_bench import BROKER_URL, SCENARIOS, THROTTLES, drain, empty_broker, lua_script, prepare_facts
from http_load import free_port, median, start_gunicorn, stop_gunicorn, wrk_load

NAMES = ("staff_list", "catalog_list")
TICK = os.sysconf("SC_CLK_TCK")


def machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot (``/proc/stat``; idle and iowait are not busy)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    total = sum(fields[:8])  # user nice system idle iowait irq softirq steal (guest is inside user)
    return total - fields[3] - fields[4], total


def process_ticks() -> dict[int, tuple[str, int, int]]:
    """pid → (command name, parent pid, utime + stime jiffies) of every process."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "stat").read_text()
        except OSError:
            continue
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        rest = raw[raw.rindex(")") + 2 :].split()
        out[int(entry.name)] = (name, int(rest[1]), int(rest[11]) + int(rest[12]))
    return out


def group_of(pid: int, table: dict, arbiters: dict[int, str]) -> str:
    name, parent, _ = table[pid]
    if pid in arbiters:
        return arbiters[pid]
    if parent in arbiters:
        return arbiters[parent]
    if name.startswith("postgres"):
        # a backend names its database in its title: the bench's, or another's (someone else's load)
        try:
            title = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            title = ""
        database = os.environ["DATABASE_URL"].rsplit("/", 1)[1]
        if "127.0.0.1(" in title or "[local]" in title:
            return "postgresql" if f" {database} " in title else "other"
        return "postgresql"
    if name.startswith("redis"):
        return "redis"
    if name == "wrk":
        return "wrk"
    return "other"


def children_seconds() -> float:
    """CPU seconds of this process's reaped children: the wrk runs (gunicorn is reaped only at the end)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_split(before: dict, after: dict, arbiters: dict[int, str], seconds: float, busy: float, wrk: float) -> dict:
    """CPU used per group over the run, in cores (1.0 = one CPU busy the whole run): the gunicorn
    instances (arbiter and workers), PostgreSQL (the bench database's backends and the server's own
    processes) and Redis, wrk (reaped children), and the rest of the machine's busy time (other
    processes and databases, the kernel's loopback networking, processes that came and went)."""
    used: dict[str, float] = {"wrk": wrk / seconds}
    for pid, (name, _, ticks) in after.items():
        spent = ticks - (before[pid][2] if pid in before and before[pid][0] == name else 0)
        group = group_of(pid, after, arbiters)
        if spent > 0 and group != "other" and group != "wrk":
            used[group] = used.get(group, 0.0) + spent / TICK / seconds
    used["rest"] = max(0.0, busy - sum(used.values()))
    return {k: round(v, 2) for k, v in used.items()}


def measure(targets: list[str], headers: dict, script: Path, seconds: int, arbiters: dict[int, str]) -> dict:
    """Two wrk processes at once (``-t1 -c8``), one per URL of ``targets``; the CPU over the run."""
    busy0, total0 = machine_ticks()
    procs0, wrk0, started = process_ticks(), children_seconds(), time.monotonic()
    with ThreadPoolExecutor(len(targets)) as pool:
        runs = list(pool.map(lambda url: wrk_load(url, headers, 1, 8, seconds, script), targets))
    elapsed = time.monotonic() - started
    busy1, total1 = machine_ticks()
    busy = (busy1 - busy0) / TICK / elapsed  # cores
    cpu = cpu_split(procs0, process_ticks(), arbiters, elapsed, busy, children_seconds() - wrk0)
    return {
        "rps": round(sum(r["rps"] for r in runs), 1),
        "p50_ms": max(r["p50_ms"] for r in runs),
        "p95_ms": max(r["p95_ms"] for r in runs),
        "non_2xx": sum(r["non_2xx"] for r in runs),
        "errors": sum(r["errors"] for r in runs),
        "wrk": runs,
        "cpu_busy": round((busy1 - busy0) / max(1, total1 - total0), 3),
        "cpu_cores": cpu,
        "load": ", ".join(f"{x:.1f}" for x in os.getloadavg()),
    }


def markdown(results: dict) -> str:
    lines = [
        f"{results['date']} · {results['cases']:,} cases · {results['cpus']} CPUs · {results['load']}, "
        f"{results['rounds']} rounds · load average {results['load_before']} before, {results['load_after']} after",
        "",
        "| scenario | instances | req/s, median run (each wrk) | p50 / p95 ms | CPU busy | CPU by process (cores), "
        "median run | two ÷ one |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in results["scenarios"].values():
        for kind in ("one", "two"):
            runs = row[kind]
            middle = sorted(runs, key=lambda r: r["rps"])[len(runs) // 2]  # the median run: its parts and CPU
            each = " + ".join(f"{r['rps']:,.0f}" for r in middle["wrk"])
            cpu = ", ".join(f"{k} {v:.2f}" for k, v in middle["cpu_cores"].items() if v >= 0.05)
            ratio = f"{row['ratio']:.2f} ({row['ratio_min']:.2f}–{row['ratio_max']:.2f})" if kind == "two" else ""
            lines.append(
                f"| {row['label']} | {1 if kind == 'one' else 2} × 2 workers | "
                f"{middle['rps']:,.0f} ({each}) | {median(r['p50_ms'] for r in runs)} / "
                f"{median(r['p95_ms'] for r in runs)} | {median(r['cpu_busy'] for r in runs) * 100:.0f} % | {cpu} "
                f"| {ratio} |"
            )
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10, help="wrk -d per run")
    parser.add_argument("--only", nargs="+", choices=NAMES, help="these scenarios only")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    setup_django()
    ensure_demo()
    fill(args.cases)
    from approvals.models import Application

    prepared = prepare_facts()
    facts, auth = prepared["facts"], prepared["auth"]
    scenarios = [s for s in SCENARIOS if s.name in (args.only or NAMES)]
    results = {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "cases": Application.objects.count(),
        "cpus": os.cpu_count(),
        "load_before": ", ".join(f"{x:.1f}" for x in os.getloadavg()),
        "server": "gunicorn hall.wsgi, sync, 2 workers per instance, DEBUG off (bench/http_settings.py); "
        "one or two instances on the same PostgreSQL and Redis",
        "load": f"two wrk processes at once, -t1 -c8 -d{args.seconds}s each",
        "rounds": args.rounds,
        "throttles": ", ".join(f"{k}={v}" for k, v in THROTTLES.items()),
    }
    workdir = Path(tempfile.mkdtemp(prefix="bench-scaleout-"))
    env = {**THROTTLES, "CELERY_BROKER_URL": BROKER_URL}
    ports = [free_port(), free_port()]
    servers = []
    rows = {}
    try:
        for n, port in enumerate(ports):
            servers.append(start_gunicorn(port, workdir / f"gunicorn{n}.log", env=env))
        arbiters = {server.pid: f"gunicorn {'AB'[n]}" for n, server in enumerate(servers)}
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        for s in scenarios:
            path = s.path.format(**facts)
            script = lua_script(workdir, "GET", None, 1)
            row = rows[s.name] = {"label": s.label, "url": path, "one": [], "two": []}
            for base in bases:  # warm both instances' workers
                wrk_load(base + path, auth[s.auth], 2, 4, 2, script)
                drain(base)
            for r in range(args.rounds):
                for kind, targets in (("one", [bases[0], bases[0]]), ("two", bases)):
                    run = measure([t + path for t in targets], auth[s.auth], script, args.seconds, arbiters)
                    for base in bases:
                        drain(base)
                    row[kind].append(run)
                    print(f"  round {r + 1} {s.name} {kind}: {run['rps']}/s "
                          f"({' + '.join(str(w['rps']) for w in run['wrk'])}), p95 {run['p95_ms']} ms, "
                          f"CPU busy {run['cpu_busy'] * 100:.0f} % {run['cpu_cores']}", flush=True)  # fmt: skip
            ratios = [two["rps"] / one["rps"] for one, two in zip(row["one"], row["two"], strict=True)]
            row["ratio"] = round(statistics.median(ratios), 3)
            row["ratio_min"], row["ratio_max"] = round(min(ratios), 3), round(max(ratios), 3)
            row["non_2xx"] = sum(run["non_2xx"] + run["errors"] for kind in ("one", "two") for run in row[kind])
    finally:
        for server in servers:
            stop_gunicorn(server)
        shutil.rmtree(workdir, ignore_errors=True)
        empty_broker()
    results["scenarios"] = rows
    results["load_after"] = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    (ROOT / "bench" / "results" / "http_scaleout.json").write_text(json.dumps(results, ensure_ascii=False, indent=2))
    print(markdown(results))
    if any(row["non_2xx"] for row in rows.values()):
        raise SystemExit("non-2xx answers or socket errors under load (bench/results/http_scaleout.json)")


if __name__ == "__main__":
    main()
