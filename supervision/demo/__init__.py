"""Demo e-monitoring: one deadline scan over the demo cases, then two 督办 — one waiting for the
department's answer (the clerk sees “督办 1”), one answered and waiting for the supervisor. Runs once."""

from django.db import transaction

from hall.models import User
from supervision import orders
from supervision.models import Order, Warning
from supervision.scan import scan_deadlines


@transaction.atomic
def seed(*, password: str, log) -> None:
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
