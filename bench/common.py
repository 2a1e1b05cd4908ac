"""Shared bench helpers: a dedicated PostgreSQL database, timing, results as ratios to a baseline.

Benchmarks run in-process through Django's test client (the full middleware stack and views,
no network), so numbers are repeatable on this small machine; each run also measures a baseline
(a bare view) so that results are recorded as ratios that survive a faster or slower machine.
"""

import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hall.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hall_bench")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/2")  # production-like cache for throttles
os.environ.setdefault("AXES_ENABLED", "false")
os.environ.setdefault("THROTTLE_ANON", "1000000/min")
os.environ.setdefault("THROTTLE_USER", "1000000/min")
os.environ["ALLOWED_HOSTS"] = "testserver,localhost"


def setup_django() -> None:
    import django
    import psycopg2

    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cursor.fetchone():
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    # Celery's Django fix-up (hall/celery.py, at setup) puts the working directory first on sys.path:
    # from bench/, bench/supervision.py would then shadow the ``supervision`` app.
    os.chdir(ROOT)
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # pages render as in production


def timed(fn, *, repeat: int, warmup: int = 5) -> dict:
    """Call ``fn`` repeatedly; return p50/p95/max in milliseconds."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return {
        "n": repeat,
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 2),
        "max_ms": round(samples[-1], 2),
    }


def count_queries(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def report(name: str, results: dict) -> None:
    path = ROOT / "bench" / "results" / f"{name}.json"
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2))
    print(json.dumps(results, ensure_ascii=False, indent=2))
