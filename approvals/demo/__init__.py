"""Demo cases: ~40 applications in every state across departments, some near or past their deadlines.

Each case is produced by the real services, step by step, on past working days (time-machine moves
the clock for the seeding only), so timelines, stored due instants and notices are what the hall
would really show. Runs once: skipped when demo cases already exist.
"""

from datetime import datetime, timedelta

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from approvals import authority, services
from approvals.demo import joint as joint_demo
from approvals.models import Application, Delegation
from catalog.models import Item
from fees import services as fees
from fees.models import Assessment
from hall import calendar
from hall.models import User

PEOPLE = {
    "applicant": {"type": "person", "name": "张伟", "id_number": "11010519491231002X", "phone": "13800000001",
                  "address": "西湖区文三路 1 号"},
    "applicant2": {"type": "organisation", "name": "杭州滨江建设有限公司", "id_number": "91350100M000100Y43",
                   "phone": "13800000002", "address": "滨江区江南大道 2 号"},
    "agent": {"type": "person", "name": "赵敏", "id_number": "330106198503120423", "phone": "13800000004",
              "address": "上城区解放路 8 号"},
}  # fmt: skip
AGENT = {
    "name": "王强",
    "id_number": "330106199207151019",
    "phone": "13800000003",
    "authorisation": "委托书 WT-2026-018",
}

# (path of actions after filing, working days ago the case was filed, who files). Each later action
# happens on the next working day at 10:00, so the gaps decide which deadlines are near or past.
SCENARIOS = [
    ([], 0, "applicant"), ([], 1, "agent"),
    (["submit"], 0, "applicant"), (["submit"], 1, "applicant2"), (["submit"], 4, "applicant"),
    (["submit"], 8, "applicant2"),  # no notice within 5 working days: deemed accepted on acceptance
    (["submit", "request_correction"], 2, "applicant"), (["submit", "request_correction"], 3, "agent"),
    (["submit", "request_correction", "resubmit"], 4, "applicant2"),
    (["submit", "accept"], 1, "applicant"), (["submit", "accept"], 3, "applicant2"),
    (["submit", "accept", "start_review"], 2, "applicant"),
    (["submit", "accept", "start_review"], 5, "agent"),  # yellow: last fifth of the period
    (["submit", "accept", "start_review"], 9, "applicant2"),  # overdue (red)
    (["submit", "accept", "start_review"], 12, "applicant"),  # overdue (red)
    (["submit", "accept", "start_review", "suspend"], 4, "applicant"),
    (["submit", "accept", "start_review", "suspend", "resume"], 7, "applicant2"),
    (["submit", "accept", "start_review", "extend"], 8, "applicant"),
    (["submit", "accept", "start_review", "recommend"], 4, "applicant2"),  # 待决定: the approver's queue
    (["submit", "accept", "start_review", "recommend_deny"], 7, "agent"),  # 待决定, recommended denial
    (["submit", "accept", "start_review", "recommend", "return_for_review"], 6, "applicant"),  # 退回审查
    (["submit", "accept", "start_review", "recommend", "approve"], 5, "applicant"),
    (["submit", "accept", "start_review", "recommend", "approve"], 16, "applicant2"),  # delivery overdue (art. 44)
    (["submit", "accept", "start_review", "recommend_deny", "deny"], 6, "agent"),
    (["submit", "accept", "start_review", "recommend", "approve", "deliver"], 10, "applicant"),
    (["submit", "accept", "start_review", "recommend", "approve", "deliver", "rate_good"], 14, "applicant2"),  # 好差评
    (["submit", "accept", "start_review", "recommend", "approve", "deliver", "rate_bad"], 20, "applicant"),  # 差评整改
    (["submit", "request_correction", "resubmit", "accept", "start_review", "recommend", "approve", "deliver"], 25,
     "agent"),
    (["submit", "accept", "start_review", "suspend", "resume", "recommend", "approve", "deliver"], 30, "applicant2"),
    (["submit", "reject_intake"], 6, "applicant"), (["submit", "reject_intake"], 11, "applicant2"),
    (["withdraw"], 2, "applicant"), (["submit", "accept", "withdraw"], 5, "applicant2"),
    (["submit", "accept", "start_review", "terminate"], 9, "applicant"),
]  # fmt: skip
# Fee-charging items (一口收费): fees due, approved but unpaid (cannot be delivered yet), paid online,
# collected at the cashier's window and delivered.
FEE_SCENARIOS = [
    (["submit", "accept", "start_review", "assess"], 3, "applicant"),
    (["submit", "accept", "start_review", "assess", "recommend", "approve"], 6, "applicant2"),
    (["submit", "accept", "start_review", "assess", "pay", "recommend", "approve"], 7, "applicant"),
    (["submit", "accept", "start_review", "assess", "recommend", "approve", "collect", "deliver"], 12, "applicant2"),
]
# Cases of the market-regulation department, whose demo staff is only a window clerk (clerk2).
SCJGJ_SCENARIOS = [
    (["submit"], 1, "applicant"), (["submit"], 3, "applicant2"),
    (["submit", "request_correction"], 2, "applicant"), (["submit", "accept"], 2, "applicant2"),
    (["submit", "accept"], 6, "applicant"), (["submit", "reject_intake"], 4, "applicant2"),
]  # fmt: skip


def _working_days_ago(n: int):
    """The working day ``n`` working days before today (today itself when it is one and n = 0)."""
    day = timezone.localdate()
    while n > 0 or not calendar.is_working_day(day):
        day -= timedelta(days=1)
        n -= calendar.is_working_day(day) and n > 0
    return day


def _at(day, hour=10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=calendar.SHANGHAI)


def _form(version) -> dict:
    """Values the item's form accepts (its examples, ranges and date rules: ``FormField.sample_value``)."""
    return {f.name: f.sample_value() for f in version.fields.all() if f.required}


def _pdf() -> bytes:
    from approvals.notices import render_pdf

    html = "<html><body><h1>演示材料</h1><p>扫描件示例（演示数据）</p></body></html>"
    return render_pdf(html, base_url="/")


def _with_fees(path: list[str], version) -> list[str]:
    """A fee-charging item is delivered only once assessed and paid (一口收费, the delivery gate): a
    path that delivers assesses during the review and is paid online before the decision."""
    if not version.charges_fees or "deliver" not in path or "assess" in path:
        return path
    at = path.index("start_review") + 1
    return [*path[:at], "assess", "pay", *path[at:]]


def _run(item: Item, path, days_ago, filer, staff, pdf, department_code: str = "") -> Application:
    """File on the working day ``days_ago`` back, then one action per working day after it."""
    path = _with_fees(path, item.current_version)
    people = staff | {u.username: u for u in User.objects.filter(username__in=PEOPLE)}
    owner, filed_on = people[filer], _working_days_ago(days_ago)
    with time_machine.travel(_at(filed_on), tick=False):
        case = services.file_application(
            by=owner, item_code=item.code, applicant=PEOPLE[filer], form=_form(item.current_version),
            agent=AGENT if filer == "agent" else None, department_code=department_code,
        )  # fmt: skip
        for requirement in item.current_version.materials.filter(required=True):
            upload = SimpleUploadedFile(f"{requirement.name[:20]}.pdf", pdf, "application/pdf")
            services.upload_material(case_id=case.pk, by=owner, requirement_id=requirement.pk, upload=upload)
    for step, action in enumerate(path):
        instant = min(_at(calendar.add_working_days(filed_on, step), 11 + step % 5), timezone.now())
        with time_machine.travel(instant, tick=False):
            case = _act(action, case.pk, people, owner, item.current_version, pdf)
    return case


def _act(action, pk, people, owner, version, pdf) -> Application:
    first = version.materials.filter(required=True).first()
    clerk, reviewer, approver = people["clerk"], people.get("reviewer"), people.get("approver")
    if action == "resubmit":
        upload = SimpleUploadedFile("补正材料.pdf", pdf, "application/pdf")
        services.upload_material(case_id=pk, by=owner, requirement_id=first.pk, upload=upload)
    correction = [{"requirement_id": first.pk, "reason": "复印件不清晰，请重新扫描并加盖公章"}]
    calls = {
        "submit": lambda: services.submit_application(case_id=pk, by=owner),
        "resubmit": lambda: services.resubmit_application(case_id=pk, by=owner),
        "withdraw": lambda: services.withdraw_application(case_id=pk, by=owner, reason="不再需要办理"),
        "request_correction": lambda: services.request_correction(
            case_id=pk, by=clerk, items=correction, reason="材料需补正"
        ),
        "accept": lambda: services.accept_application(case_id=pk, by=clerk),
        "reject_intake": lambda: services.reject_intake(
            case_id=pk, by=clerk, reason="申请事项不属于本机关职权范围，请向市级主管部门申请"
        ),
        "start_review": lambda: services.start_review(case_id=pk, by=reviewer),
        "suspend": lambda: services.suspend_for_procedure(
            case_id=pk, by=reviewer, procedure="expert_review", reason="涉及重大公共利益，需组织专家评审"
        ),
        "resume": lambda: services.resume_review(case_id=pk, by=reviewer),
        "extend": lambda: services.extend_deadline(case_id=pk, by=approver, days=5, reason="需现场核查相邻权利人意见"),
        "recommend": lambda: services.recommend_decision(
            case_id=pk,
            by=reviewer,
            recommendation="approve",
            opinion="申请材料齐全，经核查符合用地规划条件和法定标准，建议准予。",
        ),
        "recommend_deny": lambda: services.recommend_decision(
            case_id=pk, by=reviewer, recommendation="deny", opinion="申请用途与控制性详细规划不符，建议不予。"
        ),
        "return_for_review": lambda: services.return_for_review(
            case_id=pk, by=approver, reason="请补充现场核查记录和相邻权利人意见后重新提出审查意见"
        ),
        "approve": lambda: services.approve_application(case_id=pk, by=approver, reason="同意审查意见，准予"),
        "deny": lambda: services.deny_application(case_id=pk, by=approver, reason="申请用途与规划不符"),
        "on_the_spot": lambda: services.decide_on_the_spot(
            case_id=pk, by=clerk, decision="approve", reason="当场核验查询人身份证明原件，准予查询"
        ),
        "deliver": lambda: services.deliver_result(
            case_id=pk, by=clerk, method="express", tracking_number="SF1234567890"
        ),
        "terminate": lambda: services.terminate_application(case_id=pk, by=approver, reason="申请单位已注销"),
        # 一口收费: the clerk assesses the first published standard; paid online or at the cashier's window.
        "assess": lambda: (
            fees.assess_fees(
                case_id=pk, by=clerk, lines=[{"standard_id": version.fees.order_by("position", "id")[0].pk}]
            ).application
        ),
        "pay": lambda: fees.pay_with_simulator(case_id=pk, by=owner).assessment.application,
        "collect": lambda: _collect(pk, people["cashier"]),
        "rate_good": lambda: (
            services.evaluate_service(case_id=pk, by=owner, level=5, comment="一次办好，很方便").application
        ),
        "rate_bad": lambda: (
            services.evaluate_service(
                case_id=pk, by=owner, level=2, comment="邮寄送达比承诺晚了两天，也没有电话告知"
            ).application
        ),
    }
    return calls[action]()


def _collect(pk, cashier) -> Application:
    assessment = Assessment.objects.get(application_id=pk)
    payment = fees.collect_at_window(payment_code=assessment.payment_code, by=cashier,
                                     amount_fen=assessment.outstanding_fen, channel="cash")  # fmt: skip
    return payment.assessment.application


# Reform paths (issue 17): the 即办件 of the demo clerk's department, decided at window B01 by its chief
# representative (the demo clerk, under the delegation below), and the township halls' own cases of
# the item delegated to them (最低生活保障审核确认), handled by the townships' staff.
INSTANT_ITEM = "ZRZYJ-GG-0007"
INSTANT_SCENARIOS = [
    (["submit"], 0, "applicant"),
    (["submit"], 0, "applicant2"),
    (["submit", "on_the_spot"], 2, "applicant"),
    (["submit", "on_the_spot", "deliver"], 5, "agent"),
]
TOWNSHIP_ITEM = "MZJ-GF-0005"
TOWNSHIP_SCENARIOS = [
    ("XJZ", ["submit"], 0, "applicant"), ("XJZ", ["submit", "accept"], 2, "applicant2"),
    ("XJZ", ["submit", "accept", "start_review", "recommend"], 4, "agent"),
    ("XJZ", ["submit", "accept", "start_review", "recommend", "approve"], 9, "applicant"),
    ("HXJD", ["submit"], 1, "applicant2"),
]  # fmt: skip
TOWNSHIP_STAFF = {
    "XJZ": {"clerk": "town_clerk", "reviewer": "town_reviewer", "approver": "town_approver"},
    "HXJD": {"clerk": "town_clerk2", "reviewer": "town_clerk2", "approver": "town_approver2"},
}


def _delegate_window_b01(log) -> None:
    """首席代表授权: the department (its approver) authorises window B01's chief representative."""
    if Delegation.objects.filter(window__number="B01", revoked_at__isnull=True).exists():
        return
    approver = User.objects.get(username="approver")
    authority.grant_delegation(
        by=approver,
        window="B01",
        item_codes=[INSTANT_ITEM],
        document="区自然资源局授〔2026〕1号",
        valid_from=timezone.localdate() - timedelta(days=90),
        note="不动产登记资料查询（即办件）由 B01 窗口首席代表当场决定",
    )
    log("approvals: window B01's chief representative authorised to decide the 即办件")


def _reform_cases(pdf) -> int:
    made = 0
    instant = Item.objects.get(code=INSTANT_ITEM)
    clerk = {"clerk": User.objects.get(username="clerk")}
    for path, days_ago, filer in INSTANT_SCENARIOS:
        _run(instant, path, days_ago, filer, clerk, pdf)
        made += 1
    township = Item.objects.get(code=TOWNSHIP_ITEM)
    for code, path, days_ago, filer in TOWNSHIP_SCENARIOS:
        staff = {role: User.objects.get(username=name) for role, name in TOWNSHIP_STAFF[code].items()}
        _run(township, path, days_ago, filer, staff, pdf, department_code=code)
        made += 1
    return made


@transaction.atomic
def seed(*, password: str, log) -> None:
    from approvals.demo.bundles import seed_bundles

    _delegate_window_b01(log)
    if Application.objects.filter(owner__username__in=PEOPLE).exists():
        log("approvals: demo cases exist, skipped")
        seed_bundles(pdf=_pdf(), at=_at, working_days_ago=_working_days_ago, log=log)
        joint_demo.seed(log=log)  # 联合审批: its own items, and its cases once
        return
    pdf = _pdf()
    seed_bundles(pdf=pdf, at=_at, working_days_ago=_working_days_ago, log=log)
    zrzyj = {"clerk": "clerk", "reviewer": "reviewer", "approver": "approver", "cashier": "cashier"}
    plans = [("ZRZYJ", SCENARIOS, zrzyj, False), ("ZRZYJ", FEE_SCENARIOS, zrzyj, True),
             ("SCJGJ", SCJGJ_SCENARIOS, {"clerk": "clerk2"}, False)]  # fmt: skip
    made = 0
    for department, scenarios, roles, charging in plans:
        items = Item.objects.filter(department__code=department, status="published")
        items = items.filter(current_version__channel_online=True, current_version__committed_days__gt=0)
        items = list(items.filter(current_version__charges_fees=True) if charging else items)
        staff = {role: User.objects.get(username=name) for role, name in roles.items()}
        for index, (path, days_ago, filer) in enumerate(scenarios):
            _run(items[index % len(items)], path, days_ago, filer, staff, pdf)
            made += 1
    made += _reforms(pdf)
    made += _reform_cases(pdf)
    log(f"approvals: {made} demo cases in every state")
    joint_demo.seed(pdf=pdf, log=log)


def _file(owner, code: str, pdf, *, days_ago: int, skip=(), form=None) -> Application:
    """A draft of ``code`` filed ``days_ago`` working days back, every required material uploaded but ``skip``."""
    version = Item.objects.get(code=code).current_version
    with time_machine.travel(_at(_working_days_ago(days_ago)), tick=False):
        case = services.file_application(by=owner, item_code=code, applicant=PEOPLE[owner.username],
                                         form=form or _form(version))  # fmt: skip
        for requirement in version.materials.filter(required=True).exclude(name__in=skip):
            upload = SimpleUploadedFile(f"{requirement.name[:20]}.pdf", pdf, "application/pdf")
            services.upload_material(case_id=case.pk, by=owner, requirement_id=requirement.pk, upload=upload)
    return case


def _decide(case, days_ago: int, clerk, reviewer, approver) -> Application:
    pk, owner = case.pk, case.owner
    acts = (
        lambda: services.submit_application(case_id=pk, by=owner),
        lambda: services.accept_application(case_id=pk, by=clerk),
        lambda: services.start_review(case_id=pk, by=reviewer),
        lambda: services.recommend_decision(case_id=pk, by=reviewer, recommendation="approve",
                                            opinion="经审查，符合法定条件，建议准予。"),
        lambda: services.approve_application(case_id=pk, by=approver),
    )  # fmt: skip
    for step, act in enumerate(acts):
        with time_machine.travel(_at(_working_days_ago(max(days_ago - step, 0)), 10 + step), tick=False):
            case = act()
    return case


def _reforms(pdf) -> int:
    """Issue 17: a 告知承诺制 case of ZRZYJ-XK-0006 decided on 张伟's commitment, its verification
    pending in the reviewer's list (and pushed to the regulator, 住建局); another, of 杭州滨江建设, whose
    commitment was found false: revoked, the company restricted from tell-and-commit on the item; a
    食品经营许可 (SCJGJ-XK-0003) approved for 张伟, then his 变更 (SCJGJ-XK-0004) approved by the 秒批 rule."""
    from approvals import commitments

    people = {u.username: u for u in User.objects.filter(username__in=[
        "applicant", "applicant2", "clerk", "reviewer", "approver", "clerk2", "reviewer2", "approver2"])}  # fmt: skip
    applicant, made = people["applicant"], 0
    waived = Item.objects.get(code="ZRZYJ-XK-0006").current_version.materials.filter(commitment_allowed=True)
    for owner, days_ago, found_false in ((applicant, 6, False), (people["applicant2"], 14, True)):
        if not waived.exists():
            break
        case = _file(owner, "ZRZYJ-XK-0006", pdf, days_ago=days_ago, skip=[m.name for m in waived])
        with time_machine.travel(_at(_working_days_ago(days_ago), 11), tick=False):
            commitments.sign_commitment(case_id=case.pk, by=owner, requirement_ids=[m.pk for m in waived])
        case = _decide(case, days_ago - 1, people["clerk"], people["reviewer"], people["approver"])
        made += 1
        if found_false:
            with time_machine.travel(_at(_working_days_ago(days_ago - 6), 10), tick=False):
                commitments.record_verification(
                    verification_id=case.verification.pk,
                    by=people["reviewer"],
                    outcome="false",
                    finding="现场核查：承诺已取得的土地权属证明不存在",
                )
            with time_machine.travel(_at(_working_days_ago(days_ago - 7), 10), tick=False):
                commitments.revoke_approval(case_id=case.pk, by=people["approver"],
                                            reason="经核查，申请人承诺的土地权属证明不存在，承诺不实")  # fmt: skip
    change = Item.objects.get(code="SCJGJ-XK-0004").current_version
    if change.instant_rule and {"reviewer2", "approver2"} <= set(people):
        licence = _file(applicant, "SCJGJ-XK-0003", pdf, days_ago=12)
        _decide(licence, 11, people["clerk2"], people["reviewer2"], people["approver2"])
        form = _form(change) | {"change_items": "经营者名称"}
        case = _file(applicant, "SCJGJ-XK-0004", pdf, days_ago=1, skip=["食品经营许可证"], form=form)
        with time_machine.travel(_at(_working_days_ago(1), 15), tick=False):
            services.submit_application(case_id=case.pk, by=applicant)  # 秒批: accepted and approved at once
        made += 2
    return made
