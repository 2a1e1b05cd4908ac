"""Demo catalog: ``catalog.yaml`` beside this file, loaded through the regular import."""

import copy
from functools import cache
from pathlib import Path

from catalog.bundles import import_bundles
from catalog.io import import_catalog, read_file

DATA = Path(__file__).with_name("catalog.yaml")


@cache
def _data() -> dict:
    return read_file(DATA)


def seed(*, password: str, log) -> None:
    data = copy.deepcopy(_data())
    bundles = data.pop("bundles", [])
    report = import_catalog(data)
    log(f"catalog: {len(report.codes)} items ({report.created} new, {report.revised} revised, "
        f"{report.unchanged} unchanged), {report.themes} themes")  # fmt: skip
    changed = import_bundles(bundles)  # 一件事: after the member items
    log(f"catalog: {len(bundles)} bundles (一件事), {changed} published or revised")
