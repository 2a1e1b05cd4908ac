"""``manage.py seed_demo [--password P] [--force]``: the demo hall, catalog and cases (idempotent)."""

import importlib

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

# In dependency order (DESIGN.md): each app that has demo data exposes ``<app>.demo.seed``.
APPS = ("hall", "catalog", "fees", "approvals", "supervision")


class Command(BaseCommand):
    help = "Load the demo hall (departments, windows, users), catalog and cases. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--password", default="hall-demo", help="password of every demo user")
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")

    def handle(self, *args, password, force, **options):
        if not settings.DEBUG and not force:
            raise CommandError("DEBUG is off: this looks like production. Use --force to load demo data anyway.")
        if len(password) < 6:
            raise CommandError("The demo password must have at least 6 characters.")
        for app in APPS:
            try:
                module = importlib.import_module(f"{app}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{app}.demo":
                    raise
                continue
            if seed := getattr(module, "seed", None):
                seed(password=password, log=lambda msg: self.stdout.write(msg))
        self.stdout.write(self.style.SUCCESS(f"Demo ready. Users log in with password {password!r}."))
