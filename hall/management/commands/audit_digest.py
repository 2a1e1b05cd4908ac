"""``manage.py audit_digest``: write the digest of the audit chains now (beat does it daily)."""

import json

from django.core.management.base import BaseCommand

from hall.digest import write_digest


class Command(BaseCommand):
    help = "Write a digest of every audit chain head to the audit log and the supervision event feed."

    def handle(self, *args, **options):
        entry = write_digest()
        self.stdout.write(f"digest {entry.target} (audit entry {entry.pk}, hash {entry.row_hash})")
        self.stdout.write(json.dumps(entry.detail["families"], indent=2))
