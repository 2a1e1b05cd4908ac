"""E-licences and notices (issue 18): rendering time of one licence PDF and of notices through the hall's
path (template, QR code, weasyprint, SHA-256, storage, the row update) against a bare weasyprint render of
the very same HTML in the same run. The Must show: the hall's path ≤ 1.5 × the bare render.

Runs in its own database (``<DATABASE_URL's name>_licences``, dropped and rebuilt each run); media go to
a temporary directory. A small run by design (the machine is shared):

    .venv/bin/python bench/licences.py [--repeat 8]
"""

import argparse
import os
import tempfile
import time

os.environ["DATABASE_URL"] = (
    os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hall_bench").removesuffix("_licences")
    + "_licences"
)

from cases_data import ensure_demo
from common import report, setup_django, timed


def fresh_database() -> None:
    import psycopg2

    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    assert name.endswith("_licences"), name
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def delivered_case():
    """One case through the real services to delivery: its licence and its notices are issued."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from approvals import services
    from hall.models import User

    people = {u.username: u for u in User.objects.all()}
    case = services.file_application(
        by=people["applicant"], item_code="ZRZYJ-XK-0005",
        applicant={"type": "person", "name": "张伟", "id_number": "11010519491231002X", "phone": "13800000001",
                   "address": "西湖区文三路 1 号"},
        form={"project_name": "滨江路小学扩建工程", "project_code": "2026-330106-47-01-000123", "site_area": 12000,
              "land_supply": "出让", "contact_phone": "13800000001"},
    )  # fmt: skip
    for requirement in case.item_version.materials.filter(required=True):
        services.upload_material(case_id=case.pk, by=people["applicant"], requirement_id=requirement.pk,
                                 upload=SimpleUploadedFile("a.pdf", b"%PDF-1.7\n%%EOF\n"))  # fmt: skip
    steps = [
        lambda c: services.submit_application(case_id=c.pk, by=people["applicant"]),
        lambda c: services.accept_application(case_id=c.pk, by=people["clerk"]),
        lambda c: services.start_review(case_id=c.pk, by=people["reviewer"]),
        lambda c: services.recommend_decision(case_id=c.pk, by=people["reviewer"], recommendation="approve",
                                              opinion="符合条件"),
        lambda c: services.approve_application(case_id=c.pk, by=people["approver"]),
        lambda c: services.deliver_result(case_id=c.pk, by=people["clerk"], method="window"),
    ]  # fmt: skip
    for step in steps:
        case = step(case)
    return case


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=8)
    args = parser.parse_args()
    fresh_database()
    setup_django()
    from django.conf import settings
    from django.template.loader import render_to_string
    from django.urls import reverse
    from weasyprint import HTML

    from approvals import licences, notices
    from approvals.models import Licence, Notice

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="bench-licences-")
    ensure_demo()
    case = delivered_case()
    licence = Licence.objects.get(application=case)
    base_url = settings.SITE_URL + "/"

    def hall_licence():
        Licence.objects.filter(pk=licence.pk).update(pdf="", sha256="", size=0)
        licences.render(Licence.objects.select_related("application__item", "department").get(pk=licence.pk))

    licence_html = licences.licence_html(licence)

    def bare_licence():
        HTML(string=licence_html, base_url=base_url).write_pdf()

    results = {"repeat": args.repeat, "kinds": {}}
    started = time.perf_counter()
    kinds = {"licence": (hall_licence, bare_licence)}
    for kind in ("acceptance", "decision", "delivery_receipt"):
        notice = Notice.objects.get(application=case, kind=kind)
        url = settings.SITE_URL + reverse("approvals:verify", args=[notice.verification_code])
        html = render_to_string(f"approvals/notices/{kind}.html", notices._context(notice, url))

        def hall_notice(notice=notice):
            Notice.objects.filter(pk=notice.pk).update(pdf="", sha256="", size=0)
            notices.render(Notice.objects.select_related("application").get(pk=notice.pk))

        def bare_notice(html=html):
            HTML(string=html, base_url=base_url).write_pdf()

        kinds[kind] = (hall_notice, bare_notice)
    for kind, (hall, bare) in kinds.items():
        # interleaved, so that a busy neighbour on the shared machine slows both alike
        bare_t = timed(bare, repeat=args.repeat, warmup=2)
        hall_t = timed(hall, repeat=args.repeat, warmup=2)
        results["kinds"][kind] = {"hall": hall_t, "bare_weasyprint": bare_t,
                                  "ratio_p50": round(hall_t["p50_ms"] / bare_t["p50_ms"], 2)}  # fmt: skip
    results["worst_ratio_p50"] = max(row["ratio_p50"] for row in results["kinds"].values())
    results["seconds"] = round(time.perf_counter() - started, 1)
    report("licences", results)


if __name__ == "__main__":
    main()
