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

from approvals import services
from approvals.models import Application
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


def _run(item: Item, path, days_ago, filer, staff, pdf) -> Application:
    """File on the working day ``days_ago`` back, then one action per working day after it."""
    path = _with_fees(path, item.current_version)
    people = staff | {u.username: u for u in User.objects.filter(username__in=PEOPLE)}
    owner, filed_on = people[filer], _working_days_ago(days_ago)
    with time_machine.travel(_at(filed_on), tick=False):
        case = services.file_application(
            by=owner, item_code=item.code, applicant=PEOPLE[filer], form=_form(item.current_version),
            agent=AGENT if filer == "agent" else None,
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


@transaction.atomic
def seed(*, password: str, log) -> None:
    if Application.objects.filter(owner__username__in=PEOPLE).exists():
        log("approvals: demo cases exist, skipped")
        return
    pdf = _pdf()
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
    log(f"approvals: {made} demo cases in every state")
