"""The whole journey of one application in real browsers, one person per browser context:
the applicant files online with uploads; the clerk issues the one-time correction notice; the
applicant corrects and resubmits; the clerk accepts; the reviewer recommends (审查意见); the approver
finds it in the 待决定 queue, sends it back once, and approves the second recommendation; a supervisor
reads the case without any action; the applicant sees the result and downloads the acceptance notice
and the decision (PDFs)."""

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

    # 4. The clerk accepts; 5. the reviewer starts the review and recommends (审查意见).
    clerk.goto(f"{open_as.url}/workbench/cases/{case.number}/")
    clerk.click("#act-accept summary")  # 受理 starts the clock: the page says so and asks first
    assert "开始计算办结时限" in clerk.inner_text("#act-accept")
    clerk.click("button:has-text('确认受理')")
    clerk.wait_for_load_state()
    reviewer = open_as("reviewer")
    reviewer.goto(f"{open_as.url}/workbench/cases/{case.number}/")
    reviewer.click("form.plain button:has-text('开始审查')")
    reviewer.wait_for_load_state()

    def recommend(opinion):
        reviewer.goto(f"{open_as.url}/workbench/cases/{case.number}/")
        reviewer.click("summary:has-text('提出审查意见')")
        reviewer.check("#recommend-recommendation_0")  # 建议准予
        reviewer.fill("#recommend-opinion", opinion)
        reviewer.click("button:has-text('确认提出审查意见')")
        reviewer.wait_for_load_state()

    recommend("材料齐全。")
    case.refresh_from_db()
    assert case.state == State.AWAITING_DECISION and case.recommendation == "approved"

    # 6. The approver sees it waiting in 待决定, sends it back once with a reason …
    approver = open_as("approver")
    approver.goto(f"{open_as.url}/workbench/")
    assert approver.inner_text("#awaiting-count") == "1"
    assert case.number in approver.inner_text("#awaiting-decision")
    shot(approver, "workbench-awaiting-decision")
    approver.click(f"#awaiting-decision a:has-text('{case.number}')")
    assert "材料齐全。" in approver.inner_text("#opinions")
    approver.click("summary:has-text('退回审查')")
    approver.fill("#return_for_review-reason", "请补充现场核查记录后重新提出意见")
    approver.click("button:has-text('确认退回审查')")
    approver.wait_for_load_state()
    case.refresh_from_db()
    assert case.state == State.UNDER_REVIEW

    # … the reviewer recommends again, and the approver approves on the recommendation.
    recommend("经现场核查，用地符合控制性详细规划，材料齐全，建议准予。")
    approver.goto(f"{open_as.url}/workbench/cases/{case.number}/")
    assert "建议准予" in approver.inner_text("#opinions")
    shot(approver, "work-case-recommendation")
    approver.click("summary:has-text('准予许可')")
    approver.fill("#approve-reason", "同意审查意见。")
    approver.click("button:has-text('确认准予许可')")
    approver.wait_for_load_state()
    case.refresh_from_db()
    assert case.state == State.DECIDED and case.decision == Application.Decision.APPROVED
    assert "同意审查意见。" in approver.inner_text("#opinions")

    # A supervisor reads the case page: the timeline and opinions, no action to take.
    supervisor = open_as("supervisor")
    supervisor.goto(f"{open_as.url}/workbench/cases/{case.number}/")
    assert supervisor.locator("#read-only").is_visible()
    assert supervisor.locator("form[action*='/act/']").count() == 0
    assert "退回审查" in supervisor.inner_text(".timeline")

    # 7. The applicant sees the result and downloads the acceptance notice and the decision.
    applicant.goto(f"{open_as.url}/cases/{case.number}/")
    assert "准予许可" in applicant.content()
    shot(applicant, "case-decided")
    for title in ("受理通知书", "准予行政许可决定书"):
        link = applicant.locator(f"a:has-text('{title}')").first
        response = applicant.request.get(open_as.url + link.get_attribute("href"))
        assert response.status == 200 and response.headers["content-type"] == "application/pdf"
        assert response.body().startswith(b"%PDF")
