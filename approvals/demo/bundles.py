"""Demo 一件事 cases: 二手房买卖 in progress (accepted at the 不动产登记 window by ``clerk``, the registration
under review, the utilities' sub-case with its own department), and 开办企业 submitted today, waiting for
one-window acceptance by ``clerk2`` (market regulation leads it). Real services, past working days."""

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from approvals import bundles, services
from approvals.bundle_models import BundleCase
from catalog import bundles as catalog_bundles
from hall.models import User

SELLER_BUYER = {"type": "person", "name": "张伟", "id_number": "11010519491231002X", "phone": "13800000001",
                "address": "西湖区文三路 1 号"}  # fmt: skip
COMPANY = {"type": "organisation", "name": "杭州云帆科技有限公司", "id_number": "91350100M000100Y43",
           "phone": "13800000002", "address": "滨江区江南大道 2 号"}  # fmt: skip


def _file(code: str, owner: User, applicant: dict, pdf: bytes) -> BundleCase:
    guide = catalog_bundles.guide(code)
    form = {f.name: f.sample_value() for f in guide.fields if f.required}
    bundle_case = bundles.file_bundle(by=owner, bundle_code=code, applicant=applicant, form=form)
    for merged in guide.materials:
        if merged.required:
            upload = SimpleUploadedFile(f"{merged.name[:20]}.pdf", pdf, "application/pdf")
            bundles.upload_bundle_material(bundle_case_id=bundle_case.pk, by=owner, key=merged.key, upload=upload)
    return bundles.submit_bundle(bundle_case_id=bundle_case.pk, by=owner)


def seed_bundles(*, pdf: bytes, at, working_days_ago, log) -> None:
    if BundleCase.objects.exists():
        log("approvals: demo bundles exist, skipped")
        return
    people = {u.username: u for u in User.objects.filter(username__in=["applicant", "applicant2", "clerk",
                                                                         "reviewer"])}  # fmt: skip
    filed_on = working_days_ago(3)
    with time_machine.travel(at(filed_on), tick=False):
        house = _file("YJS-ESFMM", people["applicant"], SELLER_BUYER, pdf)
    with time_machine.travel(at(working_days_ago(2), 11), tick=False):
        bundles.accept_bundle(bundle_case_id=house.pk, by=people["clerk"])
    transfer = house.sub_cases.get(item__code="ZRZYJ-QR-0002")
    with time_machine.travel(at(working_days_ago(1), 14), tick=False):
        services.start_review(case_id=transfer.pk, by=people["reviewer"])
    with time_machine.travel(min(at(working_days_ago(0), 9), timezone.now()), tick=False):
        company = _file("YJS-KBQY", people["applicant2"], COMPANY, pdf)
    log(f"approvals: demo bundles {house.number} (二手房买卖, in progress) and {company.number} (开办企业, 待一窗受理)")
