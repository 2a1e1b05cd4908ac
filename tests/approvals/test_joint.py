"""Joint cases (联合审批: 一口受理、分头承办、集中会审、限时办结), 行政许可法 arts. 26, 42, 45.

The demo's 建设工程施工许可（并联审批） (ZJJ-XK-0901) is led by 住建 (ZJJ) with 自然资源 (ZRZYJ) and
消防 (XFJY); it commits 20 working days, so each department's opinion is due after 14.

Dates: November 2026 has no holiday. Accepted Monday 2026-11-02: opinions due Friday 11-20, the
decision Monday 11-30.
"""

from datetime import date
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from approvals import joint, services
from approvals.demo import joint as joint_demo
from approvals.models import Event, JointTask, Notice, OpinionAttachment
from hall import services as hall_services
from hall.errors import InvalidUpload, NotPermitted, OutsideScope, TransitionNotAllowed
from hall.models import Notification
from supervision.models import Warning
from supervision.scan import scan_deadlines
from tests.approvals import helpers
from tests.approvals.helpers import PDF, at, end_of, frozen

BUILDING = joint_demo.BUILDING


@pytest.fixture(scope="module")
def joint_items(demo, django_db_blocker):
    """The two demo joint items, imported once into the module's demo."""
    with django_db_blocker.unblock():
        joint_demo.seed_items()


@pytest.fixture
def people(joint_items, db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return helpers.demo_people()


MONDAY = at(2026, 11, 2, 9)


def accepted_case(people, *, on=MONDAY, review=True):
    """A 施工许可 filed and accepted by 住建 on ``on``, under review by its reviewer."""
    with frozen(on):
        case = helpers.submitted_case(people, by=people.applicant2, code=BUILDING, applicant=helpers.COMPANY)
        case = services.accept_application(case_id=case.pk, by=people.clerk_zj)
        if review:
            case = services.start_review(case_id=case.pk, by=people.reviewer_zj)
    return case


def task(case, code: str) -> JointTask:
    return JointTask.objects.select_related("department").get(application=case, department__code=code)


def opinion(case, code: str, by, value="agree", reason="符合要求", when=None, **kw):
    with frozen(when or at(2026, 11, 10)):
        pk = task(case, code).pk
        return joint.give_opinion(case_id=case.pk, task_id=pk, by=by, opinion=value, reason=reason, **kw)


def scan(instant: str) -> str:
    out = StringIO()
    call_command("scan_deadlines", "--at", instant, stdout=out)
    return out.getvalue()


def test_joint_case_across_three_departments_end_to_end(people, django_capture_on_commit_callbacks):
    """Arts. 26, 42: one acceptance, a task per department, one late (a joint_task card from the scan),
    the joint review meeting recorded, recommend refused until the last opinion, then decided."""
    with django_capture_on_commit_callbacks(execute=True):
        case = accepted_case(people)
    assert case.decision_days == 20 and case.decision_due == end_of(2026, 11, 30)
    tasks = {t.department.code: t for t in joint.tasks_of(case)}
    assert set(tasks) == {"ZRZYJ", "XFJY"}  # the lead (ZJJ) has no task of its own
    assert {(t.due, t.opinion_days) for t in tasks.values()} == {(end_of(2026, 11, 20), 14)}
    assert Notification.objects.filter(user=people.reviewer, kind="joint_task").exists()
    assert Notification.objects.filter(user=people.reviewer_xf, kind="joint_task").exists()

    # 自然资源 agrees with conditions, with an attachment
    opinion(case, "ZRZYJ", people.reviewer, "agree_with_conditions", "开工前完成规划放线复核",
            attachments=[SimpleUploadedFile("核验意见.pdf", PDF)])  # fmt: skip
    assert OpinionAttachment.objects.get(task=task(case, "ZRZYJ")).original_name == "核验意见.pdf"

    # 消防 is silent: the lead cannot recommend, and the refusal names the department
    with frozen(at(2026, 11, 12)), pytest.raises(TransitionNotAllowed, match="区消防救援大队"):
        helpers.recommended(case, SimpleNamespace(reviewer=people.reviewer_zj))

    # the task runs out on 11-20 at 23:59:59: the scan raises a joint_task card on 消防
    assert "joint_task_red=0" in scan("2026-11-20T23:59:59+08:00")
    assert "joint_task_red=1" in scan("2026-11-21T09:00:00+08:00")
    card = Warning.objects.get(application=case, kind="joint_task")
    assert (card.level, card.department.code, card.resolved_at) == ("red", "XFJY", None)
    assert card.due_at == end_of(2026, 11, 20)

    # 集中会审: scheduled, participants told, minutes recorded after it and issued as a document
    participants = [people.reviewer_zj.pk, people.reviewer.pk, people.reviewer_xf.pk]
    with frozen(at(2026, 11, 23, 9)), django_capture_on_commit_callbacks(execute=True):
        meeting = joint.schedule_meeting(case_id=case.pk, by=people.reviewer_zj, scheduled_at=at(2026, 11, 23, 14),
                                         place="三楼联合会审室", participants=participants)  # fmt: skip
    assert Notification.objects.filter(user=people.reviewer_xf, kind="joint_meeting").exists()
    with frozen(at(2026, 11, 23, 16)):
        joint.record_minutes(case_id=case.pk, meeting_id=meeting.pk, by=people.reviewer_zj,
                             minutes="消防车道宽度需调整为 4 米以上。", outcome="agreed_with_conditions")  # fmt: skip
    minutes = Notice.objects.get(application=case, kind="joint_minutes")
    assert minutes.seq == 1 and "会" in minutes.serial

    # the last opinion arrives (late, disagreeing): the card is resolved at its instant
    opinion(case, "XFJY", people.reviewer_xf, "disagree", "消防车道宽度不足 4 米", when=at(2026, 11, 24, 10))
    assert Event.objects.filter(application=case, action="joint_opinion").last().data["late"] is True
    assert "resolved 1" in scan("2026-11-24T12:00:00+08:00")
    assert reload_card(card).resolved_at == at(2026, 11, 24, 10)

    # a disagreeing opinion must be answered in the recommendation
    with frozen(at(2026, 11, 25)):
        with pytest.raises(ValidationError) as refused:
            helpers.recommended(case, SimpleNamespace(reviewer=people.reviewer_zj))
        assert "dissent_response" in refused.value.message_dict
        services.recommend_decision(
            case_id=case.pk, by=people.reviewer_zj, recommendation="approve", opinion="经集中会审，附条件准予",
            dissent_response="建设单位已修改设计，满足消防要求",
        )  # fmt: skip
        case = services.approve_application(case_id=case.pk, by=people.approver_zj, reason="同意")
    assert (case.state, case.decision) == ("decided", "approved")
    assert task(case, "XFJY").lead_response == "建设单位已修改设计，满足消防要求"
    actions = list(Event.objects.filter(application=case).values_list("action", flat=True))
    assert actions == ["create", "submit", "accept", "start_review", "joint_opinion", "joint_meeting", "joint_minutes",
                       "joint_opinion", "recommend", "approve"]  # fmt: skip


def reload_card(card):
    return Warning.objects.get(pk=card.pk)


def test_only_the_tasks_department_gives_its_opinion(people):
    case = accepted_case(people)
    with pytest.raises(NotPermitted):  # the lead's reviewer does not answer for 消防
        opinion(case, "XFJY", people.reviewer_zj)
    with pytest.raises(NotPermitted):  # 自然资源 does not answer for 消防 (it sees the case)
        opinion(case, "XFJY", people.reviewer)
    with pytest.raises(OutsideScope):  # another department does not even see the case
        opinion(case, "XFJY", people.clerk2)
    assert task(case, "XFJY").is_open


def test_an_opinion_is_given_once(people):
    case = accepted_case(people)
    opinion(case, "ZRZYJ", people.reviewer)
    with pytest.raises(TransitionNotAllowed, match="不可更改"):
        opinion(case, "ZRZYJ", people.approver, "disagree", "改变主意")
    assert task(case, "ZRZYJ").opinion == "agree"
    assert Event.objects.filter(application=case, action="joint_opinion").count() == 1


@pytest.mark.parametrize("value", ["agree_with_conditions", "disagree"])
def test_conditions_and_disagreement_state_their_reasons(people, value):
    case = accepted_case(people)
    with pytest.raises(ValidationError) as refused:
        opinion(case, "ZRZYJ", people.reviewer, value, reason="  ")
    assert "reason" in refused.value.message_dict


def test_attachments_are_checked_like_materials(people):
    case = accepted_case(people)
    with pytest.raises(InvalidUpload):
        opinion(case, "ZRZYJ", people.reviewer, attachments=[SimpleUploadedFile("a.gif", helpers.GIF)])
    assert task(case, "ZRZYJ").is_open and not OpinionAttachment.objects.exists()


def test_a_participating_department_does_not_move_the_case(people):
    """The case's transitions are the lead's; 自然资源's reviewer acts only on its task."""
    case = accepted_case(people, review=False)
    with pytest.raises(NotPermitted):
        services.start_review(case_id=case.pk, by=people.reviewer)


def test_suspension_moves_every_open_task_but_not_answered_ones(people):
    """Art. 45: the special procedure's working days move the case and its open tasks alike."""
    case = accepted_case(people)
    opinion(case, "ZRZYJ", people.reviewer, when=at(2026, 11, 4))
    with frozen(at(2026, 11, 5)):
        services.suspend_for_procedure(case_id=case.pk, by=people.reviewer_zj, procedure="expert_review",
                                       reason="消防专家评审")  # fmt: skip
    with frozen(at(2026, 11, 10)):  # 6, 9, 10: three working days not counted
        case = services.resume_review(case_id=case.pk, by=people.reviewer_zj)
    assert case.decision_due == end_of(2026, 12, 3)
    assert task(case, "XFJY").due == end_of(2026, 11, 25)
    assert task(case, "ZRZYJ").due == end_of(2026, 11, 20)


def test_extension_moves_the_open_tasks(people):
    """Arts. 26, 42: a joint case may be extended by up to 15 working days, once; open tasks follow."""
    case = accepted_case(people)
    with frozen(at(2026, 11, 12)):
        case = services.extend_deadline(case_id=case.pk, by=people.approver_zj, days=15, reason="需补充消防论证")
    assert case.decision_due == end_of(2026, 12, 21)
    assert task(case, "XFJY").due == end_of(2026, 12, 11)


def test_suspended_case_raises_no_task_card(people):
    case = accepted_case(people)
    with frozen(at(2026, 11, 19)):
        services.suspend_for_procedure(case_id=case.pk, by=people.reviewer_zj, procedure="testing", reason="检测")
    assert "joint_task_red=0" in scan("2026-11-23T09:00:00+08:00")


def test_the_card_follows_the_department_still_late(people):
    """Both departments late: the card is on the first task by (due, id) — 消防, created first by code —
    and moves to 自然资源 once 消防 answers; it is resolved only when no task is late."""
    case = accepted_case(people)
    scan("2026-11-23T09:00:00+08:00")
    card = Warning.objects.get(application=case, kind="joint_task")
    assert card.department.code == "XFJY"
    opinion(case, "XFJY", people.reviewer_xf, when=at(2026, 11, 23, 10))
    scan("2026-11-23T12:00:00+08:00")
    card = reload_card(card)
    assert (card.department.code, card.resolved_at) == ("ZRZYJ", None)
    opinion(case, "ZRZYJ", people.reviewer, when=at(2026, 11, 23, 13))
    scan("2026-11-23T14:00:00+08:00")
    assert reload_card(card).resolved_at == at(2026, 11, 23, 13)


def test_a_late_opinion_between_two_scans_still_leaves_its_card(people):
    """No scan saw the task open past its due: the next one records the card, resolved at the opinion."""
    case = accepted_case(people)
    opinion(case, "ZRZYJ", people.reviewer, when=at(2026, 11, 10))
    opinion(case, "XFJY", people.reviewer_xf, when=at(2026, 11, 23, 10))
    result = scan_deadlines(at(2026, 11, 24, 9))
    assert result["raised"]["joint_task_red"] == 1
    card = Warning.objects.get(application=case, kind="joint_task")
    assert (card.department.code, card.raised_at, card.resolved_at) == ("XFJY", end_of(2026, 11, 20),
                                                                         at(2026, 11, 23, 10))  # fmt: skip


def test_minutes_wait_for_the_meeting_and_are_recorded_once(people):
    case = accepted_case(people)
    with frozen(at(2026, 11, 3, 9)):
        meeting = joint.schedule_meeting(case_id=case.pk, by=people.reviewer_zj, scheduled_at=at(2026, 11, 4, 14),
                                         place="会审室", participants=[people.reviewer.pk])  # fmt: skip
        with pytest.raises(TransitionNotAllowed, match="尚未举行"):
            joint.record_minutes(case_id=case.pk, meeting_id=meeting.pk, by=people.reviewer_zj, minutes="x",
                                 outcome="agreed")  # fmt: skip
    with frozen(at(2026, 11, 4, 16)):
        joint.record_minutes(case_id=case.pk, meeting_id=meeting.pk, by=people.reviewer_zj, minutes="一致同意",
                             outcome="agreed")  # fmt: skip
        with pytest.raises(TransitionNotAllowed):
            joint.record_minutes(case_id=case.pk, meeting_id=meeting.pk, by=people.reviewer_zj, minutes="再记",
                                 outcome="agreed")  # fmt: skip


def test_meetings_are_the_leads_and_invite_the_departments_staff(people):
    case = accepted_case(people)
    with frozen(at(2026, 11, 3, 9)):
        with pytest.raises(NotPermitted):  # a participating department does not convene
            joint.schedule_meeting(case_id=case.pk, by=people.reviewer, scheduled_at=at(2026, 11, 4, 14),
                                   place="会审室", participants=[people.reviewer.pk])  # fmt: skip
        with pytest.raises(ValidationError):  # staff of an uninvolved department
            joint.schedule_meeting(case_id=case.pk, by=people.reviewer_zj, scheduled_at=at(2026, 11, 4, 14),
                                   place="会审室", participants=[people.clerk2.pk])  # fmt: skip


def test_a_joint_period_is_at_most_45_working_days():
    """Art. 42 para. 2: 45 working days for joint handling, or the committed limit if shorter."""
    assert joint.decision_days(SimpleNamespace(joint=True, committed_days=60)) == 45
    assert joint.decision_days(SimpleNamespace(joint=True, committed_days=20)) == 20
    assert joint.decision_days(SimpleNamespace(joint=False, committed_days=60)) == 60
    assert [joint.opinion_days(n) for n in (45, 20, 3, 1)] == [30, 14, 2, 1]


def test_ordinary_cases_have_no_tasks_and_recommend_as_before(people):
    with frozen(at(2026, 11, 2, 9)):
        case = helpers.case_in("under_review", people)
        assert not case.joint_tasks.exists()
        assert helpers.recommended(case, people).state == "awaiting_decision"


def test_a_calendar_change_moves_the_open_tasks(people, django_capture_on_commit_callbacks):
    """Art. 82: an admin declares Wednesday 2026-11-18 a rest day; the open task's due and the case's
    move one working day, the answered task keeps its due."""
    case = accepted_case(people)
    opinion(case, "ZRZYJ", people.reviewer, when=at(2026, 11, 4))
    with frozen(at(2026, 11, 5)), django_capture_on_commit_callbacks(execute=True):
        hall_services.set_calendar_day(day=date(2026, 11, 18), is_working=False, note="演示调休",
                                       by=people.catalog_admin)  # fmt: skip
    assert task(case, "XFJY").due == end_of(2026, 11, 23)
    assert task(case, "ZRZYJ").due == end_of(2026, 11, 20)
