"""好差评 by stage, the follow-up of a bad rating and the appeal (issue 21; 国办发〔2019〕51号, GB/T 39734).

Rating only by the case's applicant and only after the stage; a bad rating opens a follow-up with
working-day deadlines (1 to verify, ``RATING_RECTIFY_DAYS`` to rectify); an overdue follow-up is a
``follow_up`` warning of ``scan_deadlines --at``; only a supervisor's upheld appeal excludes a rating.
"""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from approvals import follow_up as follow_ups
from approvals import rating_stats, services
from approvals.evaluation import change_evaluation
from approvals.models import Evaluation, FollowUp, RatingAppeal, State
from hall.errors import Conflict, NotPermitted, OutsideScope
from hall.models import AuditEntry, Notification
from supervision.models import Warning
from tests.approvals import helpers
from tests.approvals.helpers import at, case_in, end_of, frozen

SCRIPT = '<script>alert("x")</script><b>粗</b>'


@pytest.fixture
def people(demo, db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with frozen(at(2026, 9, 14)):  # a Monday
        yield helpers.demo_people()


def rate(case, by, level=5, comment="", stage="deliver", **kw) -> Evaluation:
    return services.evaluate_service(case_id=case.pk, by=by, level=level, comment=comment, stage=stage, **kw)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- who and when -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["applicant2", "clerk", "supervisor"])
def test_only_the_cases_applicant_may_rate(people, who):
    case = case_in(State.DELIVERED, people)
    with pytest.raises(OutsideScope):
        rate(case, getattr(people, who))
    assert not Evaluation.objects.filter(application=case).exists()


def test_the_acceptance_stage_is_rated_only_once_accepted_and_the_result_only_once_delivered(people):
    submitted = case_in(State.SUBMITTED, people)
    with pytest.raises(Conflict) as early:
        rate(submitted, people.applicant, stage="accept")
    assert early.value.code == "stage_not_done"

    accepted = case_in(State.UNDER_REVIEW, people)
    with pytest.raises(Conflict):
        rate(accepted, people.applicant, stage="deliver")
    given = rate(accepted, people.applicant, level=4, stage="accept")
    assert (given.stage, given.department_id, given.item_id) == ("accept", accepted.department_id, accepted.item_id)


def test_one_rating_per_case_and_stage(people):
    case = case_in(State.DELIVERED, people)
    rate(case, people.applicant, stage="accept")
    rate(case, people.applicant, stage="deliver")
    with pytest.raises(Conflict) as again:
        rate(case, people.applicant, stage="accept", level=3)
    assert again.value.code == "already_rated"
    assert Evaluation.objects.filter(application=case).count() == 2


def test_the_indicators_are_those_of_the_channel(people):
    case = case_in(State.DELIVERED, people)
    with pytest.raises(ValidationError) as refused:
        rate(case, people.applicant, tags=["attitude"], channel="pc")  # a window indicator online
    assert "tags" in refused.value.message_dict
    given = rate(case, people.applicant, tags=["guide", "efficiency", "guide"], channel="pc")
    assert given.tags == ["efficiency", "guide"]


def test_a_rating_can_be_changed_once_within_the_window_and_the_first_values_are_audited(people, settings):
    settings.RATING_EDIT_HOURS = 24
    case = case_in(State.DELIVERED, people)
    given = rate(case, people.applicant, level=5)

    with frozen(at(2026, 9, 14, 20)):
        change_evaluation(evaluation_id=given.pk, by=people.applicant, level=2, comment="后来发现少盖一个章")
        with pytest.raises(Conflict):
            change_evaluation(evaluation_id=given.pk, by=people.applicant, level=5)
    entry = AuditEntry.objects.get(action="approvals.evaluation_changed")
    assert entry.detail["before"]["level"] == 5 and entry.detail["after"]["level"] == 2
    assert FollowUp.objects.filter(evaluation=given, state="open").exists()  # turned bad: followed up


def test_a_rating_cannot_be_changed_after_the_window_or_by_someone_else(people, settings):
    settings.RATING_EDIT_HOURS = 24
    case = case_in(State.DELIVERED, people)
    given = rate(case, people.applicant, level=5)
    with pytest.raises(OutsideScope):
        change_evaluation(evaluation_id=given.pk, by=people.applicant2, level=1, comment="x")
    with frozen(at(2026, 9, 15, 10, 1)), pytest.raises(Conflict) as late:
        change_evaluation(evaluation_id=given.pk, by=people.applicant, level=1, comment="x")
    assert late.value.code == "edit_window_over"


def test_changing_a_bad_rating_to_a_good_one_withdraws_its_follow_up(people):
    case = case_in(State.DELIVERED, people)
    given = rate(case, people.applicant, level=1, comment="态度差")
    change_evaluation(evaluation_id=given.pk, by=people.applicant, level=4)
    follow_up = FollowUp.objects.get(evaluation=given)
    assert follow_up.state == "withdrawn" and follow_up.closed_at is not None


# --- the follow-up ------------------------------------------------------------------------------------------


def test_a_bad_rating_opens_a_follow_up_due_in_1_and_15_working_days(people):
    """Counted like every period (DESIGN.md): the rating day not counted, 23:59:59 on the N-th working day.
    2026-09-14 (Mon) + 1 → 09-15; + 15 working days crosses 国庆 (10-01…10-07 off, 09-20 and 10-10 worked)."""
    case = case_in(State.DELIVERED, people)
    given = rate(case, people.applicant, level=2, comment="材料说明不清")

    follow_up = FollowUp.objects.get(evaluation=given)
    assert follow_up.state == "open" and follow_up.department_id == case.department_id
    assert follow_up.verify_due == end_of(2026, 9, 15)
    assert follow_up.rectify_due == end_of(2026, 10, 10) and follow_up.rectify_days == 15


def test_a_bad_rating_on_a_rest_day_counts_from_the_next_working_day(people, settings):
    """Saturday 2026-09-19: the next working day is Sunday 09-20 (调休 before 国庆), itself not counted;
    5 working days are 09-21…09-24 and 09-28 (中秋节 on Friday 09-25)."""
    settings.RATING_RECTIFY_DAYS = 5
    case = case_in(State.DELIVERED, people)
    with frozen(at(2026, 9, 19, 15)):  # Saturday
        given = rate(case, people.applicant, level=1, comment="周末也没人接电话")
    follow_up = FollowUp.objects.get(evaluation=given)
    assert follow_up.verify_due == end_of(2026, 9, 21)
    assert follow_up.rectify_due == end_of(2026, 9, 28)  # 09-25 is 中秋节


def test_a_good_rating_opens_no_follow_up(people):
    case = case_in(State.DELIVERED, people)
    assert not FollowUp.objects.filter(evaluation=rate(case, people.applicant, level=3)).exists()


def test_verify_then_rectify_and_the_applicant_sees_the_result(people):
    case = case_in(State.DELIVERED, people)
    given = rate(case, people.applicant, level=1, comment="来回跑了三趟")
    follow_up = FollowUp.objects.get(evaluation=given)

    with pytest.raises(Conflict):  # not before verification
        follow_ups.record_rectification(follow_up_id=follow_up.pk, by=people.clerk, result="已整改")
    follow_ups.record_verification(follow_up_id=follow_up.pk, by=people.clerk, contact_method="phone",
                                   note="电话联系申请人，情况属实")  # fmt: skip
    before = set(Notification.objects.values_list("pk", flat=True))
    follow_ups.record_rectification(follow_up_id=follow_up.pk, by=people.clerk, result="已修订办事指南，一次告知")

    follow_up.refresh_from_db()
    assert follow_up.state == "rectified" and follow_up.closed_at is not None
    told = Notification.objects.exclude(pk__in=before).get(kind="rating_follow_up")
    assert told.user == people.applicant and "一次告知" in told.body
    page = client_for(people.applicant).get(reverse("approvals:case", args=[case.number])).content.decode()
    assert "已修订办事指南，一次告知" in page and "已整改" in page
    api = client_for(people.applicant).get(f"/api/v1/applications/{case.number}").json()
    assert api["evaluations"][0]["follow_up"]["result"] == "已修订办事指南，一次告知"


@pytest.mark.parametrize("who", ["clerk2", "applicant", "supervisor"])
def test_only_the_rated_departments_staff_follow_up(people, who):
    case = case_in(State.DELIVERED, people)
    follow_up = FollowUp.objects.get(evaluation=rate(case, people.applicant, level=1, comment="差"))
    with pytest.raises(OutsideScope):
        follow_ups.record_verification(follow_up_id=follow_up.pk, by=getattr(people, who), contact_method="phone",
                                       note="x")  # fmt: skip
    response = client_for(getattr(people, who)).post(
        reverse("approvals:follow_up_verify", args=[follow_up.pk]), {"contact_method": "phone", "note": "x"}
    )
    assert response.status_code == 404


def test_an_overdue_follow_up_is_a_warning_of_scan_deadlines_at(people):
    case = case_in(State.DELIVERED, people)
    follow_up = FollowUp.objects.get(evaluation=rate(case, people.applicant, level=1, comment="差"))
    out = StringIO()

    call_command("scan_deadlines", "--at", "2026-09-15T23:59:00+08:00", stdout=out)
    assert not Warning.objects.filter(kind="follow_up").exists()

    call_command("scan_deadlines", "--at", "2026-09-16T00:00:30+08:00", stdout=out)
    yellow = Warning.objects.get(kind="follow_up", level="yellow")
    assert (yellow.follow_up_id, yellow.application_id) == (follow_up.pk, None)
    assert yellow.department_id == case.department_id
    assert yellow.due_at == end_of(2026, 9, 15) and yellow.resolved_at is None
    assert "follow_up_yellow=1" in out.getvalue()

    with frozen(at(2026, 9, 17, 9)):
        follow_ups.record_verification(follow_up_id=follow_up.pk, by=people.clerk, contact_method="phone", note="核实")
    call_command("scan_deadlines", "--at", "2026-10-11T08:00:00+08:00", stdout=out)
    yellow.refresh_from_db()
    assert yellow.resolved_at == at(2026, 9, 17, 9)  # resolved at the late verification
    red = Warning.objects.get(kind="follow_up", level="red")
    assert red.due_at == end_of(2026, 10, 10) and red.resolved_at is None

    call_command("scan_deadlines", "--at", "2026-10-11T08:00:00+08:00", stdout=out)  # again: nothing new
    assert Warning.objects.filter(kind="follow_up").count() == 2


def test_a_follow_up_verified_late_between_two_scans_still_leaves_its_card(people):
    case = case_in(State.DELIVERED, people)
    follow_up = FollowUp.objects.get(evaluation=rate(case, people.applicant, level=2, comment="慢"))
    with frozen(at(2026, 9, 16, 11)):
        follow_ups.record_verification(follow_up_id=follow_up.pk, by=people.clerk, contact_method="sms", note="已联系")
    call_command("scan_deadlines", "--at", "2026-09-16T12:00:00+08:00", stdout=StringIO())
    card = Warning.objects.get(kind="follow_up", level="yellow")
    assert card.resolved_at == at(2026, 9, 16, 11)


# --- the appeal ---------------------------------------------------------------------------------------------


def test_an_appeal_upheld_by_a_supervisor_excludes_the_rating_and_ends_its_follow_up(people):
    case = case_in(State.DELIVERED, people)
    given = rate(case, people.applicant, level=1, comment="与本事项无关的投诉")
    before = rating_stats.for_department(case.department_id)
    appeal = follow_ups.file_appeal(
        evaluation_id=given.pk, by=people.clerk, ground="unrelated", reason="评价内容与本事项无关"
    )

    with pytest.raises(NotPermitted):
        follow_ups.review_appeal(appeal_id=appeal.pk, by=people.approver, uphold=True, note="自己复核")
    follow_ups.review_appeal(appeal_id=appeal.pk, by=people.supervisor, uphold=True, note="核实属实")

    given.refresh_from_db()
    assert given.excluded and "与服务无关" in given.excluded_reason
    assert FollowUp.objects.get(evaluation=given).state == "invalidated"
    after = rating_stats.for_department(case.department_id)
    assert (after.count, after.bad) == (before.count - 1, before.bad - 1)
    actions = set(AuditEntry.objects.filter(target=case.number).values_list("action", flat=True))
    assert {"approvals.rating_appealed", "approvals.rating_appeal_reviewed"} <= actions
    with pytest.raises(Conflict):
        follow_ups.review_appeal(appeal_id=appeal.pk, by=people.supervisor, uphold=False, note="再审")


def test_a_rejected_appeal_leaves_the_rating_counted_and_one_appeal_per_rating(people):
    case = case_in(State.DELIVERED, people)
    given = rate(case, people.applicant, level=2, comment="等了很久")
    appeal = follow_ups.file_appeal(evaluation_id=given.pk, by=people.clerk, ground="malicious", reason="恶意")
    with pytest.raises(Conflict):
        follow_ups.file_appeal(evaluation_id=given.pk, by=people.clerk, ground="mistaken", reason="再申诉")
    follow_ups.review_appeal(appeal_id=appeal.pk, by=people.supervisor, uphold=False, note="评价属实")
    given.refresh_from_db()
    assert not given.excluded and RatingAppeal.objects.get(pk=appeal.pk).state == "rejected"
    assert FollowUp.objects.get(evaluation=given).state == "open"


def test_another_department_cannot_appeal(people):
    case = case_in(State.DELIVERED, people)
    given = rate(case, people.applicant, level=2, comment="等了很久")
    with pytest.raises(OutsideScope):
        follow_ups.file_appeal(evaluation_id=given.pk, by=people.clerk2, ground="malicious", reason="x")


# --- escaping -----------------------------------------------------------------------------------------------


def test_html_in_a_rating_is_escaped_on_every_page_that_shows_it(people):
    case = case_in(State.DELIVERED, people)
    given = rate(case, people.applicant, level=1, comment=SCRIPT)
    follow_up = FollowUp.objects.get(evaluation=given)
    follow_ups.file_appeal(evaluation_id=given.pk, by=people.clerk, ground="malicious", reason=SCRIPT)
    pages = [
        client_for(people.applicant).get(reverse("approvals:case", args=[case.number])),
        client_for(people.clerk).get(reverse("approvals:work_case", args=[case.number])),
        client_for(people.clerk).get(reverse("approvals:follow_up", args=[follow_up.pk])),
        client_for(people.clerk).get(reverse("approvals:ratings")),
        client_for(people.supervisor).get(reverse("supervision:appeals")),
    ]
    for response in pages:
        text = response.content.decode()
        assert response.status_code == 200
        assert "<script>alert" not in text and "<b>粗</b>" not in text
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text


def test_the_follow_up_pages_answer_in_a_bounded_number_of_queries(people, django_assert_max_num_queries):
    for _ in range(3):
        rate(case_in(State.DELIVERED, people), people.applicant, level=1, comment="差")
    client = client_for(people.clerk)
    client.get(reverse("approvals:follow_ups"))
    with django_assert_max_num_queries(12):
        listing = client.get(reverse("approvals:follow_ups"))
    with django_assert_max_num_queries(12):
        ratings = client.get(reverse("approvals:ratings"))
    assert listing.content.decode().count("非常不满意") >= 3 and ratings.status_code == 200


def test_the_follow_up_due_instants_stay_within_the_rectify_setting(people, settings):
    settings.RATING_RECTIFY_DAYS = 3
    case = case_in(State.DELIVERED, people)
    follow_up = FollowUp.objects.get(evaluation=rate(case, people.applicant, level=1, comment="差"))
    assert follow_up.rectify_due == end_of(2026, 9, 17) and follow_up.rectify_days == 3
    assert follow_up.rectify_due - follow_up.verify_due == timedelta(days=2)


def test_the_follow_up_and_rating_lists_do_not_grow_with_the_rows(people):
    """Issue 22: /workbench/follow-ups/ and /workbench/ratings/, 1 bad rating then 4, not more statements."""
    from tests.querycount import assert_flat

    def bad_rating():
        rate(case_in(State.DELIVERED, people), people.applicant, level=1, comment="差")

    bad_rating()
    client = client_for(people.clerk)
    assert_flat(
        lambda: client.get(reverse("approvals:follow_ups")).context["follow_ups"],
        lambda: [bad_rating() for _ in range(3)],
        len,
    )
    assert_flat(
        lambda: client.get(reverse("approvals:ratings")).context["ratings"],
        lambda: [bad_rating() for _ in range(8)],
        len,
    )


def test_the_supervisors_appeals_list_does_not_grow_with_the_appeals(people):
    """Issue 22: /supervision/appeals/, 1 appeal then 4, not more statements."""
    from tests.querycount import assert_flat

    def appealed():
        given = rate(case_in(State.DELIVERED, people), people.applicant, level=1, comment="与本事项无关")
        follow_ups.file_appeal(evaluation_id=given.pk, by=people.clerk, ground="unrelated", reason="评价与本事项无关")

    appealed()
    client = client_for(people.supervisor)
    page = reverse("supervision:appeals")
    assert_flat(lambda: client.get(page).context["appeals"], lambda: [appealed() for _ in range(3)], len)
