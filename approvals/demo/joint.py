"""Demo joint approval (联合审批): two joint items and three joint cases, produced by the real services.

- 建设工程施工许可（并联审批）, led by 住建 with 自然资源 (the demo clerk's department) and 消防;
- 企业投资项目核准（联合审批）, led by 发改 with 自然资源 and 生态环境.

Cases: a 施工许可 in review whose 消防 opinion is late (自然资源 answered with conditions; the deadline
scan shows a ``joint_task`` card), a 项目核准 just accepted (自然资源's open task is in the demo
reviewer's 联办任务 tab), and a 施工许可 that went the whole way (opinions, 集中会审 with minutes,
recommendation, decision). Idempotent: the items through the catalog import, the cases once.
"""

import copy
from datetime import timedelta
from functools import cache
from pathlib import Path

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from approvals import joint, services
from approvals.models import Application
from catalog.io import import_catalog, read_file
from catalog.models import Item
from hall.models import User

DATA = Path(__file__).with_name("joint_items.yaml")
BUILDING, INVESTMENT = "ZJJ-XK-0901", "FGJ-XK-0901"
COMPANY = {"type": "organisation", "name": "杭州滨江建设有限公司", "id_number": "91350100M000100Y43",
           "phone": "13800000002", "address": "滨江区江南大道 2 号"}  # fmt: skip


@cache
def _data() -> dict:
    return read_file(DATA)


def seed_items(log=lambda message: None) -> None:
    report = import_catalog(copy.deepcopy(_data()))
    log(f"approvals: {len(report.codes)} joint items ({report.created} new, {report.revised} revised)")


def _people() -> dict:
    return {u.username: u for u in User.objects.filter(username__in=[
        "applicant2", "clerk_zj", "reviewer_zj", "approver_zj", "reviewer_xf", "reviewer", "clerk_fg",
        "reviewer_fg", "approver_fg", "reviewer_hb",
    ])}  # fmt: skip


def _day(working_days_ago: int, hour: int = 10):
    from approvals.demo import _at, _working_days_ago

    return _at(_working_days_ago(working_days_ago), hour)


def _file(code: str, owner: User, pdf: bytes, on) -> Application:
    version = Item.objects.get(code=code).current_version
    with time_machine.travel(on, tick=False):
        case = services.file_application(
            by=owner, item_code=code, applicant=COMPANY,
            form={f.name: f.sample_value() for f in version.fields.all() if f.required},
        )  # fmt: skip
        for requirement in version.materials.filter(required=True):
            upload = SimpleUploadedFile(f"{requirement.name[:20]}.pdf", pdf, "application/pdf")
            services.upload_material(case_id=case.pk, by=owner, requirement_id=requirement.pk, upload=upload)
        return services.submit_application(case_id=case.pk, by=owner)


def _at(instant, action):
    with time_machine.travel(min(instant, timezone.now()), tick=False):
        return action()


def _opinion(case, department: str, by: User, opinion: str, reason: str, on):
    task = case.joint_tasks.get(department__code=department)
    return _at(on, lambda: joint.give_opinion(case_id=case.pk, task_id=task.pk, by=by, opinion=opinion, reason=reason))


def seed_cases(pdf: bytes, log=lambda message: None) -> None:
    if Application.objects.filter(item__code__in=[BUILDING, INVESTMENT]).exists():
        log("approvals: demo joint cases exist, skipped")
        return
    p = _people()
    owner = p["applicant2"]

    # 1. 施工许可 in review, 消防 late: accepted 17 working days ago, opinions were due after 14.
    late = _file(BUILDING, owner, pdf, _day(18))
    _at(_day(17), lambda: services.accept_application(case_id=late.pk, by=p["clerk_zj"]))
    _at(_day(17, 14), lambda: services.start_review(case_id=late.pk, by=p["reviewer_zj"]))
    _opinion(late, "ZRZYJ", p["reviewer"], "agree_with_conditions",
             "用地手续和建设工程规划许可证核验一致；开工前须完成规划放线复核。", _day(12))  # fmt: skip

    # 2. 项目核准 just accepted: 自然资源 and 生态环境 have open tasks (the demo reviewer's tab).
    fresh = _file(INVESTMENT, owner, pdf, _day(3))
    _at(_day(2), lambda: services.accept_application(case_id=fresh.pk, by=p["clerk_fg"]))
    _at(_day(2, 15), lambda: services.start_review(case_id=fresh.pk, by=p["reviewer_fg"]))

    # 3. 施工许可 the whole way: opinions, 集中会审 and minutes, recommendation, decision.
    done = _file(BUILDING, owner, pdf, _day(12))
    _at(_day(11), lambda: services.accept_application(case_id=done.pk, by=p["clerk_zj"]))
    _at(_day(11, 14), lambda: services.start_review(case_id=done.pk, by=p["reviewer_zj"]))
    _opinion(done, "ZRZYJ", p["reviewer"], "agree", "用地及规划手续齐全、一致。", _day(9))
    _opinion(done, "XFJY", p["reviewer_xf"], "disagree", "消防车道宽度不满足 4 米要求，需修改总平面设计。", _day(8))
    meeting_at = _day(6, 9) + timedelta(hours=5)  # 14:00
    meeting = _at(_day(7), lambda: joint.schedule_meeting(
        case_id=done.pk, by=p["reviewer_zj"], scheduled_at=meeting_at, place="区行政服务中心三楼联合会审室",
        participants=[p["reviewer_zj"].pk, p["reviewer"].pk, p["reviewer_xf"].pk],
    ))  # fmt: skip
    _at(_day(6, 16), lambda: joint.record_minutes(
        case_id=done.pk, meeting_id=meeting.pk, by=p["reviewer_zj"], outcome="agreed_with_conditions",
        minutes="建设单位已提交修改后的总平面图，消防车道调整为 4.5 米，消防救援大队同意按修改方案实施；"
                "开工前完成规划放线复核。会审同意附条件核发施工许可。",
    ))  # fmt: skip
    _at(_day(5), lambda: services.recommend_decision(
        case_id=done.pk, by=p["reviewer_zj"], recommendation="approve",
        opinion="材料齐全，各联办部门意见已出具，经集中会审，符合施工许可条件，建议附条件准予。",
        dissent_response="消防救援大队关于消防车道的不同意意见已由建设单位修改设计采纳，会审确认满足要求。",
    ))  # fmt: skip
    _at(_day(4), lambda: services.approve_application(case_id=done.pk, by=p["approver_zj"], reason="同意会审意见"))
    log("approvals: 3 demo joint cases (one with a late department)")


def seed(*, pdf: bytes | None = None, log) -> None:
    """The joint items, then the joint cases once (``pdf``: the scanned-material sample, made if None)."""
    from approvals.demo import _pdf

    seed_items(log)
    seed_cases(pdf or _pdf(), log)
