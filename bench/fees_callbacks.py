"""Fees (issue 15): payment callbacks per second against a bare signed insert, and the daily
reconciliation of a day with 10,000 payments (first run, then the idempotent second run).

Runs in its own database (``<DATABASE_URL's name>_fees``, dropped and rebuilt each run) so that the
fixtures neither disturb nor depend on hall_bench's million cases.

    .venv/bin/python bench/fees_callbacks.py [--rounds 10] [--per-round 100] [--day-payments 10000]
"""

import argparse
import os
import statistics
import time

os.environ["DATABASE_URL"] = (
    os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hall_bench").removesuffix("_fees") + "_fees"
)

from cases_data import ensure_demo, fill
from common import report, setup_django

URL = "/api/v1/fees/callback/simulator"
LOST = 25  # statement lines whose callback never arrived: booked by the reconciliation
ORPHANS = 5  # ledger payments of the day absent from the statement: not_in_stmt anomalies


def fresh_database() -> None:
    import psycopg2

    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    assert name.endswith("_fees"), name
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def make_assessments(apps, *, assessed_at, prefix: str):
    """One due assessment (80 元) per case, set-based."""
    from fees.models import Assessment
    from hall.models import User

    clerk = User.objects.get(username="clerk")
    rows = [
        Assessment(application_id=pk, department_id=dept, payment_code=f"{prefix}{n:012d}", payer_name=name,
                   due_fen=8000, assessed_by=clerk, assessed_at=assessed_at)
        for n, (pk, dept, name) in enumerate(apps, 1)
    ]  # fmt: skip
    return Assessment.objects.bulk_create(rows, batch_size=2000)


def prepare_day(apps, day, payments: int) -> None:
    """``payments`` paid on ``day``: the simulator's books (its statement) for all of them, the ledger
    (Payment, chained, and the assessment paid) for all but the LOST ones, plus ORPHANS ledger-only rows."""
    from datetime import timedelta

    from django.db import transaction

    from fees.models import Assessment, Payment, ReceiptSequence, SimulatorTransaction
    from fees.reconcile import day_bounds
    from fees.services import RECEIPT_CODE

    start, _ = day_bounds(day)
    assessments = make_assessments(apps, assessed_at=start - timedelta(days=1), prefix="R")
    step = 86_000 / len(assessments)
    lines, ledger = [], []
    for n, a in enumerate(assessments):
        paid_at = start + timedelta(seconds=n * step)
        txid = f"SIM{paid_at:%Y%m%d%H%M%S}B{n:07d}"
        if n < payments:
            lost = n % (payments // LOST) == 7 and sum(1 for x in lines if not x.notified) < LOST
            lines.append(SimulatorTransaction(transaction_id=txid, payment_code=a.payment_code, amount_fen=8000,
                                              paid_at=paid_at, notified=not lost))  # fmt: skip
            if lost:
                continue
        ledger.append((a, txid, paid_at))
    year = start.year
    with transaction.atomic():
        SimulatorTransaction.objects.bulk_create(lines, batch_size=2000)
        Payment.objects.bulk_create(
            [Payment(assessment=a, amount_fen=8000, channel="simulator", transaction_id=txid, paid_at=paid_at,
                     receipt_number=f"{RECEIPT_CODE[:6]}{year % 100:02d}-{n:010d}")
             for n, (a, txid, paid_at) in enumerate(ledger, 1)],
            batch_size=2000,
        )  # fmt: skip
        ReceiptSequence.objects.update_or_create(year=year, defaults={"value": len(ledger)})
        paid = [a.pk for a, _, _ in ledger]
        Assessment.objects.filter(pk__in=paid).update(status="paid", paid_fen=8000, paid_at=start)
    print(f"  day {day}: statement {len(lines):,} (lost callbacks {len(lines) - len(ledger) + ORPHANS}), "
          f"ledger {len(ledger):,} (orphans {ORPHANS})", flush=True)  # fmt: skip


def profile_callbacks(callback, n: int) -> None:
    """Where a callback's time goes: cProfile over ``n`` callbacks, the top functions by cumulative time,
    and the SQL statements one callback issues."""
    import cProfile
    import pstats

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        callback()
    print(f"  one callback: {len(queries)} SQL statements", flush=True)
    for q in queries.captured_queries:
        print(f"    {q['time']}s  {q['sql'][:140]}")
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n - 1):
        callback()
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--per-round", type=int, default=100)
    parser.add_argument("--day-payments", type=int, default=10_000)
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="also profile N callbacks (cProfile) and print where the time goes",
    )
    args = parser.parse_args()
    fresh_database()
    started = time.monotonic()
    setup_django()
    ensure_demo()
    callbacks_needed = (args.rounds + 1) * args.per_round + args.profile
    fill(callbacks_needed + args.day_payments + ORPHANS)
    print(f"  database ready ({time.monotonic() - started:.0f} s)", flush=True)

    import hmac
    import json
    from datetime import timedelta

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from approvals.models import Application
    from catalog.models import Item
    from fees.models import Assessment, InboundCallback, Payment, PaymentAnomaly, ReconciliationRun
    from fees.services import sign

    # Every case of the fee-charging 不动产登记 item (as tests/fees/helpers.py), under review.
    item = Item.objects.get(code="ZRZYJ-QR-0001")
    assert item.current_version.charges_fees
    Application.objects.update(item=item, item_version_id=item.current_version_id, department_id=item.department_id,
                               state="under_review", decision="", decided_at=None, delivered_at=None)  # fmt: skip
    apps = list(Application.objects.order_by("id").values_list("id", "department_id", "applicant_name"))
    day = timezone.localdate() - timedelta(days=2)
    prepare_day(apps[callbacks_needed:], day, args.day_payments)
    due = make_assessments(apps[:callbacks_needed], assessed_at=timezone.now() - timedelta(days=1), prefix="C")
    codes = iter([a.payment_code for a in due])

    # --- 1. callbacks/s: the full signed callback vs a bare signed insert ----------------------------
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_signed_insert (id bigserial PRIMARY KEY, txid varchar(64), "
                       "code varchar(40), amount_fen integer, paid_at timestamptz)")  # fmt: skip
    client = Client()
    counter = iter(range(10**9))

    def signed_body(code):
        n = next(counter)
        body = json.dumps({"payment_code": code, "amount_fen": 8000, "transaction_id": f"SIMBENCH{n:08d}",
                           "paid_at": timezone.now().isoformat()}, separators=(",", ":")).encode()  # fmt: skip
        return body, sign(body)

    def callback():
        body, signature = signed_body(next(codes))
        response = client.post(URL, body, content_type="application/json", HTTP_X_SIGNATURE=signature)
        assert response.status_code == 201, (response.status_code, response.content[:300])

    def bare():
        body, signature = signed_body(f"C{next(counter):012d}")
        assert hmac.compare_digest(sign(body), signature)
        data = json.loads(body)
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_signed_insert (txid, code, amount_fen, paid_at) VALUES (%s, %s, %s, %s)",
                [data["transaction_id"], data["payment_code"], data["amount_fen"], data["paid_at"]],
            )

    for _ in range(args.per_round):  # warm-up: one round of each
        callback()
        bare()
    rates = {"callback": [], "baseline": []}
    for r in range(args.rounds):
        order = (("callback", callback), ("baseline", bare))
        for name, fn in order if r % 2 == 0 else order[::-1]:
            t0 = time.perf_counter()
            for _ in range(args.per_round):
                fn()
            rates[name].append(args.per_round / (time.perf_counter() - t0))
    if args.profile:
        profile_callbacks(callback, args.profile)
    assert (
        Payment.objects.filter(channel="simulator", transaction_id__startswith="SIMBENCH").count()
        == (args.rounds + 1) * args.per_round + args.profile
    )
    assert not Assessment.objects.filter(payment_code__startswith="C", status="due").exists()
    target, base = statistics.median(rates["callback"]), statistics.median(rates["baseline"])
    results = {
        "database": connection.vendor,
        "method": "in-process via django.test.Client (full middleware, view, signature, booking, notices, "
        "inbound log); baseline: same body+HMAC verify, one INSERT into a small table (autocommit); "
        f"{args.rounds} interleaved rounds of {args.per_round}, medians",
        "callbacks": {
            "target_per_s": round(target, 1),
            "baseline_per_s": round(base, 1),
            "ratio_target_to_baseline": round(target / base, 3),
            "rounds_target_per_s": [round(x, 1) for x in rates["callback"]],
            "rounds_baseline_per_s": [round(x, 1) for x in rates["baseline"]],
            "inbound_log_rows": InboundCallback.objects.count(),
        },
    }

    # --- 2. reconciliation of a day with N payments ------------------------------------------------
    runs = []
    for label in ("first", "second"):
        t0 = time.perf_counter()
        call_command("reconcile_payments", date=day.isoformat())
        seconds = time.perf_counter() - t0
        run = ReconciliationRun.objects.get(gateway="simulator", day=day)
        runs.append(
            {"run": label, "seconds": round(seconds, 2), "rows_per_s": round(run.statement_count / seconds, 1),
             "statement": run.statement_count, "ledger": run.ledger_count, "matched": run.matched_count,
             "booked_total": run.booked_count, "anomalies": run.anomaly_count}
        )  # fmt: skip
    first, second = runs
    assert first["booked_total"] == LOST and second["booked_total"] == LOST, runs  # the rerun booked nothing
    assert first["anomalies"] == second["anomalies"] == ORPHANS, runs
    assert PaymentAnomaly.objects.filter(day=day, reason="not_in_stmt").count() == ORPHANS
    results["reconciliation"] = {"day_payments": args.day_payments, "lost_callbacks": LOST,
                                 "ledger_orphans": ORPHANS, "runs": runs}  # fmt: skip
    report("fees_callbacks", results)


if __name__ == "__main__":
    main()
