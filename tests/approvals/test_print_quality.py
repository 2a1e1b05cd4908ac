"""Print quality (issue 18, point 5): the 缴款通知书 and 收费票据 fit one page, seal and QR included; a
verification page's hash breaks inside its card instead of overflowing it."""

import io
from pathlib import Path

from pypdf import PdfReader
from rest_framework.test import APIClient

from approvals.models import Notice
from fees import services as fees
from tests.fees.helpers import fee_case, standards


def pages(user, case, kind) -> PdfReader:
    api = APIClient()
    api.force_authenticate(user)
    response = api.get(f"/api/v1/applications/{case.number}/notices/{kind}")
    assert response.status_code == 200
    return PdfReader(io.BytesIO(b"".join(response.streaming_content)))


def test_payment_notice_and_receipt_fit_one_page_with_the_seal_and_the_qr(people):
    case = fee_case(people)
    lines = [{"standard_id": s.pk, "quantity": 2} for s in standards(case)]  # every standard of the item
    assessment = fees.assess_fees(case_id=case.pk, by=people.clerk, lines=lines)
    payment = pages(people.applicant, case, "payment")
    assert len(payment.pages) == 1
    text = payment.pages[0].extract_text()
    assert "专用章" in text and "验证码" in text  # the seal line and the verification block are on page one
    fees.collect_at_window(payment_code=assessment.payment_code, by=people.cashier, amount_fen=assessment.due_fen,
                           channel="cash")  # fmt: skip
    receipt = pages(people.applicant, case, "receipt")
    assert len(receipt.pages) == 1
    assert "验证码" in receipt.pages[0].extract_text()


def test_the_verification_pages_hash_can_break_inside_its_card(people, client):
    case = fee_case(people)
    notice = Notice.objects.filter(application=case).first()
    page = client.get(f"/verify/{notice.verification_code}/").content.decode()
    assert '<code class="hash">' in page
    css = (Path(__file__).resolve().parents[2] / "static/css/hall.css").read_text()
    assert "code.hash" in css and "overflow-wrap: anywhere" in css
