"""好差评 (国办发〔2019〕51号): once the result is delivered, the applicant rates the service, once per case
("一事一评"), on five levels; a bad rating says why and goes to the department to follow up (差评整改).

The service, the portal's case page, the API and the workbench, all through the real services.
"""

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from approvals import evaluation as evaluation_module
from approvals import services
from approvals.models import Application, Evaluation, FollowUp, State
from hall.errors import Conflict, NotPermitted, OutsideScope
from hall.models import AuditEntry, Notification, User
from tests.approvals import helpers
from tests.approvals.helpers import act, at, case_in, file_case, frozen

API = "/api/v1/applications"


@pytest.fixture
def people(demo, db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    # A cache of this process only, so that query counts do not depend on other processes' caches.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "eval"}}
    with frozen(at(2026, 9, 14)):  # a Monday with no holiday within two weeks
        yield helpers.demo_people()


def delivered_by_agent(people) -> Application:
    """A case the agent (代办员) filed for its client, delivered."""
    case = file_case(people.agent)
    for action in helpers.PATHS[State.DELIVERED]:
        case = act(action, case, people, by=people.agent if helpers.ACTORS[action] == "applicant" else None)
    return case


def rate(case: Application, by: User, level=5, comment: str = "", **kw) -> Evaluation:
    return services.evaluate_service(case_id=case.pk, by=by, level=level, comment=comment, **kw)


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_for(user: User) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def html(response) -> str:
    return response.content.decode()


def rating_url(case: Application) -> str:
    return reverse("approvals:evaluate", args=[case.number])


def case_url(case: Application) -> str:
    return reverse("approvals:case", args=[case.number])


def rating_section(page: str) -> str:
    start = page.index('id="rating"')
    return page[start : page.index("</section>", start)]


# --- the service ---------------------------------------------------------------------------------------------


def test_the_applicant_rates_a_delivered_case_once(people):
    case = case_in(State.DELIVERED, people)

    given = rate(case, people.applicant, level=5, comment="窗口服务热情", ip="203.0.113.7")

    assert given.application_id == case.pk and given.rater == people.applicant
    assert (given.level, given.get_level_display(), given.comment, given.channel) == (
        5,
        "非常满意",
        "窗口服务热情",
        "pc",
    )
    assert helpers.reload(case).state == State.DELIVERED  # rating is not a transition


def test_the_agent_who_filed_rates_the_case(people):
    case = delivered_by_agent(people)
    assert rate(case, people.agent, level=4).rater == people.agent


def test_a_second_rating_of_the_same_case_is_a_conflict_already_rated(people):
    """一事一评: one rating per case."""
    case = case_in(State.DELIVERED, people)
    rate(case, people.applicant, level=3)

    with pytest.raises(Conflict) as refused:
        rate(case, people.applicant, level=1, comment="改主意了")

    assert refused.value.status_code == 409 and "已评价" in refused.value.detail
    assert Evaluation.objects.get(application=case).level == 3


def test_a_rating_that_loses_the_race_to_the_one_to_one_is_a_conflict(people, monkeypatch):
    """Two ratings at once: the unique application column decides, the loser gets 409, not a 500."""
    case = case_in(State.DELIVERED, people)
    rate(case, people.applicant, level=5)
    # the check ran before the insert
    monkeypatch.setattr(evaluation_module, "_already_rated", lambda case, stage: False)

    with pytest.raises(Conflict, match="已评价"):
        rate(case, people.applicant, level=2, comment="慢")

    assert Evaluation.objects.filter(application=case).count() == 1
    assert AuditEntry.objects.filter(action="approvals.evaluate", target=case.number).count() == 1


@pytest.mark.parametrize("state", [State.DRAFT, State.SUBMITTED, State.UNDER_REVIEW, State.DECIDED, State.WITHDRAWN])
def test_only_a_delivered_case_can_be_rated(people, state):
    case = case_in(state, people)

    with pytest.raises(Conflict) as refused:
        rate(case, people.applicant, level=5)

    assert refused.value.status_code == 409
    assert "送达后才能评价" in refused.value.detail and case.get_state_display() in refused.value.detail
    assert not Evaluation.objects.filter(application=case).exists()


@pytest.mark.parametrize("who", ["applicant2", "clerk", "reviewer", "supervisor", "clerk2"])
def test_nobody_but_the_applicant_rates_others_get_404(people, who):
    """Staff who see the case, supervisors who see every case and other applicants: the rating is not theirs."""
    case = case_in(State.DELIVERED, people)

    with pytest.raises(OutsideScope) as refused:
        rate(case, getattr(people, who), level=5)

    assert refused.value.status_code == 404
    assert not Evaluation.objects.filter(application=case).exists()


def test_the_window_clerk_who_filed_a_walk_in_cannot_rate_it_for_the_applicant(people):
    case = file_case(people.clerk, channel=Application.Channel.WINDOW)
    for action in helpers.PATHS[State.DELIVERED]:
        case = act(action, case, people, by=people.clerk if helpers.ACTORS[action] == "applicant" else None)

    with pytest.raises(NotPermitted):
        rate(case, people.clerk, level=5)


@pytest.mark.parametrize("level", [1, 2])
def test_a_bad_rating_needs_a_comment(people, level):
    """不满意 / 非常不满意 must say why, so that the department can follow up (差评整改)."""
    case = case_in(State.DELIVERED, people)

    with pytest.raises(ValidationError) as refused:
        rate(case, people.applicant, level=level, comment="   ")

    assert "请写明原因" in refused.value.message_dict["comment"][0]
    assert not Evaluation.objects.filter(application=case).exists()


@pytest.mark.parametrize("level", [0, 6, -1, "abc", None, True, 3.5, "9"])
def test_the_level_is_one_of_the_five(people, level):
    case = case_in(State.DELIVERED, people)

    with pytest.raises(ValidationError) as refused:
        rate(case, people.applicant, level=level, comment="说明")

    assert "level" in refused.value.message_dict


def test_an_unknown_channel_and_an_overlong_comment_are_refused_by_field(people):
    case = case_in(State.DELIVERED, people)

    with pytest.raises(ValidationError) as refused:
        rate(case, people.applicant, level=4, comment="长" * 1001, channel="fax")

    assert set(refused.value.message_dict) == {"comment", "channel"}


def test_a_rating_is_written_to_the_audit_trail(people):
    case = case_in(State.DELIVERED, people)

    given = rate(case, people.applicant, level=4, channel="mobile", ip="203.0.113.9")

    entry = AuditEntry.objects.get(action="approvals.evaluate", target=case.number)
    assert entry.actor == people.applicant and entry.ip == "203.0.113.9"
    assert entry.detail == {"evaluation": given.pk, "level": 4, "channel": "mobile", "stage": "deliver", "tags": []}


def test_a_bad_rating_is_sent_to_the_departments_clerks_and_the_first_handler(people):
    case = case_in(State.DELIVERED, people)
    before = set(Notification.objects.values_list("pk", flat=True))

    rate(case, people.applicant, level=1, comment="来回跑了三趟")

    sent = Notification.objects.exclude(pk__in=before).filter(kind="bad_rating")
    assert {n.user.username for n in sent} == {"clerk", "clerk_b"}  # clerk accepted it (首办负责)
    note = sent.get(user=people.clerk)
    assert case.number in note.title and "非常不满意" in note.title
    follow_up = FollowUp.objects.get(evaluation__application=case)
    assert "来回跑了三趟" in note.body and note.url == reverse("approvals:follow_up", args=[follow_up.pk])


def test_a_good_rating_notifies_nobody(people):
    case = case_in(State.DELIVERED, people)
    before = Notification.objects.count()

    rate(case, people.applicant, level=3)

    assert Notification.objects.count() == before


# --- the portal ---------------------------------------------------------------------------------------------


def test_the_case_page_offers_the_five_levels_once_delivered(people):
    case = case_in(State.DELIVERED, people)

    page = html(client_for(people.applicant).get(case_url(case)))

    section = rating_section(page)
    assert f'action="{rating_url(case)}"' in section and "csrfmiddlewaretoken" in section
    for value, label in Evaluation.Level.choices:
        assert f'value="{value}"' in section and label in section
    assert "★★★★★" in section and "★☆☆☆☆" in section
    assert 'name="comment"' in section
    assert "即将开放" not in page and "style=" not in section and "<script" not in section


def test_the_case_page_offers_no_rating_before_acceptance(people):
    case = case_in(State.SUBMITTED, people)
    page = html(client_for(people.applicant).get(case_url(case)))
    assert rating_url(case) not in page and 'id="rating"' not in page


def test_before_delivery_the_case_page_offers_only_the_acceptance_stage(people):
    case = case_in(State.DECIDED, people)
    section = rating_section(html(client_for(people.applicant).get(case_url(case))))
    assert 'name="stage" value="accept"' in section and 'value="deliver"' not in section


def test_posting_the_form_rates_the_case_and_the_page_then_shows_the_rating(people):
    case = case_in(State.DELIVERED, people)
    client = client_for(people.applicant)

    response = client.post(rating_url(case), {"level": "4", "comment": "  办得快  "})

    assert response.status_code == 302 and response["Location"].endswith(case_url(case) + "#rating")
    given = Evaluation.objects.get(application=case)
    assert (given.level, given.comment, given.channel) == (4, "办得快", "pc")
    page = client.get(case_url(case))
    assert "感谢您的评价" in " ".join(str(m) for m in page.context["messages"])
    section = rating_section(html(page))
    assert "满意" in section and "★★★★☆" in section and "办得快" in section
    result = section[section.index('id="rating-deliver"') :]
    assert "修改评价（仅可修改一次）" in result and "提交评价" not in result[: result.find('id="rating-accept"')]


def test_a_bad_rating_without_a_comment_shows_the_error_next_to_the_comment(people):
    case = case_in(State.DELIVERED, people)

    response = client_for(people.applicant).post(rating_url(case), {"level": "2", "comment": ""})

    assert response.status_code == 400
    section = rating_section(html(response))
    comment_field = section[section.index('<div class="field') :]
    assert "请写明原因" in comment_field and 'name="comment"' in comment_field
    assert re.search(r'value="2"[^>]*checked', section)  # the choice is kept
    assert not Evaluation.objects.filter(application=case).exists()


@pytest.mark.parametrize(
    "data",
    [{"level": "abc"}, {"level": "9"}, {"level": ""}, {}, {"level": "0"}, {"level": ["5", "1"]},
     {"level": "5", "comment": "长" * 1001}, {"level": "1" * 40}],
)  # fmt: skip
def test_garbage_posts_show_chinese_errors_next_to_the_field_never_a_500(people, data):
    case = case_in(State.DELIVERED, people)

    response = client_for(people.applicant).post(rating_url(case), data)

    assert response.status_code == 400
    section = rating_section(html(response))
    assert 'class="error"' in section
    assert "满意程度" in section or "不超过 1000 字" in section
    assert "Select a valid choice" not in section and "This field" not in section
    assert not Evaluation.objects.filter(application=case).exists()


def test_a_rating_can_be_changed_once_then_the_portal_says_already_rated(people):
    case = case_in(State.DELIVERED, people)
    client = client_for(people.applicant)
    client.post(rating_url(case), {"level": "5"})
    client.post(rating_url(case), {"level": "1", "comment": "再评一次"})

    response = client.post(rating_url(case), {"level": "4"}, follow=True)

    assert response.status_code == 200
    assert any("已评价" in str(m) for m in response.context["messages"])
    changed = Evaluation.objects.get(application=case)
    assert changed.level == 1 and changed.edited_at is not None


def test_rating_before_delivery_through_the_portal_is_refused_with_a_message(people):
    case = case_in(State.UNDER_REVIEW, people)

    response = client_for(people.applicant).post(rating_url(case), {"level": "abc"}, follow=True)

    assert response.status_code == 200
    assert any("送达后才能评价" in str(m) for m in response.context["messages"])
    assert not Evaluation.objects.filter(application=case).exists()


@pytest.mark.parametrize("who", ["applicant2", "clerk"])
def test_others_posting_a_rating_get_404(people, who):
    case = case_in(State.DELIVERED, people)
    response = client_for(getattr(people, who)).post(rating_url(case), {"level": "5"})
    assert response.status_code == 404
    assert not Evaluation.objects.filter(application=case).exists()


def test_the_rating_form_needs_the_csrf_token(people):
    case = case_in(State.DELIVERED, people)
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.applicant)
    assert client.post(rating_url(case), {"level": "5"}).status_code == 403


def test_the_rated_case_page_runs_in_the_same_number_of_queries(people):
    unrated, rated = case_in(State.DELIVERED, people), case_in(State.DELIVERED, people)
    rate(rated, people.applicant, level=2, comment="等太久")
    client = client_for(people.applicant)
    client.get(case_url(unrated))
    with CaptureQueriesContext(connection) as without:
        client.get(case_url(unrated))
    with CaptureQueriesContext(connection) as with_rating:
        client.get(case_url(rated))
    assert len(with_rating) == len(without)


# --- the API ------------------------------------------------------------------------------------------------


def test_the_api_rates_a_delivered_case_201(people):
    case = case_in(State.DELIVERED, people)

    response = api_for(people.applicant).post(
        f"{API}/{case.number}/evaluation",
        {"level": 2, "comment": "材料要求说明不清", "channel": "mobile"},
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert {k: body[k] for k in ("level", "level_label", "comment", "channel")} == {
        "level": 2, "level_label": "不满意", "comment": "材料要求说明不清", "channel": "mobile",
    }  # fmt: skip
    assert body["created_at"].endswith("+08:00")
    detail = api_for(people.applicant).get(f"{API}/{case.number}").json()
    assert detail["evaluation"] == body
    assert api_for(people.clerk).get(f"{API}/{case.number}").json()["evaluation"]["level"] == 2


def test_the_case_shape_has_a_null_evaluation_until_rated(people):
    case = case_in(State.DELIVERED, people)
    assert api_for(people.applicant).get(f"{API}/{case.number}").json()["evaluation"] is None


def test_the_api_answers_409_for_a_second_rating_and_before_delivery(people):
    case = case_in(State.DELIVERED, people)
    api = api_for(people.applicant)
    assert api.post(f"{API}/{case.number}/evaluation", {"level": 5}, format="json").status_code == 201

    again = api.post(f"{API}/{case.number}/evaluation", {"level": 4}, format="json")
    early = api.post(f"{API}/{case_in(State.DECIDED, people).number}/evaluation", {"level": 4}, format="json")

    assert again.status_code == 409 and again.json()["error"] == "already_rated" and "已评价" in again.json()["detail"]
    assert early.status_code == 409 and early.json()["error"] == "stage_not_done"
    assert set(again.json()) == {"error", "detail", "fields"}


@pytest.mark.parametrize("who", ["applicant2", "clerk", "supervisor"])
def test_the_api_answers_404_to_anyone_else(people, who):
    case = case_in(State.DELIVERED, people)
    response = api_for(getattr(people, who)).post(f"{API}/{case.number}/evaluation", {"level": 5}, format="json")
    assert response.status_code == 404 and response.json()["error"] == "not_found"
    assert api_for(people.applicant).post(f"{API}/NO-SUCH/evaluation", {"level": 5}, format="json").status_code == 404


def test_the_api_needs_a_login(people):
    case = case_in(State.DELIVERED, people)
    assert APIClient().post(f"{API}/{case.number}/evaluation", {"level": 5}, format="json").status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [({"level": 1}, "comment"), ({"level": 9}, "level"), ({"level": "abc"}, "level"), ({}, "level"),
     ({"level": True}, "level"), ({"level": [5]}, "level"), ({"level": 5, "channel": "fax"}, "channel"),
     ({"level": 5, "comment": ["x"]}, "comment"), ({"level": 5, "comment": "长" * 1001}, "comment")],
)  # fmt: skip
def test_the_api_answers_400_naming_the_field(people, body, field):
    case = case_in(State.DELIVERED, people)

    response = api_for(people.applicant).post(f"{API}/{case.number}/evaluation", body, format="json")

    assert response.status_code == 400, response.content
    error = response.json()
    assert error["error"] == "invalid" and field in error["fields"], error
    assert not Evaluation.objects.filter(application=case).exists()


def test_a_non_object_body_is_400(people):
    case = case_in(State.DELIVERED, people)
    response = api_for(people.applicant).post(f"{API}/{case.number}/evaluation", [1, 2], format="json")
    assert response.status_code == 400


# --- the workbench ------------------------------------------------------------------------------------------


def test_the_workbench_case_page_shows_the_rating_and_marks_a_bad_one(people):
    case = case_in(State.DELIVERED, people)
    client = client_for(people.clerk)
    assert "服务评价" not in html(client.get(f"/workbench/cases/{case.number}/"))

    rate(case, people.applicant, level=1, comment="窗口态度差")

    page = html(client.get(f"/workbench/cases/{case.number}/"))
    section = rating_section(page)
    assert "非常不满意" in section and "窗口态度差" in section and "差评" in section


def test_the_workbench_case_page_needs_no_extra_query_for_the_rating(people):
    unrated, rated = case_in(State.DELIVERED, people), case_in(State.DELIVERED, people)
    rate(rated, people.applicant, level=5)
    client = client_for(people.clerk)
    client.get(f"/workbench/cases/{unrated.number}/")
    with CaptureQueriesContext(connection) as without:
        client.get(f"/workbench/cases/{unrated.number}/")
    with CaptureQueriesContext(connection) as with_rating:
        response = client.get(f"/workbench/cases/{rated.number}/")
    assert response.context["evaluations"][0].level == 5
    assert len(with_rating) == len(without)
