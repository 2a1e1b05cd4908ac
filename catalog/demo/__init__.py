"""Demo catalog: ``catalog.yaml`` beside this file, loaded through the regular import."""

from pathlib import Path

from catalog.io import import_catalog, read_file

DATA = Path(__file__).with_name("catalog.yaml")


def seed(*, password: str, log) -> None:
    report = import_catalog(read_file(DATA))
    log(f"catalog: {len(report.codes)} items ({report.created} new, {report.revised} revised, "
        f"{report.unchanged} unchanged), {report.themes} themes")  # fmt: skip
