"""The e-monitoring API (DESIGN.md, API): supervisors only; the warning and event feed shapes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from approvals.models import Event
from supervision.models import Warning
from supervision.scan import scan_deadlines
from tests.approvals import helpers
from tests.approvals.helpers import at, frozen
from tests.supervision.test_scan import clone, submitted_on_september_30, under_review_from_october_8

URLS = ["/api/v1/supervision/warnings", "/api/v1/supervision/summary", "/api/v1/supervision/events"]


def client(user=None) -> APIClient:
    api = APIClient()
    if user is not None:
        api.force_authenticate(helpers.fresh(user))
    return api


@pytest.fixture
def supervisor(people):
    return client(people.supervisor)


@pytest.fixture
def late(people):
    """An incomplete case never answered and a case under review past its decision due, scanned on
    2026-10-14 09:00: accept red, correction notice red, decision red (the yellow resolved)."""
    submitted = submitted_on_september_30(people, complete=False)
    reviewed = under_review_from_october_8(people)
    scan_deadlines(at(2026, 10, 13, 9))
    scan_deadlines(at(2026, 10, 14, 9))
    return submitted, reviewed


@pytest.mark.parametrize("url", URLS)
def test_anonymous_callers_get_401(db, url):
    response = client().get(url)
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("username", ["applicant", "clerk", "approver"])
def test_other_roles_get_403(people, url, username):
    response = client(getattr(people, username)).get(url)
    assert response.status_code == 403
    assert response.json() == {"error": "permission_denied", "detail": "仅监察人员可以查看电子监察数据。", "fields": {}}


def test_supervisor_lists_open_warnings_newest_first_in_the_warning_shape(supervisor, late):
    submitted, reviewed = late
    response = supervisor.get("/api/v1/supervision/warnings")

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(r["case_number"], r["kind"], r["level"]) for r in rows] == [
        (reviewed.number, "decision", "red"),
        (submitted.number, "correction_notice", "red"),
        (submitted.number, "accept", "red"),
    ]
    first = rows[0]
    assert first["department"] == {"code": reviewed.department.code, "name": reviewed.department.name}
    assert first["raised_at"] == "2026-10-14T09:00:00+08:00"
    assert first["due_at"] == "2026-10-13T23:59:59+08:00"
    assert first["resolved_at"] is None
    assert (first["kind_label"], first["level_label"]) == ("办结预警/超期", "红牌")
    assert {"id", "case_number", "department", "kind", "level", "raised_at", "resolved_at"} <= set(first)


def test_warnings_filter_by_level_kind_department_and_open(supervisor, late):
    code = late[0].department.code

    def keys(query):
        rows = supervisor.get(f"/api/v1/supervision/warnings?{query}").json()["results"]
        return [(r["kind"], r["level"]) for r in rows]

    assert keys("kind=decision") == [("decision", "red")]
    assert keys("level=yellow") == []
    assert keys("level=yellow&open=false") == [("decision", "yellow")]
    assert keys("open=all&kind=decision") == [("decision", "red"), ("decision", "yellow")]
    assert len(keys(f"department={code}")) == 3
    assert keys("department=NOPE") == []


def test_a_bad_filter_is_400_in_the_error_shape(supervisor):
    body = supervisor.get("/api/v1/supervision/warnings?level=orange").json()
    assert body["error"] == "invalid" and "level" in body["fields"]


def test_the_warning_list_pages_by_cursor_in_constant_queries(people, supervisor):
    """The original is complete (acceptance red card); its clones carry no materials, so each also has a
    correction notice red card: 1 + 2 × 2 warnings, then 1 + 29 × 2 more."""
    counts = []
    for copies in (3, 30):
        clone([submitted_on_september_30(people)], copies - 1)
        scan_deadlines(at(2026, 10, 14, 9))
        api = client(people.supervisor)
        with CaptureQueriesContext(connection) as queries:
            body = api.get("/api/v1/supervision/warnings?page_size=4").json()
        assert len(body["results"]) == 4
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 2  # the caller's roles, one page
    seen = len(body["results"])
    while body["next"]:
        body = supervisor.get(body["next"]).json()
        seen += len(body["results"])
    assert seen == Warning.objects.count() == 5 + 59


def test_summary_figures_from_aggregate_queries(people, supervisor, late, django_assert_max_num_queries):
    submitted = late[0]
    with frozen(at(2026, 10, 14, 10)), django_assert_max_num_queries(5):  # roles, cases, warnings, departments, beat
        body = supervisor.get("/api/v1/supervision/summary").json()

    assert body["as_of"] == "2026-10-14T10:00:00+08:00"
    assert body["open_cases"]["total"] == 2
    assert body["open_cases"]["by_state"]["submitted"] == 1 and body["open_cases"]["by_state"]["under_review"] == 1
    assert body["open_warnings"] == {
        "total": 3,
        "by_kind_level": {"accept_red": 1, "correction_notice_red": 1, "decision_yellow": 0, "decision_red": 1,
                          "delivery_red": 0, "order_red": 0, "joint_task_red": 0,
                          "follow_up_yellow": 0, "follow_up_red": 0,
                          "verification_red": 0},
    }  # fmt: skip
    assert body["overdue"] == 2
    assert body["due_today"] == body["due_within_3_working_days"] == 0  # both already late
    assert [alarm["kind"] for alarm in body["alarms"]] == ["scheduler_stopped"]  # no scan heartbeat in this test
    assert body["departments"] == [
        {"department": {"code": submitted.department.code, "name": submitted.department.name}, "level": "4",
         "open_cases": 2, "overdue": 2, "yellow": 0, "red": 3},
    ]  # fmt: skip


def test_summary_queries_do_not_grow_with_the_cases(people, supervisor, late):
    def count() -> int:
        api = client(people.supervisor)
        with frozen(at(2026, 10, 14, 10)), CaptureQueriesContext(connection) as queries:
            assert api.get("/api/v1/supervision/summary").status_code == 200
        return len(queries)

    small = count()
    clone(list(late), 20)
    scan_deadlines(at(2026, 10, 14, 9))
    assert count() == small
    assert supervisor.get("/api/v1/supervision/summary").json()["open_warnings"]["total"] == 63


def test_events_feed_is_oldest_first_and_strictly_after_the_cursor(people, supervisor):
    case = under_review_from_october_8(people)
    body = supervisor.get("/api/v1/supervision/events").json()
    events = body["results"]

    assert body["next"] is None
    assert [e["action"] for e in events] == ["create", "submit", "accept", "start_review"]
    assert events[2] == {
        "cursor": events[2]["cursor"], "at": "2026-09-30T15:00:00+08:00", "case_number": case.number,
        "action": "accept", "from_state": "submitted", "to_state": "accepted", "actor_role": "clerk",
        "kind": "event", "digest": None, "data": None,
    }  # fmt: skip
    assert [e["cursor"] for e in events] == sorted(e["cursor"] for e in events)

    later = supervisor.get(f"/api/v1/supervision/events?after={events[0]['cursor']}").json()["results"]
    assert later == events[1:]
    assert supervisor.get(f"/api/v1/supervision/events?after={events[-1]['cursor']}").json()["results"] == []


def test_events_page_by_100_with_a_next_cursor_in_one_query(people, supervisor):
    case = submitted_on_september_30(people)
    Event.objects.bulk_create(
        Event(application=case, action="note", from_state="submitted", to_state="submitted") for _ in range(149)
    )
    with CaptureQueriesContext(connection) as queries:
        first = supervisor.get("/api/v1/supervision/events").json()
    assert len(queries) <= 3  # the caller's roles, one page of events, one of the other feed entries
    assert len(first["results"]) == 100 and first["next"] == first["results"][-1]["cursor"]

    second = supervisor.get(f"/api/v1/supervision/events?after={first['next']}").json()
    assert len(second["results"]) == Event.objects.count() - 100 and second["next"] is None
    cursors = [e["cursor"] for e in first["results"] + second["results"]]
    assert cursors == sorted(set(cursors)) and len(cursors) == Event.objects.count()


@pytest.mark.parametrize("cursor", ["abc", "-1", "1" * 30])
def test_a_bad_cursor_is_400(supervisor, cursor):
    response = supervisor.get(f"/api/v1/supervision/events?after={cursor}")
    assert response.status_code == 400 and "after" in response.json()["fields"]


def test_the_daily_audit_digest_is_a_feed_item_after_the_events_it_covers(people, supervisor):
    """Issue 12, point 6: the upper level receives each digest of the audit chains in the feed."""
    from hall.digest import write_digest

    under_review_from_october_8(people)
    digest = write_digest()
    items = supervisor.get("/api/v1/supervision/events").json()["results"]

    assert [i["kind"] for i in items] == ["event"] * 4 + ["digest"]
    last_event, item = items[-2], items[-1]
    assert item["cursor"] > last_event["cursor"] and item["cursor"].startswith(last_event["cursor"] + ".")
    assert item["action"] == "audit.digest" and item["case_number"] is None
    assert item["digest"]["hash"] == digest.row_hash and item["digest"]["audit_entry_id"] == digest.pk
    assert item["digest"]["families"]["event"]["upto_id"] == Event.objects.latest("id").pk
    assert supervisor.get(f"/api/v1/supervision/events?after={last_event['cursor']}").json()["results"] == [item]
    assert supervisor.get(f"/api/v1/supervision/events?after={item['cursor']}").json()["results"] == []
