"""免证办 (issue 18): a valid e-licence of the applicant satisfies a material whose requirement accepts
one — chosen from the wallet, or looked up by number at the window with the applicant's consent —
while a revoked, expired, foreign or wrong-type licence is refused with 400 and ``fields``."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from approvals import licence_use, licences, services
from approvals.models import Licence, LicenceEvent
from hall.models import AuditEntry
from tests.approvals.helpers import PERSON, act, case_in, file_case, reload

LATER_ITEM = "ZRZYJ-XK-0006"  # 建设工程规划许可证: needs the 建设用地规划许可证 (JSYDGH) and a 营业执照 (YYZZ)


def licence_of(people) -> Licence:
    case = act("deliver", act("approve", case_in("awaiting_decision", people), people), people)
    return reload(case).licence


def requirement(case, type_code: str):
    return case.item_version.materials.get(licence_type_code=type_code)


def api_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_a_valid_licence_from_the_wallet_satisfies_the_material_through_the_api(people):
    licence = licence_of(people)
    case = file_case(people.applicant, code=LATER_ITEM, complete=False)
    needed = requirement(case, "JSYDGH")
    response = api_for(people.applicant).post(
        f"/api/v1/applications/{case.number}/materials",
        {"requirement_id": needed.pk, "licence_number": licence.number}, format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.content
    row = response.json()
    assert row["status"] == "licence" and row["licence_number"] == licence.number
    assert row["sha256"] == Licence.objects.get(pk=licence.pk).sha256 != ""
    shape = api_for(people.applicant).get(f"/api/v1/applications/{case.number}").json()
    mine = next(m for m in shape["materials"] if m["requirement_id"] == needed.pk)
    assert mine["licence_number"] == licence.number and mine["accepts_licence"] and mine["source"] == "government"
    assert LicenceEvent.objects.filter(licence=licence, action="use").get().data["consent"] == "holder"
    assert AuditEntry.objects.filter(action="approvals.use_licence", target=case.number).exists()


def test_a_revoked_licence_is_refused_with_fields(people):
    licence = licence_of(people)
    licences.revoke_licence(number=licence.number, by=people.approver, reason="欺骗取得", basis="行政许可法第六十九条")
    case = file_case(people.applicant, code=LATER_ITEM, complete=False)
    response = api_for(people.applicant).post(
        f"/api/v1/applications/{case.number}/materials",
        {"requirement_id": requirement(case, "JSYDGH").pk, "licence_number": licence.number}, format="json",
    )  # fmt: skip
    assert response.status_code == 400
    assert "已被撤销" in response.json()["fields"]["licence_number"][0]
    assert not reload(case).materials.exists()


def test_an_expired_licence_is_refused_even_before_the_scan_ran(people):
    licence = licence_of(people)
    ended = licence.issued_at - timedelta(seconds=1)
    Licence.objects.filter(pk=licence.pk).update(expires_at=ended)  # its last day has ended, no scan since
    case = file_case(people.applicant, code=LATER_ITEM, complete=False)
    with pytest.raises(ValidationError) as error:
        services.use_licence(case_id=case.pk, by=people.applicant, requirement_id=requirement(case, "JSYDGH").pk,
                             licence_number=licence.number)  # fmt: skip
    assert "已过有效期" in error.value.message_dict["licence_number"][0]


def test_a_licence_of_the_wrong_type_or_of_another_holder_is_refused(people):
    licence = licence_of(people)
    case = file_case(people.applicant, code=LATER_ITEM, complete=False)
    with pytest.raises(ValidationError) as error:
        services.use_licence(case_id=case.pk, by=people.applicant, requirement_id=requirement(case, "YYZZ").pk,
                             licence_number=licence.number)  # fmt: skip
    assert "类型不符" in error.value.message_dict["licence_number"][0]
    other = file_case(people.applicant, code=LATER_ITEM, complete=False,
                      applicant={**PERSON, "name": "李娜", "id_number": "110105199003070017"})  # fmt: skip
    with pytest.raises(ValidationError) as error:
        services.use_licence(case_id=other.pk, by=people.applicant, requirement_id=requirement(other, "JSYDGH").pk,
                             licence_number=licence.number)  # fmt: skip
    assert "不是本件申请人" in error.value.message_dict["licence_number"][0]
    with pytest.raises(ValidationError):
        services.use_licence(case_id=case.pk, by=people.applicant, requirement_id=requirement(case, "JSYDGH").pk,
                             licence_number="JSYDGH-2026-999999")  # fmt: skip


def test_a_window_clerk_uses_a_licence_by_number_only_with_the_consent_recorded(people):
    licence = licence_of(people)
    case = file_case(people.clerk, code=LATER_ITEM, complete=False, channel="window")
    needed = requirement(case, "JSYDGH")
    with pytest.raises(ValidationError) as error:
        services.use_licence(case_id=case.pk, by=people.clerk, requirement_id=needed.pk, licence_number=licence.number)
    assert "同意" in error.value.message_dict["licence_number"][0]
    material = services.use_licence(case_id=case.pk, by=people.clerk, requirement_id=needed.pk,
                                    licence_number=licence.number, consent=True)  # fmt: skip
    assert material.licence == licence
    assert LicenceEvent.objects.get(licence=licence, action="use").data["consent"] == "recorded"


def test_another_account_cannot_use_a_licence_it_does_not_hold(people):
    licence = licence_of(people)
    case = file_case(people.applicant2, code=LATER_ITEM, complete=False)
    with pytest.raises(ValidationError) as error:
        services.use_licence(case_id=case.pk, by=people.applicant2, requirement_id=requirement(case, "JSYDGH").pk,
                             licence_number=licence.number)  # fmt: skip
    assert "我的证照" in error.value.message_dict["licence_number"][0]


def test_the_portal_offers_the_fitting_wallet_licences_per_requirement(people):
    licence = licence_of(people)
    case = file_case(people.applicant, code=LATER_ITEM, complete=False)
    options = licence_use.options_for(case, people.applicant)
    assert options[requirement(case, "JSYDGH").pk] == [licence]
    assert options[requirement(case, "YYZZ").pk] == []


def test_the_portal_case_page_offers_the_licence_first_and_shows_a_refusal_on_the_row(people, client):
    licence = licence_of(people)
    case = file_case(people.applicant, code=LATER_ITEM, complete=False)
    needed = requirement(case, "JSYDGH")
    client.force_login(people.applicant)
    page = client.get(f"/cases/{case.number}/").content.decode()
    row = page[page.index(f'id="material-{needed.pk}"') :]
    assert "本材料由政府部门核发" in row and row.index("使用我的电子证照") < row.index("上传文件")
    licences.revoke_licence(number=licence.number, by=people.approver, reason="欺骗取得", basis="行政许可法第六十九条")
    refused = client.post(f"/cases/{case.number}/materials/licence/",
                          {"requirement_id": needed.pk, "licence_number": licence.number})  # fmt: skip
    assert refused.status_code == 400 and "已被撤销" in refused.content.decode()
    assert not reload(case).materials.exists()
