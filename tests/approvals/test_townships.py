"""两级大厅 (区、乡镇(街道)两级): an item delegated (下放) to townships is handled by the applicant's
township and its own staff; district supervision sees township cases with a level filter (issue 17,
point 6).

MZJ-GF-0005 最低生活保障审核确认 is delegated to 新街镇 (XJZ: town_clerk, town_reviewer,
town_approver) and 河西街道 (HXJD: town_clerk2, town_approver2).
"""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework.test import APIClient

from approvals import services
from approvals.models import State
from hall.errors import OutsideScope
from tests.approvals import helpers

DELEGATED = "MZJ-GF-0005"


def file(people, **kw):
    applicant = kw.pop("applicant", helpers.PERSON)
    return services.file_application(by=people.applicant, item_code=DELEGATED, applicant=applicant,
                                     form=helpers.sample_form(DELEGATED), **kw)  # fmt: skip


def test_the_online_filer_chooses_the_township_or_it_follows_the_address(people):
    assert file(people, department_code="HXJD").department.code == "HXJD"
    in_xinjie = {**helpers.PERSON, "address": "新街镇东湖村 12 号"}
    assert file(people, applicant=in_xinjie).department.code == "XJZ"
    in_hexi = {**helpers.PERSON, "address": "河西街道滨河路 8 号"}
    assert file(people, applicant=in_hexi).department.code == "HXJD"
    with pytest.raises(ValidationError) as refused:
        file(people)  # the demo address is in neither township
    assert "department_code" in refused.value.message_dict
    with pytest.raises(ValidationError):
        file(people, department_code="ZRZYJ")  # not a township this item is delegated to
    assert helpers.file_case(people.applicant).department.code == "ZRZYJ"  # not delegated: the department


def test_a_township_clerk_handles_a_delegated_item_to_its_decision(people):
    case = file(people, department_code="XJZ")
    for requirement in helpers.required_materials(case):
        helpers.upload(case, people.applicant, requirement)
    case = services.submit_application(case_id=case.pk, by=people.applicant)
    assert case.handler == people.town_clerk  # the A role of window XJ01
    with pytest.raises(OutsideScope):  # a district clerk does not see the township's case
        services.accept_application(case_id=case.pk, by=people.clerk)
    with pytest.raises(OutsideScope):  # nor does the other township
        services.accept_application(case_id=case.pk, by=people.town_clerk2)
    case = services.accept_application(case_id=case.pk, by=people.town_clerk)
    case = services.start_review(case_id=case.pk, by=people.town_reviewer)
    case = services.recommend_decision(case_id=case.pk, by=people.town_reviewer, recommendation="approve",
                                       opinion="经入户调查，家庭人均收入低于保障标准")  # fmt: skip
    case = services.approve_application(case_id=case.pk, by=people.town_approver, reason="")
    assert case.state == State.DECIDED and case.department.code == "XJZ"


def test_a_township_walk_in_is_the_township_clerks_own(people):
    case = services.file_application(by=people.town_clerk, item_code=DELEGATED, applicant=helpers.PERSON,
                                     form=helpers.sample_form(DELEGATED), channel="window")  # fmt: skip
    assert case.department.code == "XJZ"


def test_the_api_takes_the_township_and_the_portal_offers_it(people):
    api = APIClient()
    api.force_authenticate(people.applicant)
    body = {"item_code": DELEGATED, "applicant": helpers.PERSON, "form": helpers.sample_form(DELEGATED)}
    response = api.post("/api/v1/applications", {**body, "department_code": "HXJD"}, format="json")
    assert response.status_code == 201, response.content
    response = api.post("/api/v1/applications", body, format="json")
    assert response.status_code == 400 and "department_code" in response.json()["fields"]
    client = Client()
    client.force_login(people.applicant)
    html = client.get(f"/apply/{DELEGATED}/").content.decode()
    assert "办理的乡镇（街道）" in html and "河西街道" in html


def township_and_district_cases(people):
    township = file(people, department_code="XJZ")
    for requirement in helpers.required_materials(township):
        helpers.upload(township, people.applicant, requirement)
    township = services.submit_application(case_id=township.pk, by=people.applicant)
    district = helpers.submitted_case(people)
    return township, district


def test_district_supervision_filters_township_cases_by_level(people):
    township, district = township_and_district_cases(people)
    client = Client()
    client.force_login(people.supervisor)
    html = client.get("/supervision/cases/", {"tier": "5"}).content.decode()
    assert township.number in html and district.number not in html
    html = client.get("/supervision/cases/", {"tier": "4"}).content.decode()
    assert district.number in html and township.number not in html
    assert client.get("/supervision/cases/", {"tier": "9"}).status_code == 400
    html = client.get("/supervision/", {"tier": "5"}).content.decode()
    assert "新街镇人民政府" in html and "区自然资源局" not in html.split('id="departments"')[1]
    api = APIClient()
    api.force_authenticate(people.supervisor)
    summary = api.get("/api/v1/supervision/summary", {"tier": "5"}).json()
    assert summary["open_cases"]["total"] == 1
    assert [(d["department"]["code"], d["level"]) for d in summary["departments"]] == [("XJZ", "5")]
    assert api.get("/api/v1/supervision/summary", {"tier": "x"}).status_code == 400
    assert api.get("/api/v1/supervision/warnings", {"tier": "5"}).status_code == 200
    assert api.get("/api/v1/supervision/warnings", {"tier": "7"}).status_code == 400
