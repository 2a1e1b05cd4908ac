"""E-licence journey (issue 18), in real browsers: the approver approves a case whose applicant chose
electronic delivery; the clerk delivers electronically; the applicant opens the licence in the wallet;
anyone verifies it at the URL its QR code encodes."""

import io

from pypdf import PdfReader

from approvals import licences, services
from approvals.models import Licence, State
from approvals.notices import _qr_data_uri
from tests.approvals import helpers
from tests.e2e.conftest import shot


def test_approve_deliver_electronically_open_in_wallet_and_verify_by_qr(open_as, browser):
    people = helpers.demo_people()
    case = helpers.case_in("under_review", people)
    services.choose_delivery(case_id=case.pk, by=people.applicant, method="electronic")
    helpers.recommended(case, people)

    # 1. The approver approves: the applicant chose electronic delivery, so the licence is issued now.
    approver = open_as("approver")
    approver.goto(f"{open_as.url}/workbench/cases/{case.number}/")
    approver.click("summary:has-text('准予许可')")
    approver.fill("#approve-reason", "同意审查意见。")
    approver.click("button:has-text('确认准予许可')")
    approver.wait_for_load_state()
    licence = Licence.objects.get(application=case)
    assert "送达与证照" in approver.content() and licence.number in approver.content()

    # 2. The clerk delivers electronically.
    clerk = open_as("clerk")
    clerk.goto(f"{open_as.url}/workbench/cases/{case.number}/")
    clerk.click("summary:has-text('送达')")
    clerk.check("input[name=method][value=electronic]")
    clerk.click("button:has-text('确认送达')")
    clerk.wait_for_load_state()
    case.refresh_from_db()
    assert case.state == State.DELIVERED and case.delivery_method == "electronic"

    # 3. The applicant is told, and opens the licence in the wallet (我的证照).
    applicant = open_as("applicant", width=414, height=896)
    applicant.goto(f"{open_as.url}/inbox/")
    assert licence.number in applicant.content()
    assert applicant.locator("nav a[href='/my/licences/']").count() == 1  # 我的证照 in the menu
    applicant.goto(f"{open_as.url}/my/licences/")
    assert licence.number in applicant.content() and "有效" in applicant.content()
    shot(applicant, "licence-wallet")
    pdf = applicant.request.get(f"{open_as.url}/my/licences/{licence.number}.pdf")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "".join(PdfReader(io.BytesIO(pdf.body())).pages[0].extract_text().split())
    assert licence.number in text and "张伟" in text

    # 4. Anyone scans the QR code: it encodes the public verification URL printed under it.
    licence.refresh_from_db()
    url = licences.verify_url(licence)
    assert _qr_data_uri(url) in licences.licence_html(licence)  # the QR image is exactly this URL
    path = f"/licences/verify/{licence.number}/"
    assert url.endswith(path)
    scan_url = open_as.url + path  # the same path, on the test server
    anyone = browser.new_context(locale="zh-CN")
    try:
        page = anyone.new_page()
        page.goto(scan_url)
        body = page.content()
        assert "当前有效" in body and licence.number in body and "张*" in body and "张伟" not in body
        assert licence.sha256 in body
        shot(page, "licence-verify")
    finally:
        anyone.close()
