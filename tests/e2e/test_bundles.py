"""一件事 in real browsers: the applicant reads the 开办企业 guide (one material list, the longest limit),
files it with one merged form, uploads each material once and submits all four items at once; the
market-regulation window (the lead department) accepts it at one window; the applicant follows one
progress across four departments, each sub-case on its own clock."""

from approvals.bundle_models import BundleCase
from approvals.models import Application, Material, State
from catalog import bundles as catalog_bundles
from tests.e2e.conftest import shot

BUNDLE = "YJS-KBQY"
VALUES = {
    "company_name": "杭州云帆科技有限公司", "registered_capital": "100", "legal_rep_id": "11010519491231002X",
    "address": "滨江区江南大道 2 号", "business_scope": "软件开发；信息技术咨询服务", "finance_officer": "李娜",
    "employees": "5", "contact_phone": "13800000002",
}  # fmt: skip


def test_applicant_files_the_company_bundle_and_the_lead_window_accepts_it(open_as, tmp_path):
    scan = tmp_path / "扫描件.pdf"
    scan.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    guide = catalog_bundles.guide(BUNDLE)

    # 1. The guide: one material list (the legal representative's ID once for four items), one limit.
    applicant = open_as("applicant2")
    applicant.goto(f"{open_as.url}/items/bundles/{BUNDLE}/")
    assert "多个事项共用，只交一次" in applicant.content()
    shot(applicant, "bundle-guide")

    # 2. One merged form for four items.
    applicant.click("#bundle-apply")
    applicant.check("[name=applicant_type][value=organisation]")
    applicant.fill("[name=applicant_name]", "杭州云帆科技有限公司")
    applicant.fill("[name=applicant_id_number]", "91350100M000100Y43")
    applicant.fill("[name=applicant_phone]", "13800000002")
    for spec in guide.fields:
        selector = f"[name=form_{spec.name}]"
        if spec.type == "choice":
            applicant.select_option(selector, str(spec.choices[0]))
        elif spec.name in VALUES:
            applicant.fill(selector, VALUES[spec.name])
    shot(applicant, "bundle-apply")
    applicant.click("#bundle-save")
    applicant.wait_for_load_state()
    bundle_case = BundleCase.objects.get(owner__username="applicant2")
    assert bundle_case.sub_cases.count() == 4

    # 3. Each material once: the page lists the merged materials, each with one upload form.
    required = [m for m in guide.materials if m.required]
    for index, merged in enumerate(guide.materials, start=1):
        if merged.required:
            applicant.set_input_files(f"#bundle-file-{index}", str(scan))
            applicant.click(f"form:has(#bundle-file-{index}) button[type=submit]")
            applicant.wait_for_load_state()
    assert bundle_case.materials.filter(superseded=False).count() == len(required)
    shared = Material.objects.filter(bundle_material__key="key:legal_rep_id", superseded=False)
    assert shared.count() == 4 and len({m.file.name for m in shared}) == 1
    shot(applicant, "bundle-draft")
    applicant.click("#bundle-submit")
    applicant.wait_for_load_state()
    assert set(bundle_case.sub_cases.values_list("state", flat=True)) == {State.SUBMITTED}

    # 4. The lead department's window (market regulation) accepts all four at one window.
    clerk = open_as("clerk2")
    clerk.goto(f"{open_as.url}/workbench/bundles/")
    assert bundle_case.number in clerk.content()
    clerk.click(f"text={bundle_case.number}")
    clerk.click("#bundle-accept")
    clerk.wait_for_load_state()
    assert "已一窗受理" in clerk.content()
    cases = Application.objects.filter(bundle=bundle_case)
    assert set(cases.values_list("state", flat=True)) == {State.ACCEPTED}
    assert {c.department.code for c in cases.select_related("department")} == {"SCJGJ", "GAFJ", "SWJ", "RSJ"}

    # 5. The applicant follows one progress; each sub-case has its own due date.
    applicant.goto(f"{open_as.url}/bundles/cases/{bundle_case.number}/")
    assert "各部门办理中" in applicant.content() and "0 / 4 个事项已办结" in applicant.content()
    shot(applicant, "bundle-progress")
