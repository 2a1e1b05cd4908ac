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

    class Level(models.TextChoices):
        YELLOW = "yellow", "黄牌"
        RED = "red", "红牌"

    application = models.ForeignKey(
        "approvals.Application", verbose_name="办件", on_delete=models.PROTECT, related_name="warnings"
    )
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
        ]
        indexes = [
            # The open-warnings list (newest first) and the scan's resolve step.
            models.Index(
                fields=["-raised_at", "-id"], condition=models.Q(resolved_at__isnull=True), name="warning_open"
            ),
            models.Index(fields=["department", "-raised_at"], name="warning_department"),
        ]

    def __str__(self):
        return f"{self.application_id} {self.get_kind_display()} {self.get_level_display()}"

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
