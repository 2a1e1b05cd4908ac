"""缴款通知书 (payment) and 收费票据 (receipt) as real PDFs with Chinese text: issued once an assessment
exists / once it is paid, numbered, verifiable, and listed on the portal and workbench case pages.

行政许可法 art. 59: the published standards only, and everything collected goes to the treasury.
"""

import io
import re

from django.test import Client
from django.urls import reverse
from pypdf import PdfReader
from rest_framework.test import APIClient

from approvals import notices
from approvals.models import Application, Notice
from fees import services
from tests.approvals import helpers
from tests.fees.helpers import assessed_case, fee_case, standards


def pdf_text(content: bytes) -> str:
    """The PDF's text with white space removed (titles are letter-spaced, lines wrap anywhere)."""
    return "".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


def get_notice(user, case, kind):
    client = APIClient()
    client.force_authenticate(user)
    return client.get(f"/api/v1/applications/{case.number}/notices/{kind}")


def text_of(user, case, kind) -> str:
    response = get_notice(user, case, kind)
    assert response.status_code == 200, response
    return pdf_text(b"".join(response.streaming_content))


def squeeze(value: str) -> str:
    return "".join(value.split())


def reload(case) -> Application:
    return Application.objects.get(pk=case.pk)


def test_the_payment_notice_exists_once_fees_are_assessed(people):
    case = fee_case(people)
    assert notices.occurrence(reload(case), "payment") is None
    assert get_notice(people.applicant, case, "payment").status_code == 404

    residential, _, certificate = standards(case)
    assessment = services.assess_fees(case_id=case.pk, by=people.clerk, lines=[
        {"standard_id": residential.pk}, {"standard_id": certificate.pk, "quantity": 4}])  # fmt: skip

    assert notices.occurrence(reload(case), "payment") == 1
    text = text_of(people.applicant, case, "payment")
    assert "缴款通知书" in text and case.number in text
    assert squeeze(case.department.name) in text and assessment.payer_name in text  # 执收单位, 缴款人
    assert assessment.payment_code in text
    assert "不动产登记费（住宅类）" in text and "不动产权属证书工本费" in text
    assert "发改价格规〔2016〕2559号" in text  # the basis of each line
    assert "120.00" in text and "壹佰贰拾元整" in text  # 80 + 4 × 10 元
    assert "网上缴费" in text and "收费窗口" in text
    assert "第五十九条" in text and "全部上缴国库" in text
    notice = Notice.objects.get(application=case, kind="payment")
    assert "缴字" in notice.serial and len(notice.sha256) == 64
    assert Client().get(reverse("approvals:verify", args=[notice.verification_code])).status_code == 200


def test_the_receipt_exists_once_paid_and_names_the_cashier(people):
    case, assessment = assessed_case(people)
    assert notices.occurrence(reload(case), "receipt") is None
    assert get_notice(people.applicant, case, "receipt").status_code == 404

    payment = services.collect_at_window(
        payment_code=assessment.payment_code, by=people.cashier, amount_fen=8000, channel="cash"
    )

    assert notices.occurrence(reload(case), "receipt") == 1
    text = text_of(people.applicant, case, "receipt")
    code, number = payment.receipt_number.split("-")
    assert "收费票据" in text and "票据代码" in text and code in text and number in text
    assert assessment.payer_name in text and "不动产登记费（住宅类）" in text
    assert "80.00" in text and "捌拾元整" in text
    assert "现金" in text and "周婷" in text  # 收款人: the cashier
    assert "2026年9月30日" in text and "全部上缴国库" in text
    assert "票字" in Notice.objects.get(application=case, kind="receipt").serial
    assert text_of(people.cashier, case, "receipt") == text  # stored once, served again


def test_a_receipt_paid_online_names_the_payment_platform(people):
    case, _ = assessed_case(people)
    services.pay_with_simulator(case_id=case.pk, by=people.applicant)
    text = text_of(people.applicant, case, "receipt")
    assert "统一公共支付平台" in text and "捌拾元整" in text


def test_others_get_404_for_the_fee_notices(people):
    case, _ = assessed_case(people)
    for who in ("applicant2", "clerk2"):
        assert get_notice(getattr(people, who), case, "payment").status_code == 404


def test_both_notices_are_listed_on_the_portal_and_workbench_case_pages(people):
    case, assessment = assessed_case(people)
    payment_url = reverse("approvals:notice", args=[case.number, "payment"])
    receipt_url = reverse("approvals:notice", args=[case.number, "receipt"])
    applicant, clerk = Client(), Client()
    applicant.force_login(people.applicant)
    clerk.force_login(people.clerk)

    portal = applicant.get(reverse("approvals:case", args=[case.number])).content.decode()
    workbench = clerk.get(reverse("approvals:work_case", args=[case.number])).content.decode()
    for page in (portal, workbench):
        assert payment_url in page and "缴款通知书" in page and receipt_url not in page

    services.collect_at_window(payment_code=assessment.payment_code, by=people.cashier, amount_fen=8000, channel="qr")

    portal = applicant.get(reverse("approvals:case", args=[case.number])).content.decode()
    workbench = clerk.get(reverse("approvals:work_case", args=[case.number])).content.decode()
    for page in (portal, workbench):
        assert receipt_url in page and "收费票据" in page


def test_items_without_fees_never_list_fee_notices(people):
    case = helpers.case_in("decided", people)
    assert notices.occurrence(case, "payment") is None and notices.occurrence(case, "receipt") is None
    clerk = Client()
    clerk.force_login(people.clerk)
    page = clerk.get(reverse("approvals:work_case", args=[case.number])).content.decode()
    assert "/notices/decision.pdf" in page and not re.search(r"/notices/(payment|receipt)\.pdf", page)
    assert get_notice(people.applicant, case, "payment").status_code == 404
