"""The applications API under /api/v1/ (DESIGN.md, API): filing, uploads, transitions, reading, progress."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle

from approvals import services
from approvals.models import Application, Event, IdempotencyKey
from approvals.workflow import BY_NAME as TRANSITIONS
from approvals.workflow import decision_terms
from fees import services as fees_services
from hall.models import User

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("api_media")]

URL = "/api/v1/applications"
GARBAGE = [[], "x", 7, None, {"reason": {"a": 1}}, {"items": "x"}, {"items": [1, [2]]},
           {"items": [{"requirement_id": [], "reason": {}}]}, {"items": [{"requirement_id": 10**30, "reason": "x"}]},
           {"days": [], "reason": []}, {"days": 10**30}, {"method": {}, "procedure": [], "tracking_number": ["x"]},
           {"remedy": 5, "reason": True}]  # fmt: skip


def error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error", "detail", "fields"}
    if code:
        assert body["error"] == code
    return body


def transition(api, case, name: str, body: dict | None = None, *, expand: bool = False, **extra):
    """POST a transition; ``expand``: answered with the whole case shape (``?expand=case``)."""
    url = f"{URL}/{case.number}/transitions/{name}" + ("?expand=case" if expand else "")
    return api.post(url, body or {}, format="json", **extra)


# --- filing ---------------------------------------------------------------------------------------------


def test_an_applicant_files_and_gets_number_state_and_query_code(api_as, api_body):
    response = api_as("applicant").post(URL, api_body, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"number", "state", "query_code"} and body["state"] == "draft"
    assert body["number"].startswith("ZRZYJ-") and len(body["query_code"]) == 8
    assert response["Location"] == f"{URL}/{body['number']}"


def test_the_same_idempotency_key_returns_the_same_case(api_as, api_body, api_users):
    api = api_as("applicant")
    first = api.post(URL, api_body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = api.post(URL, api_body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["number"] == again.json()["number"]
    assert Application.objects.filter(owner=api_users["applicant"]).count() == 1
    other = api_as("applicant2").post(URL, api_body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 201 and other.json()["number"] != first.json()["number"]
    error(api.post(URL, api_body, format="json", HTTP_IDEMPOTENCY_KEY="k" * 101), 400)
    assert IdempotencyKey.objects.count() == 2


def test_an_invalid_resident_id_is_400_naming_the_field(api_as, api_body):
    api_body["applicant"]["id_number"] = "110105194912310021"
    body = error(api_as("applicant").post(URL, api_body, format="json"), 400, "invalid")
    assert "applicant.id_number" in body["fields"]


def test_an_organisation_files_with_its_unified_social_credit_code(api_as, api_body):
    api_body["applicant"] |= {"type": "organisation", "name": "杭州滨江建设有限公司", "id_number": "91350100M000100Y43"}
    assert api_as("applicant").post(URL, api_body, format="json").status_code == 201
    api_body["applicant"]["id_number"] = "91350100M000100Y44"
    assert "applicant.id_number" in error(api_as("applicant").post(URL, api_body, format="json"), 400)["fields"]


def test_unknown_and_missing_form_fields_are_400(api_as, api_body):
    required = next(iter(api_body["form"]))
    del api_body["form"][required]
    api_body["form"]["favourite_colour"] = "蓝"
    fields = error(api_as("applicant").post(URL, api_body, format="json"), 400)["fields"]
    assert {f"form.{required}", "form.favourite_colour"} <= set(fields)


@pytest.mark.parametrize(
    "mutate",
    [lambda b: [b], lambda b: "text", lambda b: 42, lambda b: {**b, "applicant": ["张伟"]},
     lambda b: {**b, "form": ["x"]}, lambda b: {**b, "form": {"x": {"nested": 1}}}, lambda b: {**b, "item_code": {}},
     lambda b: {**b, "agent": "me"}, lambda b: {**b, "channel": "fax"}, lambda b: {**b, "item_code": "NOPE-0000"},
     lambda b: {**b, "applicant": {**b["applicant"], "name": ["张"], "type": "robot"}}],
)  # fmt: skip
def test_bodies_of_the_wrong_shape_are_400_never_500(api_as, api_body, mutate):
    api = api_as("applicant")
    error(api.generic("POST", URL, json.dumps(mutate(api_body)), content_type="application/json"), 400, "invalid")
    error(api.post(URL, "{not json", content_type="application/json"), 400, "parse_error")


def test_agents_need_the_principals_authorisation_and_staff_file_only_at_the_window(api_as, api_body):
    assert "agent" in error(api_as("agent").post(URL, api_body, format="json"), 400)["fields"]
    with_agent = {**api_body, "agent": {"name": "王强", "id_number": "11010519491231002X", "phone": "13800000003",
                                         "authorisation": "委托书 001"}}  # fmt: skip
    assert api_as("agent").post(URL, with_agent, format="json").status_code == 201
    error(api_as("reviewer").post(URL, api_body, format="json"), 403)
    error(api_as("clerk").post(URL, {**api_body, "channel": "online"}, format="json"), 403)
    walk_in = api_as("clerk").post(URL, api_body, format="json")
    assert walk_in.status_code == 201
    assert Application.objects.get(number=walk_in.json()["number"]).channel == "window"
    error(api_as(None).post(URL, api_body, format="json"), 401)


# --- materials ------------------------------------------------------------------------------------------


def test_a_material_upload_answers_201_with_the_material(api_as, api_case, api_pdf):
    case = api_case(complete=False)
    requirement = case.item_version.materials.filter(required=True).first()
    response = api_as("applicant").post(
        f"{URL}/{case.number}/materials", {"requirement_id": requirement.pk, "file": api_pdf()}, format="multipart"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert {"id", "requirement_id", "name", "required", "status", "revision", "sha256", "size", "content_type"} <= set(
        body
    )
    assert (body["requirement_id"], body["name"], body["status"], body["revision"]) == (
        requirement.pk, requirement.name, "uploaded", 1,
    )  # fmt: skip
    assert body["content_type"] == "application/pdf" and len(body["sha256"]) == 64
    again = api_as("applicant").post(
        f"{URL}/{case.number}/materials", {"requirement_id": requirement.pk, "file": api_pdf()}, format="multipart"
    )
    assert (again.json()["status"], again.json()["revision"]) == ("replaced", 2)


def test_uploads_are_checked_by_content_size_and_requirement(api_as, api_case, api_pdf, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = api_case(complete=False)
    url, req = f"{URL}/{case.number}/materials", case.item_version.materials.first().pk
    api = api_as("applicant")
    gif = SimpleUploadedFile("a.pdf", b"GIF89a" + b"\x00" * 64, "application/pdf")
    error(api.post(url, {"requirement_id": req, "file": gif}, format="multipart"), 415, "unsupported_media_type")
    settings.UPLOAD_MAX_MB = 1
    big = api_pdf(size=int(1.1 * 1024 * 1024))
    error(api.post(url, {"requirement_id": req, "file": big}, format="multipart"), 413, "too_large")
    assert "file" in error(api.post(url, {"requirement_id": req}, format="multipart"), 400)["fields"]
    assert "requirement_id" in error(api.post(url, {"file": api_pdf()}, format="multipart"), 400)["fields"]
    assert "requirement_id" in error(api.post(url, {"requirement_id": "x", "file": api_pdf()}), 400)["fields"]
    assert "requirement_id" in error(api.post(url, {"requirement_id": 10**12, "file": api_pdf()}), 400)["fields"]
    error(api.post(url, {"requirement_id": req, "file": "not a file"}, format="json"), 400)


def test_a_material_of_an_earlier_case_is_reused(api_as, api_case, api_users):
    earlier, case = api_case(), api_case(complete=False)
    source = earlier.materials.first()
    url, api = f"{URL}/{case.number}/materials", api_as("applicant")
    response = api.post(url, {"requirement_id": source.requirement_id, "material_id": source.pk}, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["status"], response.json()["sha256"]) == ("reused", source.sha256)
    foreign = api_case("applicant2").materials.first()
    body = {"requirement_id": foreign.requirement_id, "material_id": foreign.pk}
    assert "material_id" in error(api.post(url, body, format="json"), 400)["fields"]
    body = {"requirement_id": source.requirement_id, "material_id": "abc"}
    assert "material_id" in error(api.post(url, body, format="json"), 400)["fields"]


# --- transitions -----------------------------------------------------------------------------------------


def test_the_full_happy_path_through_the_api(api_as, api_case):
    case = api_case()
    applicant, clerk, reviewer, approver = (api_as(u) for u in ("applicant", "clerk", "reviewer", "approver"))
    assert transition(applicant, case, "submit").json()["state"] == "submitted"
    accepted = transition(clerk, case, "accept", expand=True).json()
    assert accepted["state"] == "accepted" and accepted["decision_due"] and accepted["handler"] == "陈静"
    assert transition(reviewer, case, "start_review", expand=True).json()["state"] == "under_review"
    suspended = transition(
        reviewer, case, "suspend", {"procedure": "expert_review", "reason": "组织专家评审"}, expand=True
    ).json()
    assert suspended["state"] == "suspended" and suspended["suspensions"][0]["procedure"] == "expert_review"
    resumed = transition(reviewer, case, "resume", expand=True).json()
    assert resumed["state"] == "under_review" and resumed["suspensions"][0]["ended_at"]
    extended = transition(approver, case, "extend", {"days": 5, "reason": "需现场核查"}, expand=True).json()
    assert extended["extension_days"] == 5 and extended["decision_due"] > resumed["decision_due"]
    body = {"recommendation": "approve", "opinion": "材料齐全，符合法定条件"}
    recommended = transition(reviewer, case, "recommend", body, expand=True).json()
    assert recommended["state"] == "awaiting_decision"
    assert recommended["recommendation"]["recommendation"] == "approve"
    decided = transition(approver, case, "approve", {"reason": "符合法定条件"}, expand=True).json()
    assert (decided["state"], decided["decision"]) == ("decided", "approved") and decided["delivery_due"]
    # 一口收费: a fee-charging item is delivered once its fees are assessed and paid (issue 15)
    assert transition(clerk, case, "deliver", {"method": "window"}).status_code == 409
    fee = case.item_version.fees.first()
    assessed = clerk.post(f"{URL}/{case.number}/fees/assessment", {"lines": [{"fee_id": fee.pk, "quantity": 1}]},
                          format="json")  # fmt: skip
    assert assessed.status_code == 201, assessed.content
    cashier = User.objects.get(username="cashier")
    fees_services.collect_at_window(payment_code=assessed.json()["payment_code"], by=cashier,
                                    amount_fen=assessed.json()["due_fen"], channel="cash")  # fmt: skip
    delivered = transition(clerk, case, "deliver", {"method": "express", "tracking_number": "SF1234567890"})
    assert delivered.status_code == 200, delivered.content
    body = applicant.get(f"{URL}/{case.number}").json()
    assert body["state"] == "delivered" and body["delivered_at"] and body["delivery_method"] == "express"
    assert [(e["action"], e["to_state"]) for e in body["timeline"]] == [
        ("create", "draft"), ("submit", "submitted"), ("accept", "accepted"), ("start_review", "under_review"),
        ("suspend", "suspended"), ("resume", "under_review"), ("extend", "under_review"),
        ("recommend", "awaiting_decision"), ("approve", "decided"), ("deliver", "delivered"),
    ]  # fmt: skip
    assert [e["actor_role"] for e in body["timeline"]][1:4] == ["applicant", "clerk", "reviewer"]
    assert body["timeline"][4]["reason"] == "组织专家评审"
    assert Event.objects.filter(application__number=case.number, action="accept").get().ip == "127.0.0.1"


def test_a_correction_notice_lists_items_and_the_applicant_resubmits(api_as, api_case, api_pdf):
    case = api_case(submit=True)
    requirement = case.item_version.materials.filter(required=True).first()
    items = [{"requirement_id": requirement.pk, "reason": "扫描件不清晰"}]
    body = transition(api_as("clerk"), case, "request_correction", {"items": items, "reason": "材料不全"}, expand=True)
    body = body.json()
    assert body["state"] == "correction_requested"
    assert body["correction_notices"][0]["items"] == [
        {"requirement_id": requirement.pk, "name": requirement.name, "reason": "扫描件不清晰"}
    ]
    row = next(m for m in body["materials"] if m["requirement_id"] == requirement.pk)
    assert row["status"] == "correction_requested"
    applicant = api_as("applicant")
    error(transition(applicant, case, "resubmit"), 400)
    upload = {"requirement_id": requirement.pk, "file": api_pdf()}
    assert applicant.post(f"{URL}/{case.number}/materials", upload, format="multipart").status_code == 201
    assert transition(applicant, case, "resubmit").json()["state"] == "submitted"


def test_three_opinions_recommend_return_and_decide(api_as, api_case):
    """审查 → 决定: approving before a recommendation is 409 in Chinese; the approver can send the
    recommendation back; the decision follows the second one; the recommendation is in the case shape."""
    case = api_case(submit=True)
    reviewer, approver, applicant = api_as("reviewer"), api_as("approver"), api_as("applicant")
    transition(api_as("clerk"), case, "accept")
    transition(reviewer, case, "start_review")
    refused = error(transition(approver, case, "approve", {"reason": "同意"}), 409, "transition_not_allowed")
    approve_label = decision_terms(case.item.type).approve_label  # 准予许可 only for 行政许可 items
    assert refused["detail"] == f"办件当前状态为“审查中”，不能执行“{approve_label}”。"
    assert "opinion" in error(transition(reviewer, case, "recommend", {"recommendation": "approve"}), 400)["fields"]
    assert (
        "recommendation" in error(transition(reviewer, case, "recommend", {"recommendation": "maybe"}), 400)["fields"]
    )
    error(transition(approver, case, "recommend", {"recommendation": "approve", "opinion": "好"}), 403)
    body = {"recommendation": "deny", "opinion": "用途与规划不符"}
    assert transition(reviewer, case, "recommend", body).json()["state"] == "awaiting_decision"
    assert applicant.get(f"{URL}/{case.number}").json()["recommendation"] is None  # internal until decided
    assert "reason" in error(transition(approver, case, "return_for_review", {}), 400)["fields"]
    returned = transition(approver, case, "return_for_review", {"reason": "请补充现场核查"}, expand=True).json()
    assert returned["state"] == "under_review" and returned["recommendation"] is None
    transition(reviewer, case, "recommend", {"recommendation": "approve", "opinion": "核查后用途相符"})
    decided = transition(approver, case, "approve", {}, expand=True).json()
    assert decided["state"] == "decided" and decided["decision_name"] == approve_label
    shown = applicant.get(f"{URL}/{case.number}").json()["recommendation"]
    assert shown["recommendation"] == "approve" and shown["opinion"] == "核查后用途相符"
    actions = [e["action"] for e in decided["timeline"]]
    assert actions[-4:] == ["recommend", "return_for_review", "recommend", "approve"]


def test_illegal_unknown_and_badly_typed_transitions(api_as, api_case):
    case = api_case(submit=True)
    error(transition(api_as("reviewer"), case, "start_review"), 409, "transition_not_allowed")
    error(transition(api_as("applicant"), case, "submit"), 409, "transition_not_allowed")
    error(transition(api_as("clerk"), case, "teleport"), 404, "not_found")
    error(transition(api_as("applicant"), case, "accept"), 403)
    assert "days" in error(transition(api_as("approver"), case, "extend", {"days": "x", "reason": "r"}), 400)["fields"]
    assert "method" in error(transition(api_as("clerk"), case, "deliver", {"method": "drone"}), 400)["fields"]
    assert "reason" in error(transition(api_as("clerk"), case, "reject_intake", {"reason": " "}), 400)["fields"]
    assert Application.objects.get(pk=case.pk).state == "submitted"


def test_garbage_bodies_never_cause_a_500(api_as, api_case):
    case = api_case(submit=True)
    for username in ("applicant", "clerk", "approver"):
        api = api_as(username)
        for name in [*TRANSITIONS, "nope"]:
            for payload in GARBAGE:
                url = f"{URL}/{case.number}/transitions/{name}"
                response = api.generic("POST", url, json.dumps(payload), content_type="application/json")
                assert response.status_code < 500, (username, name, payload, response.content)
        for payload in GARBAGE:
            response = api.generic("POST", f"{URL}/{case.number}/materials", json.dumps(payload), "application/json")
            assert response.status_code < 500, (payload, response.content)
    draft = api_case(complete=False)
    forged = transition(api_as("applicant"), draft, "withdraw", HTTP_X_FORWARDED_FOR="not-an-ip, 10.0.0.1")
    # Not behind a trusted proxy: the forged header is ignored, the socket address is recorded.
    assert forged.status_code == 200 and Event.objects.get(application=draft, action="withdraw").ip == "127.0.0.1"


# --- reading and scope -------------------------------------------------------------------------------------


def test_others_cases_answer_404_and_anonymous_401(api_as, api_case, api_pdf):
    case = api_case(submit=True)
    req = case.item_version.materials.first().pk
    for username in ("applicant2", "clerk2", "agent"):
        api = api_as(username)
        error(api.get(f"{URL}/{case.number}"), 404, "not_found")
        error(transition(api, case, "withdraw"), 404, "not_found")
        error(api.post(f"{URL}/{case.number}/materials", {"requirement_id": req, "file": api_pdf()}), 404)
    error(api_as("applicant").get(f"{URL}/NOPE-20260101-0001"), 404, "not_found")
    error(api_as(None).get(f"{URL}/{case.number}"), 401)
    error(api_as(None).get(URL), 401)
    assert api_as("clerk").get(f"{URL}/{case.number}").status_code == 200
    assert api_as("supervisor").get(f"{URL}/{case.number}").status_code == 200


def test_the_case_shape_masks_personal_data_and_dates_carry_the_offset(api_as, api_case):
    case = api_case(submit=True)
    body = api_as("applicant").get(f"{URL}/{case.number}").json()
    for key in ("number", "state", "item_code", "applicant", "submitted_at", "accepted_at", "decided_at",
                "delivered_at", "accept_due", "decision_due", "decision_yellow_at", "delivery_due",
                "deadline_provisional", "decision", "materials", "timeline", "fees"):  # fmt: skip
        assert key in body, key
    assert body["applicant"] == {"type": "person", "name": "张*", "id_number": "110105********002X",
                                 "phone": "138****0001", "address": "浙江省杭州市****"}  # fmt: skip
    assert "张伟" not in json.dumps(body, ensure_ascii=False) and "13800000001" not in json.dumps(body)
    assert body["submitted_at"].endswith("+08:00") and body["accept_due"].endswith("23:59:59+08:00")
    assert body["query_code"] == case.query_code and body["department"]["code"] == "ZRZYJ"
    assert set(body["fees"]) == {"due_fen", "paid_fen", "refunded_fen", "waived_fen", "payment_code", "status"}
    requirements = list(case.item_version.materials.all())
    assert [m["requirement_id"] for m in body["materials"]] == [r.pk for r in requirements]
    statuses = {m["requirement_id"]: m["status"] for m in body["materials"]}
    assert {statuses[r.pk] for r in requirements if r.required} == {"uploaded"}
    assert {statuses[r.pk] for r in requirements if not r.required} <= {"not_provided"}
    assert api_as("clerk").get(f"{URL}/{case.number}").json()["query_code"] is None


def test_the_case_detail_runs_in_constant_queries(api_as, api_case, api_users, django_assert_max_num_queries):
    case = api_case(submit=True)
    items = [{"requirement_id": r.pk, "reason": "不清晰"} for r in case.item_version.materials.filter(required=True)]
    services.request_correction(case_id=case.pk, by=api_users["clerk"], items=items)
    api = api_as("applicant")
    api.get(f"{URL}/{case.number}")  # the user's roles are loaded once per user object
    with django_assert_max_num_queries(9):  # 8, +1 for the ratings per stage (issue 21)
        body = api.get(f"{URL}/{case.number}").json()
    assert {m["status"] for m in body["materials"] if m["required"]} == {"correction_requested"}


def test_a_missing_required_material_reads_missing(api_as, api_case):
    body = api_as("applicant").get(f"{URL}/{api_case(complete=False).number}").json()
    assert {m["status"] for m in body["materials"] if m["required"]} == {"missing"}
    assert all(m["id"] is None for m in body["materials"])


# --- lists -------------------------------------------------------------------------------------------------


def test_applicants_list_their_own_cases_and_clerks_their_department_queue(api_as, api_case):
    mine, theirs, draft = api_case(submit=True), api_case("applicant2", submit=True), api_case()
    rows = api_as("applicant").get(URL).json()["results"]
    assert {r["number"] for r in rows} == {mine.number, draft.number}
    assert rows[0]["number"] == draft.number  # newest first
    row = next(r for r in rows if r["number"] == mine.number)
    assert set(row) >= {"number", "state", "item_code", "item_name", "department", "applicant_name", "submitted_at",
                        "decision_due", "deadline_provisional", "overdue"}  # fmt: skip
    assert row["applicant_name"] == "张*" and row["department"]["code"] == "ZRZYJ"
    queue = {r["number"] for r in api_as("clerk").get(URL).json()["results"]}
    assert queue == {mine.number, theirs.number}  # others' drafts stay private
    assert api_as("clerk2").get(URL).json()["results"] == []
    assert {r["number"] for r in api_as("clerk").get(URL, {"state": "draft"}).json()["results"]} == set()
    assert [r["number"] for r in api_as("applicant").get(URL, {"state": "draft"}).json()["results"]] == [draft.number]
    assert len(api_as("clerk").get(URL, {"item": mine.item.code, "department": "ZRZYJ"}).json()["results"]) == 2
    error(api_as("clerk").get(URL, {"state": "flying"}), 400)
    error(api_as("clerk").get(URL, {"cursor": "garbage"}), 400)  # bad input, not an absent page (issue 12)


def test_the_overdue_filter_lists_cases_past_their_running_period(api_as, api_case, api_users):
    late, unanswered = api_case(submit=True), api_case(submit=True)
    services.accept_application(case_id=late.pk, by=api_users["clerk"])
    with time_machine.travel(timezone.now() + timedelta(days=120)):
        on_time = api_case(submit=True)  # received today: acceptance is due in 5 working days
        rows = api_as("clerk").get(URL, {"overdue": "true"}).json()["results"]
        # the decision period of one, the acceptance period (art. 32) of the other
        assert {(r["number"], r["overdue"]) for r in rows} == {(late.number, True), (unanswered.number, True)}
        all_rows = {r["number"]: r["overdue"] for r in api_as("clerk").get(URL).json()["results"]}
        assert all_rows == {late.number: True, unanswered.number: True, on_time.number: False}


@pytest.mark.parametrize("username", ["applicant", "clerk", "supervisor"])
def test_the_list_runs_in_constant_queries_and_pages_by_cursor(
    api_as, api_case, username, django_assert_max_num_queries
):
    for _ in range(22):
        api_case(complete=False, submit=True)
    api = api_as(username)
    api.get(URL)  # the user's roles are loaded once per user object
    counts = {}
    for size in (5, 50):
        with CaptureQueriesContext(connection) as queries:
            rows = api.get(URL, {"page_size": size}).json()["results"]
        counts[size] = len(queries)
        assert len(rows) == min(size, 22)
    assert counts[5] == counts[50], counts
    with django_assert_max_num_queries(4):
        page = api.get(URL, {"page_size": 5}).json()
    seen = [r["number"] for r in page["results"]]
    while page["next"]:
        page = api.get(page["next"]).json()
        seen += [r["number"] for r in page["results"]]
    assert len(seen) == len(set(seen)) == 22


# --- public progress ----------------------------------------------------------------------------------------


def test_progress_with_the_right_code_shows_state_and_timeline_without_personal_data(api_as, api_case):
    case = api_case(submit=True)
    response = api_as(None).get("/api/v1/progress", {"number": case.number, "query_code": case.query_code.lower()})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "submitted" and body["department"]["code"] == "ZRZYJ" and body["item_name"]
    assert [e["action"] for e in body["timeline"]] == ["create", "submit"]
    assert set(body["timeline"][0]) == {"action", "at", "to_state"}
    text = json.dumps(body, ensure_ascii=False)
    for secret in ("张伟", "张*", "11010519491231002X", "13800000001", "applicant", "query_code"):
        assert secret not in text


def test_progress_answers_the_same_404_for_a_wrong_code_or_number(api_as, api_case):
    case, api = api_case(), api_as(None)
    wrong_code = error(api.get("/api/v1/progress", {"number": case.number, "query_code": "WRONG123"}), 404)
    wrong_number = error(api.get("/api/v1/progress", {"number": "X-1", "query_code": case.query_code}), 404)
    assert wrong_code == wrong_number
    error(api.get("/api/v1/progress", {"number": case.number}), 404)
    error(api.get("/api/v1/progress", {"number": case.number, "query_code": "查询码"}), 404)


def test_progress_is_throttled(api_as, api_case, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"progress": "3/min"})
    case, api = api_case(), api_as(None)
    query = {"number": case.number, "query_code": case.query_code}
    assert [api.get("/api/v1/progress", query).status_code for _ in range(3)] == [200, 200, 200]
    response = api.get("/api/v1/progress", query)
    error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0


def test_every_lookup_counts_against_the_number_and_past_its_limit_even_the_right_code_is_429(
    api_as, api_case, monkeypatch
):
    """Issue 22, point 4: the per-number limit is checked before the lookup, so a spent budget answers the
    right code like a wrong one (no 200-against-429 oracle); another case is not affected."""
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "progress_number": "3/hour"}
    )
    case, other, api = api_case(), api_case(), api_as(None)
    right = {"number": case.number, "query_code": case.query_code}
    assert api.get("/api/v1/progress", right).status_code == 200
    wrong = [api.get("/api/v1/progress", {**right, "query_code": f"WRONG12{n}"}).status_code for n in range(2)]
    assert wrong == [404, 404]
    error(api.get("/api/v1/progress", right), 429, "throttled")
    assert api.get("/api/v1/progress", {"number": other.number, "query_code": other.query_code}).status_code == 200


def test_a_transition_answers_with_the_new_state_and_due_instants_in_constant_queries(api_as, api_case):
    """Issue 22: the answer is the case's new state and its due instants (the whole case with
    ``?expand=case``), and accepting reads the case once under its lock: a bounded number of statements."""
    clerk = api_as("clerk")
    clerk.get(URL)  # the clerk's roles and memberships, read once per user object
    counts = []
    for _ in range(2):
        case = api_case(submit=True)
        with CaptureQueriesContext(connection) as queries:
            response = transition(clerk, case, "accept")
        assert response.status_code == 200, response.content
        counts.append(len(queries))
    body = response.json()
    full = clerk.get(f"{URL}/{case.number}").json()
    assert set(body) == {
        "number", "state", "state_name", "decision", "accept_due", "decision_due", "decision_yellow_at",
        "delivery_due", "due_at", "deadline_provisional", "overdue",
    }  # fmt: skip
    assert body["number"] == case.number and body["state"] == "accepted" and body["state_name"] == "已受理"
    instants = ("accept_due", "decision_due", "decision_yellow_at", "delivery_due")
    for name in (*instants, "deadline_provisional", "decision"):
        assert body[name] == full[name], name  # the answer, built from the saved case, is what was committed
    assert body["due_at"] == full["decision_due"] and body["overdue"] is False
    # the materials check, the case by number, the locked case, its update, the event in its chain, the
    # notice (number, row, render in the outbox), the notification's outbox row, the visit's ticket
    assert counts[0] == counts[1] <= 18, counts
    assert "timeline" in transition(api_as("reviewer"), case, "start_review", expand=True).json()
    assert "expand" in error(transition(clerk, case, "accept", expand=False, QUERY_STRING="expand=all"), 400)["fields"]
