"""Joint cases in the API (DESIGN.md, "More of the contract"): GET …/applications/{number}/tasks,
POST …/tasks/{id}/opinion, the 集中会审 endpoints, a department's tasks, and ``tasks`` in the case shape."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from approvals.models import Event, JointTask
from tests.approvals import helpers
from tests.approvals.helpers import PDF, at, frozen
from tests.approvals.test_joint import accepted_case, joint_items  # noqa: F401  (the module fixture)


@pytest.fixture
def people(joint_items, db, settings, tmp_path):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path
    return helpers.demo_people()


def client(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def task_id(case, code: str) -> int:
    return JointTask.objects.get(application=case, department__code=code).pk


def test_tasks_list_and_the_case_shape(people):
    case = accepted_case(people)
    with frozen(at(2026, 11, 3)):
        body = client(people.reviewer_xf).get(f"/api/v1/applications/{case.number}/tasks").json()
        shape = client(people.applicant2).get(f"/api/v1/applications/{case.number}").json()
    assert [(t["department"]["code"], t["opinion"], t["overdue"]) for t in body] == [
        ("XFJY", None, False), ("ZRZYJ", None, False)
    ]  # fmt: skip
    assert body[0]["due"] == "2026-11-20T23:59:59+08:00"
    assert set(body[0]) >= {"id", "department", "due", "opinion", "opinion_at", "reason", "attachments"}
    assert [t["department"]["code"] for t in shape["tasks"]] == ["XFJY", "ZRZYJ"]


def test_an_ordinary_case_has_no_tasks(people):
    case = helpers.case_in("accepted", people)
    assert client(people.applicant).get(f"/api/v1/applications/{case.number}/tasks").json() == []
    assert client(people.applicant).get(f"/api/v1/applications/{case.number}").json()["tasks"] == []


def test_opinion_as_json_is_an_event_on_the_timeline(people):
    case = accepted_case(people)
    url = f"/api/v1/applications/{case.number}/tasks/{task_id(case, 'ZRZYJ')}/opinion"
    with frozen(at(2026, 11, 5)):
        response = client(people.reviewer).post(url, {"opinion": "agree_with_conditions", "reason": "开工前放线复核"},
                                                 format="json")  # fmt: skip
    assert response.status_code == 201, response.content
    assert (response.json()["opinion"], response.json()["opinion_at"]) == ("agree_with_conditions",
                                                                           "2026-11-05T10:00:00+08:00")  # fmt: skip
    timeline = client(people.applicant2).get(f"/api/v1/applications/{case.number}").json()["timeline"]
    assert timeline[-1]["action"] == "joint_opinion" and timeline[-1]["reason"] == "开工前放线复核"


def test_opinion_with_attachments_as_multipart(people):
    case = accepted_case(people)
    url = f"/api/v1/applications/{case.number}/tasks/{task_id(case, 'XFJY')}/opinion"
    files = [SimpleUploadedFile("消防意见.pdf", PDF), SimpleUploadedFile("图纸.png", helpers.PNG)]
    with frozen(at(2026, 11, 5)):
        response = client(people.reviewer_xf).post(
            url, {"opinion": "disagree", "reason": "消防车道不足 4 米", "attachments": files}, format="multipart"
        )
    assert response.status_code == 201, response.content
    assert [a["name"] for a in response.json()["attachments"]] == ["消防意见.pdf", "图纸.png"]


@pytest.mark.parametrize(
    ("who", "body", "status", "error"),
    [
        ("reviewer", {"opinion": "agree"}, 403, "not_permitted"),  # 自然资源 answering for 消防
        ("clerk2", {"opinion": "agree"}, 404, "not_found"),  # a department that does not see the case
        ("reviewer_xf", {"opinion": "maybe"}, 400, "invalid"),
        ("reviewer_xf", {"opinion": "disagree", "reason": ""}, 400, "invalid"),
    ],
)
def test_opinion_errors(people, who, body, status, error):
    case = accepted_case(people)
    url = f"/api/v1/applications/{case.number}/tasks/{task_id(case, 'XFJY')}/opinion"
    response = client(getattr(people, who)).post(url, body, format="json")
    assert response.status_code == status, response.content
    assert set(response.json()) >= {"error", "detail", "fields"}
    assert not Event.objects.filter(application=case, action="joint_opinion").exists()


def test_a_wrong_file_is_415_and_a_second_opinion_409(people):
    case = accepted_case(people)
    url = f"/api/v1/applications/{case.number}/tasks/{task_id(case, 'XFJY')}/opinion"
    api = client(people.reviewer_xf)
    gif = SimpleUploadedFile("a.gif", helpers.GIF)
    assert api.post(url, {"opinion": "agree", "attachments": [gif]}, format="multipart").status_code == 415
    assert api.post(url, {"opinion": "agree"}, format="json").status_code == 201
    second = api.post(url, {"opinion": "disagree", "reason": "x"}, format="json")
    assert second.status_code == 409 and "不可更改" in second.json()["detail"]


def test_recommend_is_409_naming_the_missing_departments(people):
    case = accepted_case(people)
    response = client(people.reviewer_zj).post(
        f"/api/v1/applications/{case.number}/transitions/recommend", {"recommendation": "approve", "opinion": "同意"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 409
    assert "区消防救援大队" in response.json()["detail"] and "区自然资源局" in response.json()["detail"]


def test_meeting_and_minutes(people):
    case = accepted_case(people)
    api = client(people.reviewer_zj)
    with frozen(at(2026, 11, 3, 9)):
        response = api.post(f"/api/v1/applications/{case.number}/meetings", {
            "scheduled_at": "2026-11-04T14:00:00+08:00", "place": "联合会审室",
            "participants": ["reviewer_zj", "reviewer", "reviewer_xf"],
        }, format="json")  # fmt: skip
        assert response.status_code == 201, response.content
        meeting = response.json()
        unknown = api.post(
            f"/api/v1/applications/{case.number}/meetings",
            {"scheduled_at": "2026-11-04T14:00:00+08:00", "place": "x", "participants": ["nobody"]},
            format="json",
        )
        assert unknown.status_code == 400 and "participants" in unknown.json()["fields"]
    with frozen(at(2026, 11, 4, 16)):
        minutes = api.post(f"/api/v1/applications/{case.number}/meetings/{meeting['id']}/minutes",
                           {"minutes": "一致同意", "outcome": "agreed"}, format="json")  # fmt: skip
        assert minutes.status_code == 200 and minutes.json()["outcome"] == "agreed"
        pdf = api.get(f"/api/v1/applications/{case.number}/notices/joint_minutes")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    listed = client(people.reviewer_xf).get(f"/api/v1/applications/{case.number}/meetings").json()
    assert set(listed[0]["participants"]) == {"reviewer_zj", "reviewer", "reviewer_xf"}


def test_my_tasks_with_counts_in_constant_queries(people, django_assert_max_num_queries):
    for day in (2, 3, 4):
        accepted_case(people, on=at(2026, 11, day, 9))
    api = client(people.reviewer_xf)
    with frozen(at(2026, 11, 24, 9)), django_assert_max_num_queries(6):
        body = api.get("/api/v1/me/tasks").json()
    assert body["counts"] == {"open": 3, "overdue": 2, "due_soon": 1, "done": 0}
    assert [t["due"][:10] for t in body["tasks"]] == ["2026-11-20", "2026-11-23", "2026-11-24"]
    assert all(t["overdue"] for t in body["tasks"][:2]) and body["tasks"][0]["case_number"]
    assert client(people.applicant).get("/api/v1/me/tasks").json()["tasks"] == []


# --- the authorisation matrix of a joint case (DESIGN.md, Permissions; tests/reliability's convention) ------
# The 施工许可 of applicant2, led by 住建 (ZJJ) with 自然资源 (ZRZYJ) and 消防 (XFJY). Written out by hand:
# outsiders 404, in scope but not entitled 403, anonymous 401.
JOINT_ROLES = ["anonymous", "applicant", "applicant2", "clerk2", "reviewer_hb", "clerk", "reviewer", "clerk_zj",
               "approver_zj", "supervisor", "reviewer_zj", "reviewer_xf"]  # fmt: skip
JOINT_OUTSIDERS = {"applicant", "clerk2", "reviewer_hb"}  # another applicant, departments not in the case


def expected(role: str, entitled: str, ok: int) -> int:
    if role == "anonymous":
        return 401
    if role in JOINT_OUTSIDERS:
        return 404
    return ok if role == entitled else 403


def anyone(people, role: str) -> APIClient:
    api = APIClient()
    if role != "anonymous":
        api.force_authenticate(getattr(people, role))
    return api


def test_every_role_against_the_joint_endpoints(people):
    case = accepted_case(people)
    for role in JOINT_ROLES:
        status = anyone(people, role).get(f"/api/v1/applications/{case.number}/tasks").status_code
        assert status == expected(role, role, 200), role  # reading: everyone who sees the case
    opinion_url = f"/api/v1/applications/{case.number}/tasks/{task_id(case, 'XFJY')}/opinion"
    meeting_body = {"scheduled_at": "2026-12-01T14:00:00+08:00", "place": "会审室", "participants": ["reviewer_xf"]}
    for role in JOINT_ROLES:  # the entitled ones last: nothing has changed before them
        response = anyone(people, role).post(opinion_url, {"opinion": "agree"}, format="json")
        assert response.status_code == expected(role, "reviewer_xf", 201), (role, response.content)
        meeting = anyone(people, role).post(f"/api/v1/applications/{case.number}/meetings", meeting_body,
                                            format="json")  # fmt: skip
        lead = role if role in ("reviewer_zj", "approver_zj") else "reviewer_zj"
        assert meeting.status_code == expected(role, lead, 201), (role, meeting.content)
        if response.status_code >= 400:
            assert set(response.json()) == {"error", "detail", "fields"}, role


def test_my_tasks_do_not_grow_with_the_tasks(people):
    """Issue 22: a department's 联办任务, 1 case then 4, not more statements."""
    from tests.querycount import assert_flat

    accepted_case(people, on=at(2026, 11, 2, 9))
    api = client(people.reviewer_xf)
    with frozen(at(2026, 11, 24, 9)):
        assert_flat(
            lambda: api.get("/api/v1/me/tasks").json()["tasks"],
            lambda: [accepted_case(people, on=at(2026, 11, day, 9)) for day in (3, 4, 5)],
            len,
        )
