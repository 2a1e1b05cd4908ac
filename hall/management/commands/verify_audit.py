"""``manage.py verify_audit``: walk the audit hash chains (events, audit entries, payments) and the
daily digests; exit 0 with the counts when intact, non-zero naming the first broken link."""

import time

from django.core.management.base import BaseCommand, CommandError

from hall.chain_verify import verify


class Command(BaseCommand):
    help = "Verify the tamper-evident audit chains (办件日志、管理审计记录、缴费记录) and the daily digests."

    def add_arguments(self, parser):
        parser.add_argument("--chunk", type=int, default=5000, help="rows fetched per round trip (default 5000)")

    def handle(self, *args, chunk=5000, **options):
        started = time.monotonic()
        report = verify(chunk=chunk)
        counts = "; ".join(f"{name}: {c['rows']} rows in {c['chains']} chains" for name, c in report.counts.items())
        elapsed = time.monotonic() - started
        if report.broken is not None:
            self.stderr.write(f"checked so far — {counts or 'nothing'}")
            raise CommandError(f"audit chain BROKEN at {report.broken}", returncode=1)
        self.stdout.write(f"audit chains intact — {counts}; {report.digests} digests match ({elapsed:.1f} s)")
