"""告知承诺制 in a real browser: the applicant reads the item version's commitment text on the case page,
chooses the material the commitment replaces, signs, and submits without that material; the clerk
accepts it (the committed material is not missing)."""

from approvals import services
from approvals.models import Application, State
from catalog.models import Item
from hall.models import User
from tests.e2e.conftest import shot

ITEM = "ZRZYJ-XK-0006"  # 建设工程规划许可证核发: the land-use proof may be replaced by a commitment
PERSON = {"type": "organisation", "name": "杭州滨江建设有限公司", "id_number": "91350100M000100Y43",
          "phone": "13800000002", "address": "滨江区江南大道 2 号"}  # fmt: skip


def test_the_applicant_signs_the_commitment_and_the_case_is_accepted_without_the_material(open_as, tmp_path):
    version = Item.objects.get(code=ITEM).current_version
    waived = list(version.materials.filter(commitment_allowed=True))
    owner = User.objects.get(username="applicant")
    form = {f.name: f.sample_value() for f in version.fields.all()}
    case = services.file_application(by=owner, item_code=ITEM, applicant=PERSON, form=form)
    scan = tmp_path / "扫描件.pdf"
    scan.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

    applicant = open_as("applicant")
    applicant.goto(f"{open_as.url}/cases/{case.number}/")
    for requirement in version.materials.filter(required=True).exclude(pk__in=[m.pk for m in waived]):
        applicant.set_input_files(f"#file-{requirement.pk}", str(scan))
        applicant.click(f"form:has(#file-{requirement.pk}) button[type=submit]")
        applicant.wait_for_load_state()
    applicant.goto(f"{open_as.url}/cases/{case.number}/#commitment")
    assert "告知承诺书" in applicant.content()
    for requirement in waived:
        applicant.check(f"#commitment input[value='{requirement.pk}']")
    applicant.check("#commitment input[name=agree]")
    shot(applicant, "commitment-signing")
    applicant.click("button:has-text('签署告知承诺书')")
    applicant.wait_for_load_state()
    assert "已签署告知承诺书" in applicant.content()
    assert case.commitments.count() == 1
    applicant.click("button:has-text('提交申请')")
    applicant.wait_for_load_state()
    case = Application.objects.get(pk=case.pk)
    assert case.state == State.SUBMITTED

    clerk = open_as("clerk")
    clerk.goto(f"{open_as.url}/workbench/cases/{case.number}/")
    assert "告知承诺" in clerk.content()
    services.accept_application(case_id=case.pk, by=User.objects.get(username="clerk"))
    assert Application.objects.get(pk=case.pk).state == State.ACCEPTED
