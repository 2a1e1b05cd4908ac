"""Joint approval (联合审批) in real browsers: two participating departments act on their tasks, the lead
holds the joint review meeting (集中会审), records its minutes and recommends — answering the
disagreeing department. Screenshots for docs/joint.md."""

from datetime import timedelta

from django.utils import timezone

from approvals import services
from approvals.demo import joint as joint_demo
from approvals.models import Application, JointTask, State
from hall.models import User
from tests.approvals import helpers
from tests.e2e.conftest import shot


def joint_case() -> Application:
    """A 施工许可（并联审批） filed by the demo company, accepted by 住建 and under review."""
    joint_demo.seed_items()
    people = helpers.demo_people()
    case = helpers.submitted_case(people, by=people.applicant2, code=joint_demo.BUILDING, applicant=helpers.COMPANY)
    case = services.accept_application(case_id=case.pk, by=people.clerk_zj)
    return services.start_review(case_id=case.pk, by=people.reviewer_zj)


def test_two_departments_give_their_opinions_and_the_lead_recommends(open_as, tmp_path):
    case = joint_case()
    scan = tmp_path / "核验意见.pdf"
    scan.write_bytes(helpers.PDF)

    # 1. 自然资源 (the demo reviewer) finds the task in its 联办任务 tab and agrees with conditions.
    land = open_as("reviewer")
    land.goto(f"{open_as.url}/workbench/")
    land.click("text=联办任务")
    assert case.number in land.content() and land.inner_text("[data-count=open]") == "1"
    shot(land, "joint-tasks")
    land.click(f"text={case.number}")
    task = JointTask.objects.get(application=case, department__code="ZRZYJ")
    land.click(f"#opinion-{task.pk} summary")
    land.check(f"#opinion-{task.pk}-opinion_1")  # 附条件同意
    land.fill(f"#opinion-{task.pk}-reason", "用地和规划许可核验一致；开工前须完成规划放线复核。")
    land.set_input_files(f"#opinion-{task.pk}-attachments", str(scan))
    land.click("button:has-text('确认出具意见')")
    land.wait_for_load_state()
    task.refresh_from_db()
    assert task.opinion == "agree_with_conditions" and task.attachments.count() == 1

    # 2. 消防 disagrees, with its reason.
    fire = open_as("reviewer_xf")
    fire.goto(f"{open_as.url}/workbench/cases/{case.number}/")
    other = JointTask.objects.get(application=case, department__code="XFJY")
    fire.click(f"#opinion-{other.pk} summary")
    fire.check(f"#opinion-{other.pk}-opinion_2")  # 不同意
    fire.fill(f"#opinion-{other.pk}-reason", "消防车道宽度不足 4 米，需修改总平面设计。")
    shot(fire, "joint-opinion")
    fire.click("button:has-text('确认出具意见')")
    fire.wait_for_load_state()
    other.refresh_from_db()
    assert other.opinion == "disagree"

    # 3. The lead (住建) schedules the 集中会审 (now), records the minutes, and recommends.
    lead = open_as("reviewer_zj")
    lead.goto(f"{open_as.url}/workbench/cases/{case.number}/")
    assert "各部门意见已齐" in lead.content()
    lead.click("#schedule-meeting summary")
    when = timezone.localtime(timezone.now() - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")
    lead.fill("#meeting-scheduled_at", when)
    lead.fill("#meeting-place", "区行政服务中心三楼联合会审室")
    for username in ("reviewer_zj", "reviewer", "reviewer_xf"):
        lead.check(f"#joint input[name=participants][value='{User.objects.get(username=username).pk}']")
    lead.click("button:has-text('确认安排')")
    lead.wait_for_load_state()
    meeting = case.joint_meetings.get()
    lead.click(f"#minutes-{meeting.pk} summary")
    lead.check(f"#minutes-{meeting.pk}-outcome_1")  # 附条件同意
    lead.fill(f"#minutes-{meeting.pk}-minutes", "建设单位同意将消防车道调整为 4.5 米；消防救援大队同意按修改方案实施。")
    lead.click("button:has-text('确认记录纪要')")
    lead.wait_for_load_state()
    lead.click("#act-recommend summary")
    lead.fill("#recommend-opinion", "各联办部门意见已出具，经集中会审，符合施工许可条件，建议附条件准予。")
    lead.fill("#recommend-dissent_response", "消防车道按会审纪要调整为 4.5 米，采纳消防救援大队意见。")
    lead.click("button:has-text('确认提出审查意见')")
    lead.wait_for_load_state()
    case.refresh_from_db()
    assert case.state == State.AWAITING_DECISION
    lead.goto(f"{open_as.url}/workbench/cases/{case.number}/#joint")
    shot(lead, "joint-case")
