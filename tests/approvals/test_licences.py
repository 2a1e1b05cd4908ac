"""E-licences (电子证照, issue 18): issued once per approved case, verifiable by anyone without personal data,
revoked at once and audited, expired by the scan after their validity, rendered as a PDF with a CJK font."""

import hashlib
import io
import re
import shutil
import subprocess

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from rest_framework.test import APIClient

from approvals import licences, services
from approvals.models import Licence, LicenceEvent
from hall.errors import NotPermitted, TransitionNotAllowed
from hall.models import AuditEntry
from hall.throttling import ScopedRateThrottle
from tests.approvals.helpers import act, case_in, publish_revision, reload

ID_NUMBER = "11010519491231002X"


def delivered(people, **choice):
    """A case approved and delivered at the window (or decided only, when ``choice`` asks electronic)."""
    case = case_in("awaiting_decision", people)
    if choice:
        services.choose_delivery(case_id=case.pk, by=people.applicant, **choice)
    case = act("approve", case, people)
    if not choice:
        case = act("deliver", case, people)
    return reload(case)


def test_a_licence_is_issued_once_when_the_result_is_delivered_and_a_retried_delivery_changes_nothing(people):
    case = act("approve", case_in("awaiting_decision", people), people)
    assert not Licence.objects.filter(application=case).exists()  # window pickup: issued when handed over
    case = act("deliver", case, people)
    licence = Licence.objects.get(application=case)
    assert re.fullmatch(r"JSYDGH-2026-\d{6}", licence.number)
    assert (licence.name, licence.holder_name, licence.holder_id_number) == ("建设用地规划许可证", "张伟", ID_NUMBER)
    assert licence.status == "valid" and licence.valid_until is None  # the version sets no validity
    assert licence.holder_account == people.applicant and licence.department == case.department
    with pytest.raises(TransitionNotAllowed):
        act("deliver", case, people)
    assert licences.issue_for(reload(case)) == licence
    assert Licence.objects.filter(application=case).count() == 1
    assert LicenceEvent.objects.filter(licence=licence, action="issue").count() == 1


def test_electronic_delivery_issues_the_licence_at_the_approval(people):
    case = delivered(people, method="electronic")
    assert case.state == "decided"
    licence = Licence.objects.get(application=case)
    assert licence.issued_on.isoformat() == "2026-09-30"
    act("deliver", case, people)
    assert Licence.objects.filter(application=case).count() == 1


def test_a_denial_issues_no_licence(people):
    case = act("deny", case_in("awaiting_decision", people), people)
    assert licences.issue_for(case) is None and not Licence.objects.exists()


def test_numbers_run_per_type_and_year(people):
    first, second = delivered(people).licence, delivered(people).licence
    assert int(second.number[-6:]) == int(first.number[-6:]) + 1
    assert licences.licence_number("YYZZ", 2026) == "YYZZ-2026-000001"
    assert licences.licence_number("YYZZ", 2027) == "YYZZ-2027-000001"


# --- verification --------------------------------------------------------------------------------------


def test_verification_json_shows_the_masked_holder_and_nothing_personal(people):
    licence = delivered(people).licence
    response = APIClient().get(f"/api/v1/licences/{licence.number}")
    assert response.status_code == 200
    body = response.json()
    assert body["number"] == licence.number and body["status"] == "valid" and body["name"] == "建设用地规划许可证"
    assert body["holder"] == "张*（110105********002X）"
    assert body["department"]["code"] == "ZRZYJ" and body["issued_on"] == "2026-09-30" and body["valid_until"] is None
    text = response.content.decode()
    assert "张伟" not in text and ID_NUMBER not in text and "13800000001" not in text
    missing = APIClient().get("/api/v1/licences/JSYDGH-2026-999999")
    assert missing.status_code == 404 and set(missing.json()) == {"error", "detail", "fields"}


def test_verification_page_is_public_and_without_personal_data(people, client):
    licence = delivered(people).licence
    page = client.get(f"/licences/verify/{licence.number}/")
    text = page.content.decode()
    assert page.status_code == 200 and licence.number in text and "当前有效" in text and "张*" in text
    assert "张伟" not in text and ID_NUMBER not in text
    assert client.get("/licences/verify/NOPE-2026-000001/").status_code == 404


def test_verification_api_is_throttled_per_client_address(people, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"licences": "2/min"})
    licence = delivered(people).licence
    api = APIClient()
    url = f"/api/v1/licences/{licence.number}"
    assert [api.get(url, REMOTE_ADDR="198.51.100.1").status_code for _ in range(3)] == [200, 200, 429]
    assert api.get(url, REMOTE_ADDR="198.51.100.2").status_code == 200


def test_the_verification_page_spends_the_apis_budget_per_address(people, monkeypatch):
    """THROTTLE_LICENCES for both doors (numbers are sequential): here 2/min per address."""
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"licences": "2/min"})
    licence = delivered(people).licence
    page = f"/licences/verify/{licence.number}/"
    api = APIClient(REMOTE_ADDR="198.51.100.3")
    assert api.get(f"/api/v1/licences/{licence.number}").status_code == 200
    assert api.get(page).status_code == 200
    refused = api.get(page)
    assert refused.status_code == 429 and "查询过于频繁，请 1 分钟后再试。" in refused.content.decode()
    assert APIClient(REMOTE_ADDR="198.51.100.4").get(page).status_code == 200


# --- revocation ----------------------------------------------------------------------------------------


def test_an_approver_revokes_with_reason_and_basis_and_verification_says_revoked_at_once(people):
    licence = delivered(people).licence
    api = APIClient()
    api.force_authenticate(people.approver)
    url = f"/api/v1/licences/{licence.number}/revoke"
    refused = api.post(url, {"reason": "以欺骗手段取得"}, format="json")
    assert refused.status_code == 400 and set(refused.json()["fields"]) == {"basis"}
    clerk = APIClient()
    clerk.force_authenticate(people.clerk)
    assert clerk.post(url, {"reason": "x", "basis": "y"}, format="json").status_code == 403
    done = api.post(url, {"reason": "以欺骗手段取得许可", "basis": "行政许可法第六十九条第二款"}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "revoked"
    assert APIClient().get(f"/api/v1/licences/{licence.number}").json()["status"] == "revoked"
    entry = AuditEntry.objects.get(action="approvals.revoke_licence", target=licence.number)
    assert entry.actor == people.approver and entry.detail["basis"] == "行政许可法第六十九条第二款"
    assert api.post(url, {"reason": "再次", "basis": "同上"}, format="json").status_code == 409


def test_revoke_licences_of_case_is_what_the_tell_and_commit_revoke_calls(people):
    case = delivered(people)
    with pytest.raises(ValidationError) as error:
        licences.revoke_licences_of_case(case, people.approver, "", "")
    assert set(error.value.message_dict) == {"reason", "basis"}
    assert licences.revoke_licences_of_case(case, people.approver, "承诺不实", "行政许可法第六十九条") == 1
    assert reload(case).licence.status == "revoked"
    assert licences.revoke_licences_of_case(case, people.approver, "承诺不实", "行政许可法第六十九条") == 0


def test_a_supervisor_cannot_revoke(people):
    licence = delivered(people).licence
    with pytest.raises(NotPermitted):
        licences.revoke_licence(number=licence.number, by=people.supervisor, reason="x", basis="y")


# --- expiry ----------------------------------------------------------------------------------------------


def test_the_scan_expires_a_licence_after_its_validity(people, client):
    publish_revision(licence_validity_years=1)
    licence = delivered(people).licence
    assert (licence.valid_until.isoformat(), licence.status) == ("2027-09-29", "valid")
    out = io.StringIO()
    call_command("scan_deadlines", "--at", "2027-09-29T23:59:00+08:00", stdout=out)
    assert "licences expired 0" in out.getvalue() and reload(licence.application).licence.status == "valid"
    call_command("scan_deadlines", "--at", "2027-09-30T00:00:01+08:00", stdout=out)
    assert reload(licence.application).licence.status == "expired"
    assert LicenceEvent.objects.filter(licence=licence, action="expire").count() == 1
    call_command("scan_deadlines", "--at", "2027-10-30T00:00:00+08:00", stdout=out)  # nothing twice
    assert LicenceEvent.objects.filter(licence=licence, action="expire").count() == 1
    assert APIClient().get(f"/api/v1/licences/{licence.number}").json()["status"] == "expired"


# --- the PDF -------------------------------------------------------------------------------------------


def test_the_pdf_names_the_licence_number_and_the_holder_and_embeds_a_cjk_font(people, tmp_path):
    from pypdf import PdfReader

    licence = licences.render(delivered(people).licence)
    data = licence.pdf.open("rb").read()
    assert hashlib.sha256(data).hexdigest() == licence.sha256
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert licence.number in text and "张伟" in text and "建设用地规划许可证" in text
    path = tmp_path / "licence.pdf"
    path.write_bytes(data)
    fonts = embedded_fonts(path)
    assert any("CJK" in name or "WenQuanYi" in name for name in fonts), fonts


def embedded_fonts(path) -> list[str]:
    """Names of the embedded fonts: ``pdffonts`` (poppler) where installed, else the PDF's descriptors."""
    if shutil.which("pdffonts"):
        lines = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()
        return [line.split()[0] for line in lines[2:] if len(line.split()) > 4 and " yes " in line]
    from pypdf import PdfReader

    names = []
    for page in PdfReader(str(path)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font.get("/DescendantFonts")
            descriptor = (descendant[0].get_object() if descendant else font).get("/FontDescriptor")
            if descriptor and any(k in descriptor.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                names.append(str(font["/BaseFont"]))
    return names


def test_the_wallet_lists_the_holders_licences_only(people, client):
    licence = delivered(people).licence
    api = APIClient()
    api.force_authenticate(people.applicant)
    body = api.get("/api/v1/me/licences").json()
    assert [row["number"] for row in body] == [licence.number]
    assert body[0]["holder_name"] == "张伟" and body[0]["case_number"] == licence.application.number
    other = APIClient()
    other.force_authenticate(people.applicant2)
    assert other.get("/api/v1/me/licences").json() == []
    client.force_login(people.applicant)
    page = client.get("/my/licences/")
    assert page.status_code == 200 and licence.number in page.content.decode()
    pdf = client.get(f"/my/licences/{licence.number}.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    client.force_login(people.applicant2)
    assert client.get(f"/my/licences/{licence.number}.pdf").status_code == 404


def test_the_wallet_reads_in_a_fixed_number_of_queries(people, django_assert_max_num_queries):
    for _ in range(3):
        delivered(people)
    api = APIClient()
    api.force_authenticate(people.applicant)
    with django_assert_max_num_queries(6):
        assert len(api.get("/api/v1/me/licences").json()) == 3


def test_the_wallet_and_its_page_do_not_grow_with_the_licences(people, client):
    """Issue 22: /api/v1/me/licences and /my/licences/, 1 licence then 4, not more statements."""
    from tests.querycount import assert_flat

    delivered(people)
    api = APIClient()
    api.force_authenticate(people.applicant)
    assert_flat(lambda: api.get("/api/v1/me/licences").json(), lambda: [delivered(people) for _ in range(3)], len)
    client.force_login(people.applicant)
    assert_flat(
        lambda: client.get("/my/licences/"),
        lambda: [delivered(people) for _ in range(8)],
        lambda response: len(response.context["rows"]),
    )
