"""Benchmark: write N chained events (bulk, through the chain) over the demo cases, then time
``verify_audit``. Usage: DATABASE_URL=… python bench/audit_chain.py 1000000 (a seeded database)."""

import os
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hall.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
django.setup()

from django.db import transaction  # noqa: E402

from approvals.models import Application, Event  # noqa: E402
from hall.chain_verify import verify  # noqa: E402

total = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
cases = list(Application.objects.values_list("pk", flat=True))
started, batch = time.monotonic(), 10_000
for start in range(0, total, batch):
    with transaction.atomic():
        Event.objects.bulk_create(
            Event(application_id=cases[(start + i) % len(cases)], action="note", from_state="accepted",
                  to_state="accepted", actor_role="clerk", reason=f"压测 {start + i}", data={"n": start + i})
            for i in range(min(batch, total - start))
        )  # fmt: skip
written = time.monotonic() - started
print(f"wrote {total} chained events over {len(cases)} cases in {written:.1f} s ({total / written:.0f}/s)")
started = time.monotonic()
report = verify()
print(f"verify: {report.counts}, broken={report.broken}, {time.monotonic() - started:.1f} s")
