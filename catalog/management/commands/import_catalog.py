"""``manage.py import_catalog FILE``: load a catalog file (YAML or JSON); all or nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from catalog.io import CatalogFileError, import_catalog, read_file


class Command(BaseCommand):
    help = "Import the approval-item directory from a service-hall-catalog/1 file (YAML or JSON)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, file: Path, no_progress: bool, **options):
        if not file.exists():
            raise CommandError(f"{file}: no such file")
        try:
            data = read_file(file)
            total = len(data.get("items") or [])
            with tqdm(total=total, unit="项", disable=no_progress or total < 50, file=self.stderr) as bar:
                report = import_catalog(data, progress=bar.update)
        except CatalogFileError as exc:
            raise CommandError("导入失败，未写入任何数据：\n" + "\n".join(exc.errors)) from exc
        self.stdout.write(
            f"imported {len(report.codes)} items: {report.created} new, {report.revised} revised, "
            f"{report.unchanged} unchanged, {report.status_changes} status changes, {report.themes} themes"
        )
