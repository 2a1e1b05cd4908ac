"""Demo e-monitoring: one deadline scan over the demo cases, then two 督办 — one waiting for the
department's answer (the clerk sees “督办 1”), one answered and waiting for the supervisor. Runs once."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from hall.models import User
from supervision import orders, scores
from supervision.models import Order, ScoreSheet, Warning
from supervision.scan import scan_deadlines


@transaction.atomic
def seed(*, password: str, log) -> None:
    seed_complaints(log=log)
    seed_scores(log=log)
    if Order.objects.exists():
        log("supervision: demo orders exist, skipped")
        return
    counts = scan_deadlines()
    supervisor, clerk = User.objects.get(username="supervisor"), User.objects.get(username="clerk")
    reds = list(
        Warning.objects.filter(level="red", resolved_at__isnull=True, department__code="ZRZYJ")
        .select_related("application", "department")
        .order_by("raised_at", "id")[:2]
    )
    texts = [
        "该件已超过法定期限，请立即办理并书面说明超期原因及整改措施。",
        "请说明该件超期原因，并报送窗口人员培训安排。",
    ]
    for warning, text in zip(reds, texts, strict=False):
        orders.issue_order(by=supervisor, department_code=warning.department.code, text=text, due_days=3,
                           warning_id=warning.pk)  # fmt: skip
    answered = Order.objects.order_by("id").last()
    if len(reds) == 2:
        orders.answer_order(order_id=answered.pk, by=clerk, text="已于当日办结，并组织窗口人员学习限时办结制度。")
    log(f"supervision: scan raised {sum(counts['raised'].values())} cards; {len(reds)} demo orders")


def seed_scores(*, log) -> None:
    """绩效评估 (issue 19): last month published (version 1), so the ranking page shows a frozen month
    beside the running one. Runs once."""
    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    if ScoreSheet.objects.filter(month=last_month).exists():
        return
    sheet = scores.publish_month(month=last_month, by=User.objects.get(username="supervisor"))
    log(f"supervision: scores of {last_month:%Y-%m} published ({sheet.scores.count()} departments and windows)")


def seed_complaints(*, log) -> None:
    """投诉 (issue 21): an anonymous one waiting to be assigned, a 12345 work order assigned to 自然资源 and
    answered (waiting for the call-back), one closed. Runs once."""
    from django.conf import settings

    from supervision import complaints
    from supervision.models import Complaint

    if Complaint.objects.exists():
        log("supervision: demo complaints exist, skipped")
        return
    supervisor, clerk = User.objects.get(username="supervisor"), User.objects.get(username="clerk")
    complaints.file_complaint(text="二楼 B 区窗口午休时段无人值守，等了四十分钟。", window_number="B01")
    hotline = complaints.file_complaint(
        text="（12345 转办）市民反映不动产登记需要重复提交身份证复印件。", department_code="ZRZYJ",
        contact_name="李女士", contact_phone="13900000021", source=Complaint.Source.HOTLINE,
        work_order_number="12345-DEMO-0001",
    )  # fmt: skip
    complaints.assign_complaint(complaint_id=hotline.pk, by=supervisor, department_code="ZRZYJ",
                                due_days=settings.COMPLAINT_DUE_DAYS)  # fmt: skip
    complaints.answer_complaint(complaint_id=hotline.pk, by=clerk,
                                answer="已通过数据共享调取身份信息，不再要求提交复印件，并向市民致歉。")  # fmt: skip
    closed = complaints.file_complaint(text="网上申报页面上传材料时多次失败。", department_code="ZRZYJ",
                                       contact_phone="13900000022")  # fmt: skip
    complaints.assign_complaint(complaint_id=closed.pk, by=supervisor, department_code="ZRZYJ", due_days=5)
    complaints.answer_complaint(complaint_id=closed.pk, by=clerk, answer="已修复上传组件的超时设置。")
    complaints.close_complaint(complaint_id=closed.pk, by=supervisor, callback_note="电话回访，已能正常上传。",
                               finding="upheld", satisfaction=5)  # fmt: skip
    log("supervision: 3 demo complaints")
