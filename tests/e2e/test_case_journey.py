"""The whole journey of one application in real browsers, one person per browser context:
the applicant files online with uploads; the clerk issues the one-time correction notice; the
applicant corrects and resubmits; the clerk accepts; the reviewer and the approver decide; the
applicant sees the result and downloads the acceptance notice (a PDF)."""

from approvals.models import Application, State
from catalog.models import Item
from tests.e2e.conftest import shot

ITEM = "ZRZYJ-XK-0005"  # 建设用地规划许可证核发: four required materials, online filing


def test_application_from_filing_to_decision(open_as, tmp_path):
    scan = tmp_path / "扫描件.pdf"
    scan.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    required = list(Item.objects.get(code=ITEM).current_version.materials.filter(required=True))

    # 1. The applicant files online from the item's guide and uploads every required material.
    applicant = open_as("applicant", width=414, height=896)
    applicant.goto(f"{open_as.url}/items/{ITEM}/")
    applicant.click("text=在线申办")
    applicant.fill("[name=applicant_name]", "张伟")
    applicant.fill("[name=applicant_id_number]", "11010519491231002X")
    applicant.fill("[name=applicant_phone]", "13800000001")
    applicant.fill("[name=form_project_name]", "滨江路小学扩建工程")
    applicant.fill("[name=form_project_code]", "2026-330106-47-01-000123")
    applicant.fill("[name=form_site_area]", "12000")
    applicant.select_option("[name=form_land_supply]", "出让")
    applicant.fill("[name=form_contact_phone]", "13800000001")
    shot(applicant, "apply")
    applicant.click("button:has-text('保存并继续')")
    applicant.wait_for_load_state()
    case = Application.objects.get(owner__username="applicant")
    for requirement in required:
        applicant.set_input_files(f"#file-{requirement.pk}", str(scan))
        applicant.click(f"form:has(#file-{requirement.pk}) button[type=submit]")
        applicant.wait_for_load_state()
    assert case.materials.filter(superseded=False).count() == len(required)
    shot(applicant, "case-draft")
    applicant.click("button:has-text('提交申请')")
    applicant.wait_for_load_state()
    case.refresh_from_db()
    assert case.state == State.SUBMITTED

    # 2. The window clerk finds it in the queue and issues the one-time correction notice.
    clerk = open_as("clerk")
    clerk.goto(f"{open_as.url}/workbench/")
    assert case.number in clerk.content()
    shot(clerk, "workbench-queue")
    clerk.goto(f"{open_as.url}/workbench/cases/{case.number}/")
    clerk.click("summary:has-text('一次性告知补正')")
    first = required[0]
    clerk.check(f"[name=need_{first.pk}]")
    clerk.fill(f"[name=why_{first.pk}]", "申请表未加盖单位公章")
    clerk.click("button:has-text('确认一次性告知补正')")
    clerk.wait_for_load_state()
    case.refresh_from_db()
    assert case.state == State.CORRECTION_REQUESTED
    shot(clerk, "work-case")

    # 3. The applicant sees every requested material with its reason, replaces it and resubmits.
    applicant.goto(f"{open_as.url}/cases/{case.number}/")
    assert "申请表未加盖单位公章" in applicant.content()
    shot(applicant, "case-correction")
    applicant.set_input_files(f"#file-{first.pk}", str(scan))
    applicant.click(f"form:has(#file-{first.pk}) button[type=submit]")
    applicant.wait_for_load_state()
    applicant.click("button:has-text('补正后重新提交')")
    applicant.wait_for_load_state()
    case.refresh_from_db()
    assert case.state == State.SUBMITTED

    # 4. The clerk accepts; 5. the reviewer starts the review; 6. the approver approves.
    clerk.goto(f"{open_as.url}/workbench/cases/{case.number}/")
    clerk.click("form.plain button:has-text('受理')")
    clerk.wait_for_load_state()
    reviewer = open_as("reviewer")
    reviewer.goto(f"{open_as.url}/workbench/cases/{case.number}/")
    reviewer.click("form.plain button:has-text('开始审查')")
    reviewer.wait_for_load_state()
    approver = open_as("approver")
    approver.goto(f"{open_as.url}/workbench/cases/{case.number}/")
    approver.click("summary:has-text('准予许可')")
    approver.click("button:has-text('确认准予许可')")
    approver.wait_for_load_state()
    case.refresh_from_db()
    assert case.state == State.DECIDED and case.decision == Application.Decision.APPROVED

    # 7. The applicant sees the result and downloads the acceptance notice.
    applicant.goto(f"{open_as.url}/cases/{case.number}/")
    assert "准予许可" in applicant.content()
    shot(applicant, "case-decided")
    link = applicant.locator("a:has-text('受理通知书')").first
    response = applicant.request.get(open_as.url + link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
