"""Unbounded inputs (issue 12, point 5): numbers by their meaning, file names that cannot disguise
themselves, PDFs that cannot run anything when a clerk opens them."""

import json
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from approvals import materials, services
from approvals.models import Application, Material
from hall.errors import InvalidUpload
from tests.approvals import helpers
from tests.approvals.helpers import FORM, ITEM, PDF, PERSON, upload

# --- numbers of the item's form ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-1, "不能为负数"),
        ("-0.5", "不能为负数"),
        (1e300, "数值过大"),
        ("1e300", "数值过大"),
        (10**13, "数值过大"),
        ("1e400", "有限的数值"),
        ("NaN", "请输入数字"),
        ("Infinity", "请输入数字"),
        ("1_000", "请输入数字"),
        (True, "请输入数字"),
        ("十二", "请输入数字"),
    ],
)
def test_a_negative_non_finite_or_absurd_area_is_refused_on_its_field_by_the_api(people, value, message):
    """Areas, amounts and counts are never negative, never infinite, never beyond 10^12."""
    api = APIClient()
    api.force_authenticate(people.applicant)
    body = {"item_code": ITEM, "applicant": PERSON, "form": {**FORM, "site_area": value}}
    response = api.post("/api/v1/applications", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"] == "invalid"
    assert message in response.json()["fields"]["form.site_area"][0]
    assert not Application.objects.exists()


def test_json_nan_and_infinity_are_refused(people):
    api = APIClient()
    api.force_authenticate(people.applicant)
    for literal in ("NaN", "Infinity", "-Infinity"):
        body = json.dumps({"item_code": ITEM, "applicant": PERSON, "form": {**FORM, "site_area": 0}})
        raw = body.replace('"site_area": 0', f'"site_area": {literal}')
        response = api.post("/api/v1/applications", raw, content_type="application/json")
        assert response.status_code == 400, literal
        assert set(response.json()) == {"error", "detail", "fields"}
    assert not Application.objects.exists()


@pytest.mark.parametrize("value", [0.01, 12000, 12000.5, "0.01", "3e4", 10**7])
def test_small_ordinary_and_large_but_plausible_numbers_are_kept(people, value):
    """Within the field's own range (用地面积: 0.01 – 10,000,000 m², issue 14; tests/approvals/test_form_meaning.py)."""
    case = services.file_application(by=people.applicant, item_code=ITEM, applicant=PERSON,
                                     form={**FORM, "site_area": value})  # fmt: skip
    assert case.form_data["site_area"] == (float(value) if isinstance(value, str) else value)


def test_the_portal_shows_the_refusal_of_a_negative_area_next_to_the_field(people):
    client = Client()
    client.force_login(people.applicant)
    data = {
        "applicant_type": "person", "applicant_name": PERSON["name"], "applicant_id_number": PERSON["id_number"],
        "applicant_phone": PERSON["phone"], "applicant_address": PERSON["address"],
        **{f"form_{name}": value for name, value in FORM.items()}, "form_site_area": "-1",
    }  # fmt: skip
    response = client.post(reverse("approvals:start", args=[ITEM]), data)
    assert response.status_code == 200
    page = response.content.decode()
    block = next(b for b in page.split('<div class="field')[1:] if 'name="form_site_area"' in b)
    assert "不能为负数" in block
    assert 'min="0.01"' in block  # 用地面积's own minimum (issue 14)
    assert not Application.objects.exists()


# --- file names --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        ("合同\u202efdp.exe", "合同fdp.exe"),  # RIGHT-TO-LEFT OVERRIDE: would display as 合同exe.pdf
        ("\u2067申请书\u2069.pdf", "申请书.pdf"),  # RLI … PDI
        ("a\u200e\u200f\u061cb\u202a\u202b\u202c\u202d.pdf", "ab.pdf"),  # LRM RLM ALM, LRE RLE PDF LRO
        ("营业执照\x07\x1b[31m.pdf", "营业执照[31m.pdf"),  # control characters
        ("\u202e\u2066", "upload"),  # nothing visible left
    ],
)
def test_bidi_and_control_characters_are_stripped_from_uploaded_names(people, sent, stored):
    case = helpers.file_case(people.applicant, complete=False)
    material = upload(case, people.applicant, helpers.required_materials(case)[0], PDF, sent)
    assert material.original_name == stored


def test_the_api_shows_a_name_stored_before_the_rule_without_its_override(api_case, api_as):
    case = api_case(complete=True)
    Material.objects.filter(application=case).update(original_name="合同\u202efdp.exe")
    body = api_as("applicant").get(f"/api/v1/applications/{case.number}").json()
    assert {row["file_name"] for row in body["materials"] if row["file_name"]} == {"合同fdp.exe"}


# --- PDFs that act when opened ------------------------------------------------------------------------------


def pdf_with(objects: list[bytes], root: int = 1) -> bytes:
    """A PDF with a classic cross-reference table; object ``n`` is ``objects[n - 1]``."""
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root %d 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, xref)
    return bytes(out)


def pdf_with_object_stream(hidden: list[bytes]) -> bytes:
    """A PDF 1.5 whose catalog, pages and actions all sit in one Flate-compressed object stream
    (``/ObjStm``) indexed by a compressed cross-reference stream: no name is visible as bytes."""
    offsets, body = [], b""
    for obj in hidden:
        offsets.append(len(body))
        body += obj + b"\n"
    header = b" ".join(b"%d %d" % (n, off) for n, off in zip(range(1, len(hidden) + 1), offsets, strict=True)) + b"\n"
    data = zlib.compress(header + body)
    stream_number = len(hidden) + 1
    xref_number = stream_number + 1
    out = bytearray(b"%PDF-1.5\n")
    stream_offset = len(out)
    out += b"%d 0 obj\n<</Type/ObjStm/N %d/First %d/Filter/FlateDecode/Length %d>>\nstream\n" % (
        stream_number, len(hidden), len(header), len(data),
    )  # fmt: skip
    out += data + b"\nendstream\nendobj\n"
    xref_offset = len(out)
    rows = [b"\x00" + (0).to_bytes(4, "big") + b"\xff\xff"]
    rows += [b"\x02" + stream_number.to_bytes(4, "big") + i.to_bytes(2, "big") for i in range(len(hidden))]
    rows += [b"\x01" + stream_offset.to_bytes(4, "big") + b"\x00\x00"]
    rows += [b"\x01" + xref_offset.to_bytes(4, "big") + b"\x00\x00"]
    table = zlib.compress(b"".join(rows))
    out += b"%d 0 obj\n<</Type/XRef/Size %d/W[1 4 2]/Root 1 0 R/Filter/FlateDecode/Length %d>>\nstream\n" % (
        xref_number, xref_number + 1, len(table),
    )  # fmt: skip
    out += table + b"\nendstream\nendobj\n"
    out += b"startxref\n%d\n%%%%EOF\n" % xref_offset
    return bytes(out)


CATALOG = b"<</Type/Catalog/Pages 2 0 R%s>>"
PAGES = b"<</Type/Pages/Count 1/Kids[3 0 R]>>"
PAGE = b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]%s>>"
ACTIVE = {
    "open action JavaScript": [CATALOG % b"/OpenAction 4 0 R", PAGES, PAGE % b"",
                               b"<</S/JavaScript/JS(app.alert('x'))>>"],
    "document-level JavaScript": [CATALOG % b"/Names<</JavaScript<</Names[(a)4 0 R]>>>>", PAGES, PAGE % b"",
                                  b"<</S/JavaScript/JS(app.alert(1))>>"],
    "launch action": [CATALOG % b"/OpenAction<</S/Launch/F(cmd.exe)>>", PAGES, PAGE % b""],
    "page additional action": [CATALOG % b"", PAGES, PAGE % b"/AA<</O 4 0 R>>", b"<</S/GoTo/D[3 0 R/Fit]>>"],
    "escaped names": [CATALOG % b"/OpenAction<</S/J#61vaScript/J#53(app.alert(1))>>", PAGES, PAGE % b""],
    "a planted stream keyword": [CATALOG % b"/X(stream\n)/OpenAction<</S/Launch/F(calc.exe)>>/Y(endstream)",
                                 PAGES, PAGE % b""],
}  # fmt: skip


@pytest.mark.parametrize("kind", list(ACTIVE))
def test_a_pdf_that_runs_javascript_or_launches_a_program_is_refused_with_415(people, kind):
    case = helpers.file_case(people.applicant, complete=False)
    with pytest.raises(InvalidUpload) as refused:
        upload(case, people.applicant, helpers.required_materials(case)[0], pdf_with(ACTIVE[kind]), "申请书.pdf")
    assert refused.value.status_code == 415 and refused.value.code == "active_content"
    assert "脚本" in refused.value.detail
    assert not Material.objects.filter(application=case).exists()


def test_javascript_hidden_in_a_compressed_object_stream_is_found():
    hidden = pdf_with_object_stream(ACTIVE["open action JavaScript"])
    assert b"JavaScript" not in hidden and b"OpenAction" not in hidden
    assert materials.active_pdf_content(hidden) is not None
    passive = pdf_with_object_stream([CATALOG % b"", PAGES, PAGE % b""])
    assert materials.active_pdf_content(passive) is None


def test_ordinary_pdfs_are_accepted_including_an_open_action_that_only_turns_to_page_one(people):
    case = helpers.file_case(people.applicant, complete=False)
    first, second, third = helpers.required_materials(case)[:3]
    fit = pdf_with([CATALOG % b"/OpenAction[3 0 R/Fit]", PAGES, PAGE % b""])
    noise = pdf_with(
        [CATALOG % b"", PAGES, PAGE % b"/Contents 4 0 R", b"<</Length 12>>\nstream\n/JS /AA /Lau\nendstream"]
    )
    assert upload(case, people.applicant, first, fit).content_type == "application/pdf"
    assert upload(case, people.applicant, second, noise).content_type == "application/pdf"  # bytes in a stream
    assert upload(case, people.applicant, third, PDF).content_type == "application/pdf"


def test_the_api_answers_415_in_the_error_shape_for_a_pdf_with_javascript(api_case, api_as, api_item):
    case = api_case(complete=False)
    requirement = api_item.current_version.materials.filter(required=True).first()
    file = SimpleUploadedFile("表.pdf", pdf_with(ACTIVE["open action JavaScript"]), "application/pdf")
    response = api_as("applicant").post(
        f"/api/v1/applications/{case.number}/materials", {"requirement_id": requirement.pk, "file": file}
    )
    assert response.status_code == 415
    assert response.json()["error"] == "active_content" and response.json()["fields"] == {}


def test_a_pdf_stored_before_the_check_is_downloaded_never_shown_inline(people):
    case = helpers.file_case(people.applicant, complete=True)
    legacy, passive = Material.objects.filter(application=case).order_by("pk")[:2]
    legacy.file.save("legacy.pdf", SimpleUploadedFile("legacy.pdf", pdf_with(ACTIVE["launch action"])))
    case = services.submit_application(case_id=case.pk, by=people.applicant)
    client = Client()
    client.force_login(people.clerk)
    response = client.get(reverse("approvals:work_material", args=[case.number, legacy.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    response = client.get(reverse("approvals:work_material", args=[case.number, passive.pk]))
    assert response["Content-Disposition"].startswith("inline")
