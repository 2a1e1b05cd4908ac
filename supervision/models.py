"""E-monitoring (电子监察) data: the deadline warnings (预警) raised by ``supervision.scan``.

A warning is one (case, kind, level): raised once by the scan when its condition first holds,
resolved when the case moves on, re-opened if the condition holds again (docs/supervision.md).
"""

from django.db import models


class Warning(models.Model):
    """预警: a 黄牌 or 红牌 on a case whose legal period is running out or has run out."""

    class Kind(models.TextChoices):
        ACCEPT = "accept", "受理超期"  # 行政许可法 art. 32
        CORRECTION_NOTICE = "correction_notice", "补正告知超期"  # art. 32
        DECISION = "decision", "办结预警/超期"  # arts. 42, 45
        DELIVERY = "delivery", "送达超期"  # art. 44
        ORDER = "order", "督办逾期"  # a 督办 not answered by its due: escalated to 约谈 (supervision.orders)
        JOINT_TASK = "joint_task", "联办意见超期"  # arts. 26, 42: a department's opinion on a joint case is late
        # a bad rating not verified (yellow) or not rectified (red) in time (差评整改, approvals.FollowUp)
        FOLLOW_UP = "follow_up", "差评整改超期"
        VERIFICATION = "verification", "承诺核查超期"  # 告知承诺制 post-verification past its due (国办发〔2020〕42号)

    class Level(models.TextChoices):
        YELLOW = "yellow", "黄牌"
        RED = "red", "红牌"

    # NULL for a follow-up's card (a window visit's rating has no case; a case may have two rated stages):
    # the card names its follow-up instead, unique per (follow-up, level).
    application = models.ForeignKey(
        "approvals.Application", verbose_name="办件", null=True, blank=True, on_delete=models.PROTECT,
        related_name="warnings",
    )  # fmt: skip
    follow_up = models.ForeignKey(
        "approvals.FollowUp", verbose_name="差评整改", null=True, blank=True, on_delete=models.PROTECT,
        related_name="warnings",
    )  # fmt: skip
    # Denormalised from the case: the dashboard filters and counts per department without a join.
    department = models.ForeignKey(
        "hall.Department", verbose_name="承办部门", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    level = models.CharField("级别", max_length=10, choices=Level.choices)
    due_at = models.DateTimeField("期限")
    raised_at = models.DateTimeField("预警时间")
    resolved_at = models.DateTimeField("解除时间", null=True, blank=True)

    class Meta:
        verbose_name = "预警"
        verbose_name_plural = "预警"
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "kind", "level"], name="one_warning_per_case_kind_level"),
            models.UniqueConstraint(
                fields=["follow_up", "level"],
                condition=models.Q(follow_up__isnull=False),
                name="one_warning_per_follow_up_level",
            ),
        ]
        indexes = [
            # The open-warnings list (newest first) and the scan's resolve step.
            models.Index(
                fields=["-raised_at", "-id"], condition=models.Q(resolved_at__isnull=True), name="warning_open"
            ),
            models.Index(fields=["department", "-raised_at"], name="warning_department"),
            # the warnings list with resolved ones too (open=false|all), newest first
            models.Index(fields=["-raised_at", "-id"], name="warning_newest"),
        ]

    def __str__(self):
        return f"{self.application_id or self.follow_up_id} {self.get_kind_display()} {self.get_level_display()}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class ChainDigest(models.Model):
    """The daily digest of the audit chains (``hall.digest``) as the event feed carries it upward: the
    upper level keeps it, so rewriting history here would also mean rewriting what it already holds.
    Placed in the feed right after the last event it covers (``after_event_id``)."""

    audit_entry = models.OneToOneField("hall.AuditEntry", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("时间")
    after_event_id = models.BigIntegerField("所含最后事件")
    digest = models.CharField("摘要哈希", max_length=64)  # the digest audit entry's row_hash
    families = models.JSONField("各链摘要", default=dict)

    class Meta:
        verbose_name = "审计链摘要"
        verbose_name_plural = "审计链摘要"
        indexes = [models.Index(fields=["after_event_id", "id"], name="chain_digest_feed")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d} {self.digest[:12]}"


class FeedEntry(models.Model):
    """An item of the event feed other than a case event (``supervision.feed``): a daily audit-chain
    digest, a 督办 act, an anomaly, a payment — written in the transaction of what it reports and
    placed after the last case event that existed then. ``data`` is the item as the feed gives it."""

    class Kind(models.TextChoices):
        DIGEST = "digest", "审计链摘要"
        ORDER = "order", "督办"
        ANOMALY = "anomaly", "异常行为"
        PAYMENT = "payment", "缴费"
        FINDING = "finding", "监管反馈"  # 双向推送: a regulator's finding on a decided case

    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    action = models.CharField("动作", max_length=40)
    at = models.DateTimeField("时间")
    after_event_id = models.BigIntegerField("位于事件之后")
    case_number = models.CharField("办件编号", max_length=40, blank=True)
    ref_id = models.BigIntegerField("对象编号", null=True, blank=True)
    data = models.JSONField("内容", default=dict)

    class Meta:
        verbose_name = "监察数据推送"
        verbose_name_plural = "监察数据推送"
        indexes = [
            models.Index(fields=["after_event_id", "id"], name="feed_entry_position"),
            models.Index(fields=["kind", "ref_id"], name="feed_entry_ref"),
        ]

    def __str__(self):
        return f"{self.action} {self.ref_id}"


class Order(models.Model):
    """督办: a supervisor's written order to a department about a case, a warning or its work, to be
    answered within N working days; past its due it escalates to level 2 (约谈) and the department's
    head is told. Supervisors change no case: an order is how they act (DESIGN.md, Permissions)."""

    class State(models.TextChoices):
        OPEN = "open", "待答复"
        ANSWERED = "answered", "已答复"
        CLOSED = "closed", "已办结"

    application = models.ForeignKey(
        "approvals.Application", verbose_name="办件", null=True, blank=True, on_delete=models.PROTECT,
        related_name="orders",
    )  # fmt: skip
    warning = models.ForeignKey(Warning, verbose_name="预警", null=True, blank=True, on_delete=models.PROTECT)
    anomaly = models.ForeignKey(
        "supervision.Anomaly", verbose_name="异常行为", null=True, blank=True, on_delete=models.PROTECT,
        related_name="orders",
    )  # fmt: skip
    department = models.ForeignKey("hall.Department", verbose_name="被督办部门", on_delete=models.PROTECT)
    text = models.TextField("督办内容")
    due_days = models.PositiveSmallIntegerField("答复时限（工作日）")
    due = models.DateTimeField("答复期限")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.OPEN)
    level = models.PositiveSmallIntegerField("级别", default=1, help_text="2：逾期未答复，升级约谈")
    escalated_at = models.DateTimeField("升级时间", null=True, blank=True)
    created_by = models.ForeignKey("hall.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("督办时间")
    response = models.TextField("答复", blank=True)
    responded_by = models.ForeignKey("hall.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    responded_at = models.DateTimeField("答复时间", null=True, blank=True)
    returned_reason = models.TextField("退回理由", blank=True)
    closed_by = models.ForeignKey("hall.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = "督办"
        verbose_name_plural = "督办"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["department", "state"], name="order_department_state"),
            # the scan's escalation: open orders past their due
            models.Index(fields=["due"], name="order_open_due", condition=models.Q(state="open", level=1)),
        ]

    def __str__(self):
        return f"督办 {self.pk}"


class Anomaly(models.Model):
    """异常行为: conduct a rule of ``supervision.rules`` flags — not a clock (that is a ``Warning``) but
    how a case was handled: decided implausibly fast, suspended once overdue, handled off the system,
    charged off the published standard … Each row names the rule, its subject (``key``: a case, an
    act, a clerk and month, a window and period) and the evidence that triggered it — the events,
    payments, assessments, notices or ratings, as ``[{kind, id, at, summary, …}]``. Written only by
    the scan's ``INSERT … SELECT … ON CONFLICT (rule, key) DO NOTHING``: a repeated scan adds nothing."""

    class Rule(models.TextChoices):
        # The reasons, legal bases and thresholds are in supervision.rules.RULES (one entry per code).
        FAST_DECISION = "fast_decision", "办结过快"
        LATE_SUSPENSION = "late_suspension", "超期后暂停或延期"
        REPEATED_SUSPENSION = "repeated_suspension", "同一办件多次暂停或延期"
        CLERK_SUSPENSIONS = "clerk_suspensions", "同一人员当月多次暂停或延期"
        OFF_SYSTEM = "off_system", "体外循环"
        CORRECTION_OUTSIDE_LIST = "correction_outside_list", "补正要求超出材料目录"
        DELIVERED_UNASSESSED = "delivered_unassessed", "收费事项未核定收费即送达"
        PAYMENT_ON_CLOSED_CASE = "payment_on_closed_case", "未准予的办件收费"
        FEE_OFF_STANDARD = "fee_off_standard", "收费金额与公布标准不符"
        PAYMENT_REFUSED = "payment_refused", "缴费与对账异常"
        BAD_RATINGS_CLUSTER = "bad_ratings_cluster", "差评集中于同一窗口"

    rule = models.CharField("规则", max_length=30, choices=Rule.choices)
    key = models.CharField("对象", max_length=100, help_text="case:<id>、event:<id>、user:<id>:<YYYY-MM> …")
    # NULL for rules about a person or a window over a period rather than one case.
    application = models.ForeignKey(
        "approvals.Application", verbose_name="办件", null=True, blank=True, on_delete=models.PROTECT,
        related_name="anomalies",
    )  # fmt: skip
    department = models.ForeignKey("hall.Department", verbose_name="部门", on_delete=models.PROTECT, related_name="+")
    actor = models.ForeignKey(
        "hall.User", verbose_name="行为人", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    window = models.ForeignKey(
        "hall.Window", verbose_name="窗口", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    occurred_at = models.DateTimeField("行为时间", help_text="the latest act among the evidence")
    detected_at = models.DateTimeField("发现时间")
    evidence = models.JSONField("证据", default=list)

    class Meta:
        verbose_name = "异常行为"
        verbose_name_plural = "异常行为"
        ordering = ["-detected_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["rule", "key"], name="one_anomaly_per_rule_subject")]
        indexes = [
            models.Index(fields=["-detected_at", "-id"], name="anomaly_newest"),
            models.Index(fields=["department", "-detected_at", "-id"], name="anomaly_department"),
            models.Index(fields=["rule", "-detected_at", "-id"], name="anomaly_rule"),
        ]

    def __str__(self):
        return f"{self.get_rule_display()} {self.key}"


def order_attachment_path(instance: "OrderAttachment", filename: str) -> str:
    """Non-guessable storage name; the original name is kept in the row, never in the path."""
    import secrets

    from django.utils import timezone

    return f"orders/{timezone.now():%Y/%m}/{secrets.token_urlsafe(24)}"


class OrderAttachment(models.Model):
    """A file the ordered department attaches to its answer (整改材料), checked like a case's materials
    (PDF, JPEG, PNG or OFD by content, at most ``UPLOAD_MAX_MB``). Kept when an answer is sent back."""

    order = models.ForeignKey(Order, verbose_name="督办", on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=order_attachment_path, max_length=200)
    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey("hall.User", on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField("上传时间")

    class Meta:
        verbose_name = "督办答复附件"
        verbose_name_plural = "督办答复附件"
        ordering = ["id"]

    def __str__(self):
        return self.original_name


# 绩效评估, 办件抽查 and the monthly report (issue 19) live in their own module.
from supervision.complaint_models import Complaint, ComplaintAttachment, HotlineDelivery  # noqa: E402, F401  (投诉, 12345)
from supervision.models_performance import (  # noqa: E402, F401
    MonthlyReport,
    SampledCase,
    SamplingDraw,
    Score,
    ScoreSheet,
)
