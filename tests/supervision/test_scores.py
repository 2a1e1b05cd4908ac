"""绩效评估: the formula's parts on the constructed month, the frozen snapshot of a published month,
corrections as new versions with a reason, the API and the ranking page."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from approvals.models import Application, Evaluation
from hall.errors import NotPermitted
from hall.models import Window, WindowStaff
from supervision import scores
from supervision.models import Complaint, Score, ScoreSheet, Warning
from tests.approvals import helpers
from tests.approvals.helpers import at
from tests.supervision import month

NOVEMBER = date(2026, 11, 1)


@pytest.fixture
def cases(people):
    built = month.build()
    clerk = people.clerk  # posted at window B01 of ZRZYJ: A, B and C are that window's cases
    Application.objects.filter(pk__in=[built[k].pk for k in "ABC"]).update(accepted_by=clerk)
    Evaluation.objects.create(application=built["A"], rater=people.applicant, level=5, created_at=at(2026, 11, 10))
    Evaluation.objects.create(application=built["B"], rater=people.applicant, level=2, comment="慢",
                              created_at=at(2026, 11, 14))  # fmt: skip
    Warning.objects.create(application=built["C"], department=built["C"].department, kind="decision", level="red",
                           due_at=built["C"].decision_due, raised_at=at(2026, 11, 12, 0))  # fmt: skip
    Warning.objects.create(application=built["C"], department=built["C"].department, kind="decision",
                           level="yellow", due_at=built["C"].decision_due, raised_at=at(2026, 11, 10, 0))  # fmt: skip
    # 投诉: one about ZRZYJ closed in November found upheld counts; one found unfounded does not
    for n, finding in enumerate(["upheld", "not_upheld"]):
        Complaint.objects.create(tracking_number=f"TS-{n}", text="窗口多次要求重复提交材料", state="closed",
                                 department=built["C"].department, window=Window.objects.get(number="B01"),
                                 received_at=at(2026, 10, 28),
                                 closed_at=at(2026, 11, 20), finding=finding)  # fmt: skip
    return built


def _row(rows, code):
    return next(r for r in rows if r["department"].code == code)


def test_each_part_of_a_department_score_follows_the_formula(cases):
    result = scores.compute(NOVEMBER)
    zr = _row(result["department"], "ZRZYJ")
    parts = {p["key"]: p for p in zr["parts"]}
    assert parts["on_time"]["points"] == "20.00"  # 30 × 2/3 (A, B on time; C late)
    assert parts["satisfaction"]["points"] == "9.38"  # 15 × (3.5 − 1) / 4
    assert parts["correction"]["points"] == "3.33"  # 10 × (1 − 2/3): B and C needed a correction
    assert parts["cards"]["points"] == "17.50"  # 20 − 2 × 1 red − 0.5 × 1 yellow
    assert parts["orders"]["points"] == "10.00" and parts["anomalies"]["points"] == "5.00"
    assert parts["complaints"]["points"] == "2.50"  # 5 − 2.5 × 1 upheld complaint (the unfounded one not)
    assert parts["complaints"]["basis"] == "属实投诉 1"
    assert zr["total"] == Decimal("72.71")
    assert sum(Decimal(p["points"]) for p in zr["parts"]) == zr["total"]
    assert [r["department"].code for r in result["department"]][-1] == "ZRZYJ"  # the lowest total


def test_a_window_is_scored_on_the_cases_its_clerk_accepted(cases):
    result = scores.compute(NOVEMBER)
    b01 = Window.objects.get(number="B01")
    assert WindowStaff.objects.filter(window=b01, user__username="clerk").exists()
    row = next(r for r in result["window"] if r["window"] == b01)
    assert row["total"] == _row(result["department"], "ZRZYJ")["total"]


def test_a_published_month_does_not_change_when_a_case_is_edited_later(cases, people):
    sheet = scores.publish_month(month=NOVEMBER, by=people.supervisor)
    frozen = scores.month_scores(NOVEMBER)
    before = _row(frozen["department"], "ZRZYJ")["total"]
    # later: case C's decision is recorded as on time after all (a data correction)
    Application.objects.filter(pk=cases["C"].pk).update(decided_at=at(2026, 11, 10))
    assert _row(scores.compute(NOVEMBER)["department"], "ZRZYJ")["total"] == Decimal("82.71")
    again = scores.month_scores(NOVEMBER)
    assert again["published"] and again["version"] == 1
    assert _row(again["department"], "ZRZYJ")["total"] == before == Decimal("72.71")
    assert sheet.figures["on_time"] == 5  # the hall's figures as published, too


def test_a_correction_is_a_new_version_with_a_reason_and_the_first_stays(cases, people):
    scores.publish_month(month=NOVEMBER, by=people.supervisor)
    Application.objects.filter(pk=cases["C"].pk).update(decided_at=at(2026, 11, 10))
    with pytest.raises(ValidationError):
        scores.publish_month(month=NOVEMBER, by=people.supervisor)  # no reason
    second = scores.publish_month(month=NOVEMBER, by=people.supervisor, reason="C 件办结时间录入错误，已核实更正")
    assert second.version == 2
    assert _row(scores.month_scores(NOVEMBER)["department"], "ZRZYJ")["total"] == Decimal("82.71")
    first = ScoreSheet.objects.get(month=NOVEMBER, version=1)
    assert Score.objects.get(sheet=first, subject="department", department__code="ZRZYJ").total == Decimal("72.71")


def test_only_supervisors_publish(cases, people):
    with pytest.raises(NotPermitted):
        scores.publish_month(month=NOVEMBER, by=people.clerk)


def test_the_api_gives_the_parts_beside_the_total(cases, people, django_assert_max_num_queries):
    api = APIClient()
    api.force_authenticate(helpers.fresh(people.supervisor))
    with django_assert_max_num_queries(24):  # 20, +4: complaints and late follow-ups per department and window
        body = api.get("/api/v1/supervision/scores", {"month": "2026-11"}).json()
    assert body["published"] is False and body["month"] == "2026-11"
    zr = next(r for r in body["departments"] if r["department"]["code"] == "ZRZYJ")
    assert zr["total"] == "72.71" and [p["key"] for p in zr["parts"]][:2] == ["on_time", "satisfaction"]
    scores.publish_month(month=NOVEMBER, by=people.supervisor)
    body = api.get("/api/v1/supervision/scores", {"month": "2026-11"}).json()
    assert body["published"] is True and body["version"] == 1 and len(body["versions"]) == 1
    for bad in ("2026-13", "0842-07", "2026-7"):
        response = api.get("/api/v1/supervision/scores", {"month": bad})
        assert response.status_code == 400 and "month" in response.json()["fields"], bad


def test_the_ranking_page_publishes_and_shows_the_frozen_month(cases, people, client):
    client.force_login(people.supervisor)
    page = client.get("/supervision/scores/", {"month": "2026-11"})
    assert page.status_code == 200 and "尚未发布" in page.content.decode() and "72.71" in page.content.decode()
    response = client.post("/supervision/scores/publish/", {"month": "2026-11"})
    assert response.status_code == 302
    page = client.get("/supervision/scores/", {"month": "2026-11"}).content.decode()
    assert "已发布（第 1 版）" in page and "更正理由（必填）" in page
    client.force_login(people.clerk)
    assert client.post("/supervision/scores/publish/", {"month": "2026-11"}).status_code == 403
