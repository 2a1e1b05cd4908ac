"""A document worker's memory over N renders (issue 22, point 3): the hall's ``approvals.notices.render_pdf``
(one weasyprint ``FontConfiguration`` per thread, reused) against weasyprint's default (a new font
configuration, hence a new Pango font map, per document), each in a fresh process like a Celery worker
child, rendering the licence and three notices of one delivered case in turn.

Reported per mode: resident memory (VmRSS) after the first render and every 100 renders, the peak
(VmHWM), and the median render time. The baseline is weasyprint's default in the same run.

    .venv/bin/python bench/document_memory.py [--renders 1000]

Own database (``hall_bench_docmem``, rebuilt each run). Results: bench/results/document_memory.json and .md.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/hall_bench_licences"  # licences.py's own DB

from common import ROOT, setup_django

RESULTS = ROOT / "bench" / "results"


def memory_kib() -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak) of this process, in KiB."""
    values = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values


def child(mode: str, renders: int, pages_file: str) -> None:
    """Render ``renders`` documents in this process and print one JSON line."""
    setup_django()
    from weasyprint import HTML

    from approvals.notices import render_pdf

    pages = json.loads(Path(pages_file).read_text(encoding="utf-8"))
    base_url = "http://127.0.0.1:8000/"
    samples, times = [], []
    for n in range(1, renders + 1):
        html = pages[n % len(pages)]
        start = time.perf_counter()
        if mode == "shared":
            render_pdf(html, base_url)
        else:
            HTML(string=html, base_url=base_url).write_pdf()
        times.append((time.perf_counter() - start) * 1000)
        if n == 1 or n % 100 == 0:
            samples.append({"renders": n, **memory_kib()})
    print(json.dumps({"mode": mode, "samples": samples, "p50_ms": round(statistics.median(times), 1),
                      "peak_kib": memory_kib()["VmHWM"]}))  # fmt: skip


def collect_pages() -> list[str]:
    """The HTML of a licence and three notices of one case delivered through the services."""
    from licences import delivered_case, fresh_database

    fresh_database()
    setup_django()
    from cases_data import ensure_demo
    from django.conf import settings
    from django.template.loader import render_to_string
    from django.urls import reverse

    from approvals import licences, notices
    from approvals.models import Licence, Notice

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="bench-docmem-")
    ensure_demo()
    case = delivered_case()
    pages = [licences.licence_html(Licence.objects.get(application=case))]
    for kind in ("acceptance", "decision", "delivery_receipt"):
        notice = Notice.objects.get(application=case, kind=kind)
        url = settings.SITE_URL + reverse("approvals:verify", args=[notice.verification_code])
        pages.append(render_to_string(f"approvals/notices/{kind}.html", notices._context(notice, url)))
    return pages


def markdown(results: dict) -> str:
    lines = [f"Renders per process: {results['renders']:,} (licence and three notices in turn)", "",
             "| mode | RSS after 1 | RSS after 100 | RSS at the end | peak RSS | growth 100 → end | render p50 |",
             "|---|---|---|---|---|---|---|"]  # fmt: skip
    for mode, label in (("fresh", "weasyprint default (new font configuration per document)"),
                        ("shared", "hall: one font configuration per thread")):  # fmt: skip
        row = results[mode]
        first, last = row["samples"][0], row["samples"][-1]
        hundred = row["samples"][1] if len(row["samples"]) > 1 else first
        growth = last["VmRSS"] - hundred["VmRSS"]
        lines.append(f"| {label} | {first['VmRSS'] / 1024:.0f} MB | {hundred['VmRSS'] / 1024:.0f} MB | "
                     f"{last['VmRSS'] / 1024:.0f} MB | {row['peak_kib'] / 1024:.0f} MB | {growth / 1024:+.0f} MB | "
                     f"{row['p50_ms']} ms |")  # fmt: skip
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--renders", type=int, default=1000)
    parser.add_argument("--child", choices=["fresh", "shared"])
    parser.add_argument("--pages")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.renders, args.pages)
        return
    pages_file = Path(tempfile.mkdtemp(prefix="bench-docmem-")) / "pages.json"
    pages_file.write_text(json.dumps(collect_pages(), ensure_ascii=False), encoding="utf-8")
    results = {"renders": args.renders}
    for mode in ("fresh", "shared"):
        started = time.perf_counter()
        output = subprocess.run(
            [sys.executable, __file__, "--child", mode, "--renders", str(args.renders), "--pages", str(pages_file)],
            check=True, capture_output=True, text=True, cwd=Path(__file__).parent,
        ).stdout  # fmt: skip
        results[mode] = json.loads(output.strip().splitlines()[-1])
        results[mode]["seconds"] = round(time.perf_counter() - started, 1)
        print(mode, results[mode]["samples"][-1], f"{results[mode]['seconds']} s", flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "document_memory.json").write_text(json.dumps(results, indent=2))
    (RESULTS / "document_memory.md").write_text(markdown(results))
    print(markdown(results))


if __name__ == "__main__":
    main()
