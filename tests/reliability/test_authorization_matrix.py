"""The authorisation matrix (DESIGN.md, Permissions): every role against a case's reads, its documents,
its transitions, the supervision API and the staff pages, each with the status the design says.

- a case outside one's scope does not exist: 404, never 403 (no enumeration);
- inside the scope, an action of another role: 403;
- supervisors read everything and change nothing: their transitions are 403;
- anonymous API calls: 401; anonymous pages: the login page (302).

The tables are written out by hand from DESIGN.md ("who acts"), not derived from the code, so a
change of who may do what fails here until the design and this table agree. Later features add
their rows here.
"""

import pytest
from rest_framework.test import APIClient

from approvals import workflow
from approvals.models import Application
from tests.approvals import helpers
from tests.approvals.helpers import case_in, correction_notice_items, upload

ROLES = ["anonymous", "applicant", "applicant2", "agent", "clerk", "clerk2", "reviewer", "approver", "cashier",
         "supervisor", "catalog_admin"]  # fmt: skip
# The case belongs to `applicant`, in the department of clerk, reviewer, approver and cashier (ZRZYJ);
# applicant2, agent (not its filer), clerk2 (another department) and catalog_admin are outsiders.
OUTSIDERS = {"applicant2", "agent", "clerk2", "catalog_admin"}
IN_SCOPE_STAFF = {"clerk", "reviewer", "approver", "cashier", "supervisor"}

# Who acts (DESIGN.md, API "who acts", and "The workflow"): the one role entitled to each transition.
WHO_ACTS = {
    "submit": "applicant", "resubmit": "applicant", "withdraw": "applicant",
    "accept": "clerk", "request_correction": "clerk", "reject_intake": "clerk", "deliver": "clerk",
    "start_review": "reviewer", "suspend": "reviewer", "resume": "reviewer", "recommend": "reviewer",
    "approve": "approver", "deny": "approver", "extend": "approver", "return_for_review": "approver",
    "terminate": "approver", "dispatch": "clerk",
    # 即办件 (issue 17): the item's decision authority; without a chief representative's delegation, the approver
    "decide_on_the_spot": "approver",
    # 告知承诺 found false (issue 17): an approver revokes the approval; 秒批 is the system's act, no person's
    "revoke": "approver", "instant_approve": "system",
}  # fmt: skip
BODIES = {
    "reject_intake": {"reason": "不属于本机关职权范围"}, "suspend": {"procedure": "hearing", "reason": "听证"},
    "extend": {"days": 3, "reason": "现场核查"}, "deny": {"reason": "不符合规划"}, "terminate": {"reason": "已注销"},
    "recommend": {"recommendation": "approve", "opinion": "符合条件"}, "return_for_review": {"reason": "补充核查"},
    "deliver": {"method": "window"}, "withdraw": {"reason": "不办了"}, "decide_on_the_spot": {"decision": "approve"},
    "revoke": {"reason": "承诺不实：现场核查发现申请人不具备所承诺的条件", "basis": "行政许可法第六十九条第二款"},
}  # fmt: skip
INSTANT = "ZRZYJ-GG-0007"  # decide_on_the_spot exists only for a 即办件 of the same department
# A state each transition leaves from (the path through the table that reaches it).
FROM_STATE = {step.name: step.source[-1] if step.name == "withdraw" else step.source[0] for step in workflow.STEPS}


def expected_transition_status(action: str, role: str) -> int:
    if role == "anonymous":
        return 401
    if role == WHO_ACTS[action]:
        return 200
    if role in OUTSIDERS:
        return 404
    return 403  # in scope, another role (the supervisor included)


def expected_read_status(role: str) -> int:
    """The case and its documents through the API."""
    return {"anonymous": 401, **dict.fromkeys(OUTSIDERS, 404)}.get(role, 200)


def api_for(people, role: str) -> APIClient:
    api = APIClient()
    if role != "anonymous":
        api.force_authenticate(getattr(people, role))
    return api


def test_the_design_names_one_role_for_every_transition_of_the_table():
    assert set(WHO_ACTS) == set(workflow.BY_NAME)


@pytest.mark.parametrize("action", sorted(WHO_ACTS))
def test_every_role_against_every_transition(people, action):
    if action == "decide_on_the_spot":
        case = helpers.submitted_case(people, code=INSTANT)
    else:
        case = case_in(FROM_STATE[action], people)
    body = dict(BODIES.get(action, {}))
    if action == "request_correction":
        body = {"items": correction_notice_items(case), "reason": "材料不全"}
    if action == "dispatch":  # 交寄快递: the applicant chose express delivery to an address
        express = {"delivery_recipient": "张伟", "delivery_phone": "13800000001", "delivery_address": "文三路 1 号"}
        Application.objects.filter(pk=case.pk).update(delivery_choice="express", **express)
    if action == "resubmit":  # the requested materials replaced first
        for item in case.correction_notices.get().items.all():
            upload(case, people.applicant, item.requirement_id)
    url = f"/api/v1/applications/{case.number}/transitions/{action}"
    entitled = WHO_ACTS[action]
    for role in [r for r in ROLES if r != entitled] + [r for r in ROLES if r == entitled]:
        response = api_for(people, role).post(url, body, format="json")
        assert response.status_code == expected_transition_status(action, role), (action, role, response.content)
        if response.status_code != 200:
            assert set(response.json()) == {"error", "detail", "fields"}, (action, role)
            assert Application.objects.get(pk=case.pk).state == FROM_STATE[action], (action, role)


def test_every_role_against_a_case_and_its_documents(people):
    case = case_in("accepted", people)
    for role in ROLES:
        api = api_for(people, role)
        expected = expected_read_status(role)
        assert api.get(f"/api/v1/applications/{case.number}").status_code == expected, role
        notice = api.get(f"/api/v1/applications/{case.number}/notices/acceptance")
        assert notice.status_code == expected, role
        if expected == 200:
            assert notice["Content-Type"] == "application/pdf"
        # a document the case has not produced is 404 for everyone who may read the case
        missing = api.get(f"/api/v1/applications/{case.number}/notices/decision").status_code
        assert missing == (expected if expected != 200 else 404), role


@pytest.mark.parametrize("path", ["/api/v1/supervision/summary", "/api/v1/supervision/warnings",
                                  "/api/v1/supervision/events"])  # fmt: skip
def test_only_supervisors_read_the_supervision_api(people, path):
    for role in ROLES:
        status = api_for(people, role).get(path).status_code
        assert status == {"anonymous": 401, "supervisor": 200}.get(role, 403), (path, role)


# HTML pages: page → {role: status} for the roles that differ from the default.
STAFF_PAGE = {"anonymous": 302, **dict.fromkeys(["clerk", "clerk2", "reviewer", "approver", "cashier"], 200)}
PAGES = {
    "/workbench/": ({**STAFF_PAGE}, 403),
    "/supervision/": ({"anonymous": 302, "supervisor": 200}, 403),
    "/my/cases/": ({"anonymous": 302}, 200),
    "/inbox/": ({"anonymous": 302}, 200),
}


@pytest.mark.parametrize("path", sorted(PAGES))
def test_every_role_against_the_staff_and_supervision_pages(people, client, path):
    statuses, default = PAGES[path]
    for role in ROLES:
        client.logout()
        if role != "anonymous":
            client.force_login(getattr(people, role))
        assert client.get(path).status_code == statuses.get(role, default), (path, role)


def test_every_role_against_a_cases_pages(people, client):
    case = case_in("accepted", people)
    # the applicant's page: the owner reads it; staff in scope are sent to their workbench page
    portal = {"anonymous": 302, "applicant": 200, **dict.fromkeys(IN_SCOPE_STAFF, 302)}
    # the workbench page: staff in scope and supervisors (read-only); the owner has the portal page
    workbench = {"anonymous": 302, **dict.fromkeys(IN_SCOPE_STAFF, 200)}
    # acting from the workbench: department staff are answered on the page (302 back to it, the reviewer's
    # act done, the others' refused with a message); everyone else finds no such case
    act = {"anonymous": 302, **dict.fromkeys(["clerk", "reviewer", "approver", "cashier"], 302)}
    for role in ROLES:
        client.logout()
        if role != "anonymous":
            client.force_login(getattr(people, role))
        assert client.get(f"/cases/{case.number}/").status_code == portal.get(role, 404), role
        assert client.get(f"/workbench/cases/{case.number}/").status_code == workbench.get(role, 404), role
        assert client.post(f"/workbench/cases/{case.number}/act/start_review/").status_code == act.get(role, 404)
    assert Application.objects.get(pk=case.pk).state == "under_review"  # only the reviewer's went through
    assert helpers.reload(case).events.filter(action="start_review").count() == 1
