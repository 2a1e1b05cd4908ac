"""Demo catalog: ``catalog.yaml`` beside this file, loaded through the regular import."""

import copy
from functools import cache
from pathlib import Path

from catalog.io import import_catalog, read_file

DATA = Path(__file__).with_name("catalog.yaml")


@cache
def _data() -> dict:
    return read_file(DATA)


def seed(*, password: str, log) -> None:
    report = import_catalog(copy.deepcopy(_data()))
    log(f"catalog: {len(report.codes)} items ({report.created} new, {report.revised} revised, "
        f"{report.unchanged} unchanged), {report.themes} themes")  # fmt: skip
