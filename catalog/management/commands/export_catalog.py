"""``manage.py export_catalog [FILE]``: the directory in the import format (YAML, or JSON by suffix)."""

import json
import sys
from pathlib import Path

import yaml
from django.core.management.base import BaseCommand

from catalog.io import export_catalog


class Command(BaseCommand):
    help = "Export every item with its current version in the service-hall-catalog/1 format."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, nargs="?", help="default: standard output as YAML")

    def handle(self, *args, file: Path | None, **options):
        data = export_catalog()
        if file is not None and file.suffix.lower() == ".json":
            text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
        else:
            text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)
        if file is None:
            sys.stdout.write(text)
        else:
            file.write_text(text, encoding="utf-8")
            self.stderr.write(f"exported {len(data['items'])} items to {file}")
