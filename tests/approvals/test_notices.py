"""Written notices (文书) as real PDFs with Chinese text: numbered, stored with their SHA-256,
served only in scope, and verifiable on a public page by their code."""

import hashlib
import io

from pypdf import PdfReader
from rest_framework.test import APIClient

from approvals.models import Notice
from tests.approvals.helpers import act, case_in


def pdf_text(content: bytes) -> str:
    """The PDF's text with white space removed (titles are letter-spaced, lines wrap anywhere)."""
    return "".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


def get_notice(user, case, kind):
    client = APIClient()
    client.force_authenticate(user)
    return client.get(f"/api/v1/applications/{case.number}/notices/{kind}")


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_acceptance_notice_is_a_pdf_with_chinese_text_and_a_stable_hash(people):
    case = case_in("accepted", people)
    response = get_notice(people.applicant, case, "acceptance")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    content = body(response)
    assert content.startswith(b"%PDF")
    text = pdf_text(content)
    assert "受理通知书" in text and case.number in text and "第三十二条" in text
    notice = Notice.objects.get(application=case, kind="acceptance")
    assert hashlib.sha256(content).hexdigest() == notice.sha256 == response["X-Content-SHA256"]
    again = body(get_notice(people.clerk, case, "acceptance"))
    assert again == content and Notice.objects.filter(application=case).count() == 1


def test_correction_notice_lists_every_requested_material(people):
    case = case_in("correction_requested", people)
    text = pdf_text(body(get_notice(people.applicant, case, "correction")))
    assert "补正材料通知书" in text and "一次性告知" in text
    for item in case.correction_notices.get().items.select_related("requirement"):
        assert "".join(item.requirement.name.split()) in text


def test_decision_and_delivery_notices_after_the_decision(people):
    case = case_in("delivered", people)
    decision = pdf_text(body(get_notice(people.applicant, case, "decision")))
    assert "准予行政许可" in decision
    assert "送达回证" in pdf_text(body(get_notice(people.applicant, case, "delivery_receipt")))


def test_a_notice_the_case_has_not_produced_is_404(people):
    case = case_in("submitted", people)
    assert get_notice(people.applicant, case, "acceptance").status_code == 404
    assert get_notice(people.applicant, case, "no-such-kind").status_code == 404


def test_others_get_404_for_notices(people):
    case = case_in("accepted", people)
    assert get_notice(people.applicant2, case, "acceptance").status_code == 404
    assert get_notice(people.clerk2, case, "acceptance").status_code == 404


def test_public_verification_page_confirms_a_genuine_notice_without_personal_data(people, client):
    case = case_in("accepted", people)
    body(get_notice(people.applicant, case, "acceptance"))
    notice = Notice.objects.get(application=case)
    page = client.get(f"/verify/{notice.verification_code}/")
    html = page.content.decode()
    assert page.status_code == 200 and notice.serial in html and notice.sha256 in html
    assert case.applicant_name not in html and case.applicant_id_number not in html
    assert client.get("/verify/NOPE12345678/").status_code == 404


def test_extension_and_special_procedure_notices(people):
    case = case_in("under_review", people)
    case = act("suspend", case, people)
    case = act("resume", case, people)
    case = act("extend", case, people)
    assert "特别程序告知书" in pdf_text(body(get_notice(people.applicant, case, "special_procedure")))
    text = pdf_text(body(get_notice(people.applicant, case, "extension")))
    assert "延期通知书" in text and "第四十二条" in text
