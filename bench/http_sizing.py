"""Sizing on paper from the measured figures (issue 22, point 5): a district, a city and a province —
peak requests per second, web processes, document workers, PostgreSQL after five years — printed from
the results of the benches, so that it is redone whenever they change (docs/PERFORMANCE.md, "Sizing").

    .venv/bin/python bench/http_sizing.py              # the sizing, from bench/results/*.json
    .venv/bin/python bench/http_sizing.py --measure    # first measure the storage per case (a few minutes)

Inputs: ``bench/results/http.json`` (``bench/http.py``: the service time of a request of each scenario
≈ gunicorn workers ÷ req/s, as the workers were saturated), ``bench/results/document_memory.json``
(seconds per rendered document), ``bench/results/http_scaleout.json`` (``bench/http_scaleout.py``) and
``bench/results/sizing_storage.json`` (``--measure``). The assumptions are ``ASSUMPTIONS`` and ``MIX``
below, each with its reason; change one and run again.

``--measure`` measures the bytes a case costs in PostgreSQL, indexes and TOAST included
(``pg_total_relation_size`` ÷ rows):

- the case row itself and the deadline warnings in the bench database of ``bench/http.py``
  (``hall_http_bench``, 1,000,000 cases; its deadline scan is run first if it has no warnings);
- every other table from real lives of cases in a scratch database (``hall_http_sizing``, created,
  seeded with the demo and dropped): cases filed, materials uploaded, submitted, accepted, reviewed,
  decided and delivered through the services, every other one of a fee-charging item assessed and paid
  by a signed platform notification — the growth of each table between the first ``--warmup`` lives and
  the next ``--lives`` ÷ their number (no empty-table overhead): rows per case, bytes per row.
"""

import os
import sys

if __name__ == "__main__":
    sys.path.append(sys.path.pop(0))  # bench/ last: the standard library's http first (see bench/http.py)

import argparse
import json
import math
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
# The bench database of bench/http.py (DATABASE_URL, as there) and a scratch one on the same server.
SERVER, BENCH_DB = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hall_http_bench").rsplit("/", 1)
SCRATCH_DB = "hall_http_sizing"

POPULATIONS = {"district": 500_000, "city": 5_000_000, "province": 50_000_000}

ASSUMPTIONS = {
    # The issue's district: ~160,000 cases a year for 500,000 inhabitants (the seeds' Baoshan hall handled
    # 83,319 in half a year, 706 visitors a day): 0.32 cases per inhabitant and year, scaled linearly.
    "cases_per_inhabitant_year": 160_000 / 500_000,
    "working_days": 250,
    # Requests a case causes over its life, everything included: the applicant's and agent's pages and API
    # calls (filing, uploads, progress lookups), the staff's (queue, case pages, transitions), the public
    # guide read before and around it, the platform's callback, supervision. An assumption (no traffic
    # log yet): 40 applicant + 30 public guide + 45 staff + 5 machines and supervision.
    "requests_per_case": 120,
    # The day's requests arrive within the hall's opening hours (online filing in the evening is spread
    # over them: conservative) …
    "busy_hours": 9,
    # … and the peak minute carries 4× the average of those hours (a morning peak of ~2× and a Monday or
    # first day after a holiday of ~2× the average day).
    "peak_factor": 4.0,
    # Open Zaak (the Dutch case API) sizes its servers for 235 requests/s per million inhabitants: every
    # municipal system's API traffic; here the upper bound, about 12× the hall's own model.
    "open_zaak_rps_per_million": 235,
    # A sync gunicorn worker serves one request at a time: run them at most 60 % busy at the peak so
    # that requests rarely queue (M/M/c with c ≥ 4 waits little below ~0.6).
    "utilisation": 0.6,
    "gunicorn_workers_measured": 2,  # bench/http.py: one instance, 2 sync workers
    # Documents rendered per case in the Celery worker: acceptance notice, decision, licence, receipt
    # (fee cases; payment notice too): four on average.
    "documents_per_case": 4,
    "years": 5,
    "outbox_retention_days": 30,  # OUTBOX_RETENTION_DAYS: done outbox rows are purged after it
    # Uploaded materials and rendered PDFs are files (MEDIA_ROOT or object storage), not PostgreSQL rows:
    # an assumption per case for the storage next to the database (scans of an ID card, a licence …).
    "files_mb_per_case": 2.0,
}

# Shares of the peak's requests, by the measured scenario whose cost they have (bench/http.py's names).
# Writes (filing, uploads, every transition) are priced as the accept transition; the supervision pages
# are few but dear.
MIX = {
    "catalog_list": 0.15,  # the public guide: lists …
    "item_detail": 0.15,  # … and items (kiosks, phones in the queue)
    "my_cases": 0.10,  # applicants following their cases
    "applicant_list": 0.05,
    "case_detail": 0.10,
    "workbench": 0.20,  # clerks' queue, refreshed between visitors
    "staff_list": 0.10,  # the staff API (window terminals, the hall's own clients)
    "accept": 0.10,  # every POST: filing, uploads, transitions
    "payment_callback": 0.01,
    "warnings": 0.03,
    "dashboard": 0.009,
    "statistics_month": 0.001,
}


def load(name: str) -> dict | None:
    path = RESULTS / name
    return json.loads(path.read_text()) if path.exists() else None


# --- the arithmetic ---------------------------------------------------------------------------------------


def service_ms(http: dict, workers: int) -> dict[str, float]:
    """Milliseconds of one gunicorn worker per request of each scenario: workers ÷ req/s under saturation."""
    return {name: 1000 * workers / row["target_rps"] for name, row in http["scenarios"].items()}


def mean_service_ms(costs: dict[str, float], mix: dict[str, float]) -> tuple[float, list[str]]:
    """The mix's mean cost per request; scenarios missing from the results leave out their share (the
    others are scaled up to fill it) and are named."""
    missing = [name for name in mix if name not in costs]
    shares = {name: share for name, share in mix.items() if name in costs}
    total = sum(shares.values())
    return sum(costs[name] * share / total for name, share in shares.items()), missing


def peak_rps(population: int, a: dict) -> dict[str, float]:
    cases_day = population * a["cases_per_inhabitant_year"] / a["working_days"]
    hall = cases_day * a["requests_per_case"] / (a["busy_hours"] * 3600) * a["peak_factor"]
    return {"cases_day": cases_day, "hall": hall, "open_zaak": population / 1e6 * a["open_zaak_rps_per_million"]}


def cpu_ms(scaleout: dict | None, group: str) -> float | None:
    """CPU milliseconds per request of ``group`` ("postgresql", "redis"): its processes' CPU ÷ req/s in the
    one-instance runs of the scale-out bench, the median run of each scenario, the dearest scenario."""
    if not scaleout:
        return None
    costs = []
    for row in scaleout["scenarios"].values():
        runs = sorted(row["one"], key=lambda r: r["rps"])
        middle = runs[len(runs) // 2]
        costs.append(1000 * middle["cpu_cores"].get(group, 0) / middle["rps"])
    return max(costs)


def processes(rps: float, ms: float, utilisation: float, minimum: int = 2) -> int:
    """Sync workers for ``rps`` at ``ms`` each, ``utilisation`` busy; never fewer than two (one may fail)."""
    return max(minimum, math.ceil(rps * ms / 1000 / utilisation))


def database_gb(population: int, storage: dict, a: dict) -> dict[str, float]:
    """PostgreSQL after ``years``: the bytes per case of every table times the cases of those years (the
    outbox only for its retention), indexes and TOAST included, no bloat."""
    cases_year = population * a["cases_per_inhabitant_year"]
    kept = {"hall_outboxmessage": a["outbox_retention_days"] / 365 / a["years"]}  # share of the cases kept
    total = 0.0
    for table, row in per_case(storage).items():
        total += row["bytes_per_case"] * cases_year * a["years"] * kept.get(table, 1.0)
    return {"cases": cases_year * a["years"], "gb": total / 1e9,
            "files_tb": cases_year * a["years"] * a["files_mb_per_case"] / 1e6}  # fmt: skip


def per_case(storage: dict) -> dict[str, dict]:
    """Bytes per case of each table: the case and warnings rows from the bench database, everything else
    from the lives of cases (``--measure``)."""
    rows = {t: r for t, r in storage["lifecycle"]["tables"].items() if t not in storage["bench"]["tables"]}
    rows.update(storage["bench"]["tables"])
    return dict(sorted(rows.items(), key=lambda item: -item[1]["bytes_per_case"]))


def sizing(a: dict = ASSUMPTIONS, mix: dict = MIX) -> str:
    http, documents = load("http.json"), load("document_memory.json")
    storage, scaleout = load("sizing_storage.json"), load("http_scaleout.json")
    if http is None:
        raise SystemExit("no bench/results/http.json: run bench/http.py first")
    workers = a["gunicorn_workers_measured"]
    costs = service_ms(http, workers)
    mean, missing = mean_service_ms(costs, mix)
    out = [f"From bench/results/http.json of {http['date']} ({http['cases']:,} cases, {http['load']}, "
           f"{workers} workers): ms per request = {workers} × 1000 ÷ req/s.", ""]  # fmt: skip
    out += ["| scenario | req/s | ms per request | share of the peak | ms × share |", "|---|---|---|---|---|"]
    for name, ms in sorted(costs.items(), key=lambda item: -mix.get(item[0], 0)):
        share = mix.get(name)
        out.append(f"| {name} | {http['scenarios'][name]['target_rps']:,.1f} | {ms:.1f} | "
                   + (f"{share:.1%} | {ms * share:.2f} |" if share else "— | — |"))  # fmt: skip
    out.append(f"| **mix** | | **{mean:.1f}** | | |")
    if missing:
        out.append(f"\nNot in these results: {', '.join(missing)} (its share is spread over the others).")
    render_s = documents["shared"]["seconds"] / documents["renders"] if documents else 0.35
    pg_ms, redis_ms = cpu_ms(scaleout, "postgresql"), cpu_ms(scaleout, "redis")
    out += ["", f"Documents: {render_s:.2f} s per render (bench/results/document_memory.json, one font "
            f"configuration per thread), {a['documents_per_case']} per case."]  # fmt: skip
    if pg_ms:
        out.append(f"PostgreSQL: {pg_ms:.1f} ms of its CPU per request, Redis {redis_ms:.2f} ms (one thread) — "
                   "bench/results/http_scaleout.json: their processes' CPU ÷ req/s, the dearer of its two "
                   "scenarios, both reads.")  # fmt: skip
    out += ["", "| | inhabitants | cases / year | cases / working day | peak req/s, hall model (writes) | "
            "peak req/s, Open Zaak (writes) |", "|---|---|---|---|---|---|"]  # fmt: skip
    peaks = {name: peak_rps(population, a) for name, population in POPULATIONS.items()}
    writes = mix.get("accept", 0) / sum(mix.values())
    for name, peak in peaks.items():
        out.append(
            f"| {name} | {POPULATIONS[name]:,} | {POPULATIONS[name] * a['cases_per_inhabitant_year']:,.0f} | "
            f"{peak['cases_day']:,.0f} | {peak['hall']:,.1f} ({peak['hall'] * writes:,.1f}) | "
            f"{peak['open_zaak']:,.0f} ({peak['open_zaak'] * writes:,.0f}) |"
        )
    out += ["", "| | web processes, hall model / Open Zaak | document workers | PostgreSQL cores, hall model / "
            "Open Zaak | Redis cores, hall model / Open Zaak |", "|---|---|---|---|---|"]  # fmt: skip
    for name, peak in peaks.items():
        docs_per_s = peak["cases_day"] / (a["busy_hours"] * 3600) * a["peak_factor"] * a["documents_per_case"]
        rates = (peak["hall"], peak["open_zaak"])
        pg = " / ".join(f"{rps * pg_ms / 1000:,.1f}" for rps in rates) if pg_ms else "—"
        redis = " / ".join(f"{rps * redis_ms / 1000:,.2f}" for rps in rates) if redis_ms else "—"
        out.append(
            f"| {name} | {processes(peak['hall'], mean, a['utilisation'])} / "
            f"{processes(peak['open_zaak'], mean, a['utilisation'])} | "
            f"{processes(docs_per_s, render_s * 1000, a['utilisation'])} | {pg} | {redis} |"
        )
    if storage:
        out += ["", f"PostgreSQL per case (bench/results/sizing_storage.json of {storage['date']}):", "",
                "| table | rows per case | bytes per row | bytes per case | source |",
                "|---|---|---|---|---|"]  # fmt: skip
        tables = per_case(storage)
        for table, row in tables.items():
            if row["bytes_per_case"] >= 20:
                kept = f"; done rows kept {a['outbox_retention_days']} days" if table == "hall_outboxmessage" else ""
                out.append(f"| {table} | {row['rows_per_case']:.2f} | {row['bytes_per_row']:,.0f} | "
                           f"{row['bytes_per_case']:,.0f} | {row['source']}{kept} |")  # fmt: skip
        small = [row["bytes_per_case"] for row in tables.values() if row["bytes_per_case"] < 20]
        total = sum(row["bytes_per_case"] for row in tables.values())
        out.append(f"| {len(small)} more tables | | | {sum(small):,.0f} | |")
        out.append(f"| **total over a case's life** | | | **{total:,.0f}** | |")
        kept = total - tables.get("hall_outboxmessage", {}).get("bytes_per_case", 0)
        out.append(f"| **kept** (done outbox rows purged) | | | **{kept:,.0f}** | |")
        out += ["", f"| | cases in {a['years']} years | PostgreSQL (no bloat) | files ({a['files_mb_per_case']} MB "
                "per case, assumed) |", "|---|---|---|---|"]  # fmt: skip
        for name, population in POPULATIONS.items():
            db = database_gb(population, storage, a)
            out.append(f"| {name} | {db['cases']:,.0f} | {db['gb']:,.1f} GB | {db['files_tb']:,.1f} TB |")
    if scaleout:
        out += ["", f"Scale-out (bench/results/http_scaleout.json of {scaleout['date']}, {scaleout['load']}):", ""]
        for name, row in scaleout["scenarios"].items():
            one = sorted(r["rps"] for r in row["one"])[len(row["one"]) // 2]
            two = sorted(r["rps"] for r in row["two"])[len(row["two"]) // 2]
            spread = f"{row['ratio_min']:.2f}–{row['ratio_max']:.2f}×"
            out.append(f"- {name}: one instance {one:,.0f} req/s, two {two:,.0f} req/s — the second adds "
                       f"{(row['ratio'] - 1) * 100:+.0f} % ({spread})")  # fmt: skip
    return "\n".join(out) + "\n"


# --- the storage per case (--measure) ---------------------------------------------------------------------


def table_sizes(cursor) -> dict[str, tuple[int, int]]:
    """table → (rows, bytes with indexes and TOAST) of every ordinary table of the public schema."""
    cursor.execute("SELECT relname, pg_total_relation_size(oid) FROM pg_class "
                   "WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace")  # fmt: skip
    sizes = dict(cursor.fetchall())
    out = {}
    for table, size in sizes.items():
        cursor.execute(f'SELECT count(*) FROM "{table}"')
        out[table] = (cursor.fetchone()[0], size)
    return out


def measure_bench() -> dict:
    """The case row and the deadline warnings at 1,000,000 cases (the bench database of bench/http.py)."""
    from common import setup_django
    from django.db import connection

    setup_django()
    from http_bench import ensure_warnings

    ensure_warnings()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM approvals_application")
        (cases,) = cursor.fetchone()
        tables = {}
        for table in ("approvals_application", "supervision_warning"):
            cursor.execute(f"SELECT count(*), pg_total_relation_size('{table}') FROM {table}")
            rows, size = cursor.fetchone()
            tables[table] = {"rows": rows, "bytes": size, "rows_per_case": rows / cases, "bytes_per_row": size / rows,
                             "bytes_per_case": size / cases, "source": f"{BENCH_DB}, {cases:,} cases"}  # fmt: skip
    return {"cases": cases, "tables": tables}


def measure_lifecycle(warmup: int, lives: int) -> dict:
    """Lives of cases in a scratch database: the growth of each table over ``lives`` cases after ``warmup``."""
    from datetime import timedelta

    from cases_data import ensure_demo
    from common import setup_django
    from django.db import connection
    from django.utils import timezone

    setup_django()
    ensure_demo()
    from fees import callbacks
    from fees import services as fees_services
    from tests.approvals.helpers import act, demo_people, file_case

    people = demo_people()

    def live(n: int) -> None:
        fee = n % 2 == 1
        case = file_case(people.applicant, code="ZRZYJ-QR-0001" if fee else "ZRZYJ-XK-0005")
        for action in ("submit", "accept", "start_review"):
            case = act(action, case, people, ip="203.0.113.7")
        if fee:
            standard = case.item_version.fees.order_by("position", "id").first()
            lines = [{"standard_id": standard.pk}]
            assessment = fees_services.assess_fees(case_id=case.pk, by=people.clerk, lines=lines)
            body = json.dumps({"payment_code": assessment.payment_code, "amount_fen": assessment.due_fen,
                               "transaction_id": f"SIZING{n:08d}",
                               "paid_at": (timezone.now() - timedelta(seconds=1)).isoformat()}).encode()  # fmt: skip
            callbacks.receive(gateway="simulator", body=body, signature=fees_services.sign(body), ip="203.0.113.9")
        for action in ("recommend", "approve", "deliver"):
            case = act(action, case, people, ip="203.0.113.7")

    started = time.monotonic()
    for n in range(warmup):
        live(n)
    with connection.cursor() as cursor:
        before = table_sizes(cursor)
    for n in range(warmup, warmup + lives):
        live(n)
    with connection.cursor() as cursor:
        after = table_sizes(cursor)
    tables = {}
    for table, (rows, size) in after.items():
        grown, added = rows - before[table][0], size - before[table][1]
        if grown > 0 and table != "approvals_application":  # the case row: from the bench database
            tables[table] = {"rows_per_case": grown / lives, "bytes_per_row": max(0, added) / grown,
                             "bytes_per_case": max(0, added) / lives,
                             "source": f"{lives} lives after {warmup}"}  # fmt: skip
    seconds = time.monotonic() - started
    print(f"  {warmup + lives} lives in {seconds:.0f} s", flush=True)
    return {"warmup": warmup, "lives": lives, "seconds": round(seconds), "tables": tables,
            "kinds": "every other case of ZRZYJ-QR-0001 (fee: assessed, paid by a signed callback), the others "
                     "ZRZYJ-XK-0005; filed with its required materials, submitted, accepted, reviewed, "
                     "recommended, approved, delivered at the window"}  # fmt: skip


def phase(name: str, database: str, *args: str) -> dict:
    """One measurement in a child process whose Django uses ``database``."""
    env = dict(os.environ, DATABASE_URL=f"{SERVER}/{database}", SIZING_PHASE=name)
    env.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/5")  # the bench's broker database
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        env["SIZING_OUT"] = out.name
        subprocess.run([sys.executable, __file__, "--phase", name, *args], env=env, check=True)
        return json.loads(Path(out.name).read_text())


def drop_scratch() -> None:
    import psycopg2

    admin = psycopg2.connect(f"{SERVER}/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{SCRATCH_DB}" WITH (FORCE)')
    admin.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--measure", action="store_true", help="measure the storage per case first")
    parser.add_argument("--warmup", type=int, default=100, help="lives of cases before the measured ones")
    parser.add_argument("--lives", type=int, default=1000, help="lives of cases measured")
    parser.add_argument("--phase", choices=("bench", "lifecycle"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:  # a child of --measure, on its own database
        if args.phase == "bench":
            result = measure_bench()
        else:
            media = os.environ["MEDIA_ROOT"] = tempfile.mkdtemp(prefix="bench-sizing-media-")  # uploads: dropped
            try:
                result = measure_lifecycle(args.warmup, args.lives)
            finally:
                shutil.rmtree(media, ignore_errors=True)
        Path(os.environ["SIZING_OUT"]).write_text(json.dumps(result))
        return
    if args.measure:
        drop_scratch()
        try:
            lifecycle = phase("lifecycle", SCRATCH_DB, "--warmup", str(args.warmup), "--lives", str(args.lives))
        finally:
            drop_scratch()
        bench = phase("bench", BENCH_DB)
        storage = {"date": time.strftime("%Y-%m-%d %H:%M %Z"), "bench": bench, "lifecycle": lifecycle}
        (RESULTS / "sizing_storage.json").write_text(json.dumps(storage, ensure_ascii=False, indent=2))
    print(sizing())


if __name__ == "__main__":
    main()
