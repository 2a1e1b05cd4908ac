"""``manage.py reconcile_payments --date YYYY-MM-DD [--gateway simulator]``: the day's statement against
the ledger (``fees.reconcile``). Idempotent: run it again and nothing changes."""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from fees import gateways, reconcile


class Command(BaseCommand):
    help = "Reconcile one day's payments with the gateway's statement (对账); default: yesterday."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="YYYY-MM-DD (Asia/Shanghai); default yesterday")
        parser.add_argument("--gateway", default="simulator")

    def handle(self, *args, **options):
        try:
            day = date.fromisoformat(options["date"]) if options["date"] else timezone.localdate() - timedelta(days=1)
        except ValueError:
            raise CommandError("--date must be YYYY-MM-DD") from None
        try:
            gateways.get(options["gateway"])
        except gateways.GatewayError as exc:
            raise CommandError(str(exc)) from None
        run = reconcile.reconcile(day, options["gateway"])
        self.stdout.write(
            f"{run.gateway} {run.day}: statement {run.statement_count} ({run.statement_fen} fen), "
            f"ledger {run.ledger_count} ({run.ledger_fen} fen), matched {run.matched_count}, "
            f"booked {run.booked_count} ({run.booked_fen} fen; {run.polled_count} by query), "
            f"anomalies {run.anomaly_count}"
        )
