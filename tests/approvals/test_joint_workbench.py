"""The workbench of joint cases: the 联办任务 tab (counts, due badges), the case page's joint panel,
opinions and 集中会审 through the forms."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from approvals.models import JointMeeting, JointTask
from tests.approvals import helpers
from tests.approvals.helpers import PDF, at, frozen
from tests.approvals.test_joint import accepted_case, joint_items  # noqa: F401  (the module fixture)


@pytest.fixture
def people(joint_items, db, settings, tmp_path):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path
    return helpers.demo_people()


def browser(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_tasks_tab_counts_and_badges_in_constant_queries(people, django_assert_max_num_queries):
    for day in (2, 3, 4):
        accepted_case(people, on=at(2026, 11, day, 9))
    page = browser(people.reviewer_xf)
    page.get("/workbench/tasks/")  # session and roles warmed
    with frozen(at(2026, 11, 24, 9)), django_assert_max_num_queries(8):
        html = page.get("/workbench/tasks/").content.decode()
    assert 'data-count="open">3<' in html and 'data-count="overdue">2<' in html and 'data-count="due_soon">1<' in html
    assert html.count("已超期") >= 3 and "今日到期" in html  # two late rows and the count, one due today


def test_case_page_shows_the_tasks_and_the_own_departments_form(people):
    case = accepted_case(people)
    with frozen(at(2026, 11, 3)):
        html = browser(people.reviewer_xf).get(f"/workbench/cases/{case.number}/").content.decode()
        lead = browser(people.reviewer_zj).get(f"/workbench/cases/{case.number}/").content.decode()
    assert "联合审批" in html and "区自然资源局" in html and "区消防救援大队" in html
    assert html.count("出具本部门意见") == 1  # only 消防's own task
    assert "出具本部门意见" not in lead and "安排集中会审" in lead
    assert "暂不能提出审查意见" in lead and "区消防救援大队" in lead  # the refusal, in the rule's words


def test_opinion_through_the_form_with_an_attachment(people):
    case = accepted_case(people)
    task = JointTask.objects.get(application=case, department__code="XFJY")
    with frozen(at(2026, 11, 5)):
        response = browser(people.reviewer_xf).post(
            f"/workbench/cases/{case.number}/tasks/{task.pk}/opinion/",
            {"opinion": "agree_with_conditions", "reason": "竣工前完成消防验收",
             "attachments": [SimpleUploadedFile("意见书.pdf", PDF)]},
        )  # fmt: skip
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.opinion == "agree_with_conditions" and task.attachments.count() == 1
    attachment = task.attachments.get()
    served = browser(people.reviewer_zj).get(f"/workbench/cases/{case.number}/attachments/{attachment.pk}/")
    assert served.status_code == 200 and served["Content-Type"] == "application/pdf"
    assert browser(people.clerk2).get(f"/workbench/cases/{case.number}/attachments/{attachment.pk}/").status_code == 404


def test_a_missing_reason_comes_back_next_to_the_field(people):
    case = accepted_case(people)
    task = JointTask.objects.get(application=case, department__code="XFJY")
    response = browser(people.reviewer_xf).post(f"/workbench/cases/{case.number}/tasks/{task.pk}/opinion/",
                                                {"opinion": "disagree", "reason": ""})  # fmt: skip
    assert response.status_code == 400
    assert "不同意须说明理由" in response.content.decode()
    task.refresh_from_db()
    assert task.is_open


def test_meeting_and_minutes_through_the_forms(people):
    case = accepted_case(people)
    lead = browser(people.reviewer_zj)
    with frozen(at(2026, 11, 3, 9)):
        response = lead.post(f"/workbench/cases/{case.number}/meetings/", {
            "scheduled_at": "2026-11-04T14:00", "place": "三楼联合会审室",
            "participants": [people.reviewer_zj.pk, people.reviewer.pk, people.reviewer_xf.pk],
        })  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    meeting = JointMeeting.objects.get(application=case)
    assert meeting.participants.count() == 3 and meeting.scheduled_at == at(2026, 11, 4, 14)
    with frozen(at(2026, 11, 4, 16)):
        assert "记录会审纪要" in lead.get(f"/workbench/cases/{case.number}/").content.decode()
        response = lead.post(f"/workbench/cases/{case.number}/meetings/{meeting.pk}/minutes/",
                             {"outcome": "agreed", "minutes": "各部门一致同意。"})  # fmt: skip
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.outcome == "agreed" and meeting.minutes_seq == 1
    assert "集中会审纪要" in lead.get(f"/workbench/cases/{case.number}/").content.decode()


def test_an_uninvolved_user_cannot_be_invited(people):
    case = accepted_case(people)
    with frozen(at(2026, 11, 3, 9)):
        response = browser(people.reviewer_zj).post(
            f"/workbench/cases/{case.number}/meetings/",
            {"scheduled_at": "2026-11-04T14:00", "place": "会审室", "participants": [people.clerk2.pk]},
        )
    assert response.status_code == 400 and not JointMeeting.objects.exists()


def test_the_tasks_tab_does_not_grow_with_the_tasks(people):
    """Issue 22: /workbench/tasks/, 1 case then 4, not more statements."""
    from tests.querycount import assert_flat

    accepted_case(people, on=at(2026, 11, 2, 9))
    page = browser(people.reviewer_xf)
    with frozen(at(2026, 11, 24, 9)):
        assert_flat(
            lambda: page.get("/workbench/tasks/").content.decode(),
            lambda: [accepted_case(people, on=at(2026, 11, day, 9)) for day in (3, 4, 5)],
            lambda html: html.count("/workbench/cases/"),
        )
