"""``manage.py recompute_deadlines [--year Y ...]``: recompute open cases' due instants on the current calendar."""

from django.core.management.base import BaseCommand

from approvals.services import recompute_open_deadlines
from hall import audit, calendar


class Command(BaseCommand):
    help = "Recompute due dates of open cases (provisional ones, or those on/after the given years). Audited."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, action="append", help="a changed year (repeatable)")

    def handle(self, *args, year=None, **options):
        calendar.invalidate()
        years = set(year or [])
        moved = recompute_open_deadlines(years=years or None)
        audit.record("approvals.recompute_deadlines", f"years {sorted(years) or 'provisional'}", cases=moved)
        self.stdout.write(f"{moved} cases had their due dates moved")
