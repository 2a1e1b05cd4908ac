"""What follows a bad rating (好差评, 国办发〔2019〕51号): the follow-up (差评整改) and the appeal (申诉复核).

Imported by ``approvals.models``; kept apart so that the case's module stays about the case.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class FollowUp(models.Model):
    """差评整改: a 不满意 / 非常不满意 rating opens one. The department contacts the applicant to verify
    (回访核实) within ``RATING_VERIFY_DAYS`` working day(s) and rectifies within ``RATING_RECTIFY_DAYS``
    (default 15) working days, both counted from the rating (DESIGN.md's counting rule); the result is
    shown to the applicant. Both due instants are stored: the deadline scan raises a ``follow_up`` warning
    from them (yellow: not verified in time; red: not rectified in time), set-based."""

    class State(models.TextChoices):
        OPEN = "open", "待回访核实"
        VERIFIED = "verified", "整改中"
        RECTIFIED = "rectified", "已整改"
        INVALIDATED = "invalidated", "评价已认定无效"
        WITHDRAWN = "withdrawn", "评价已改为满意"

    evaluation = models.OneToOneField(
        "approvals.Evaluation", verbose_name="评价", on_delete=models.PROTECT, related_name="follow_up"
    )
    department = models.ForeignKey(
        "hall.Department", verbose_name="整改部门", on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField("状态", max_length=12, choices=State.choices, default=State.OPEN)
    opened_at = models.DateTimeField("差评时间")
    verify_due = models.DateTimeField("回访核实期限")
    rectify_days = models.PositiveSmallIntegerField("整改时限（工作日）")
    rectify_due = models.DateTimeField("整改期限")
    deadline_provisional = models.BooleanField("期限暂定", default=False)
    verified_at = models.DateTimeField("回访时间", null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    contact_method = models.CharField("回访方式", max_length=20, blank=True)
    verify_note = models.TextField("核实情况", blank=True)
    rectified_at = models.DateTimeField("整改完成时间", null=True, blank=True)
    rectified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    result = models.TextField("整改结果", blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = "差评整改"
        verbose_name_plural = "差评整改"
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["department", "state"], name="follow_up_department"),
            # the scan: follow-ups past their verification due (yellow) or rectification due (red)
            models.Index(fields=["verify_due"], name="follow_up_verify_due"),
            models.Index(fields=["rectify_due"], name="follow_up_rectify_due"),
        ]

    def __str__(self):
        return f"差评整改 {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.state in (self.State.OPEN, self.State.VERIFIED)

    def overdue(self, at=None) -> str:
        """'' or the period that has run out: 'verify' or 'rectify' (the scan's rule, for one row)."""
        at = at or timezone.now()
        if self.state == self.State.OPEN and at > self.verify_due:
            return "verify"
        if self.is_open and at > self.rectify_due:
            return "rectify"
        return ""


class RatingAppeal(models.Model):
    """申诉复核: the rated department appeals a rating it holds mistaken (误评), malicious (恶意差评) or
    unrelated to the service (与服务无关); a supervisor reviews it. Only an upheld appeal excludes the rating
    from the scores (``Evaluation.excluded``) — the "invalid rating" of the follow-up is this act with a
    supervisor's approval, never the department's own. One appeal per rating; everything audited."""

    class Ground(models.TextChoices):
        MISTAKEN = "mistaken", "误评"
        MALICIOUS = "malicious", "恶意差评"
        UNRELATED = "unrelated", "与服务无关"

    class State(models.TextChoices):
        PENDING = "pending", "待复核"
        UPHELD = "upheld", "申诉成立"
        REJECTED = "rejected", "申诉不成立"

    evaluation = models.OneToOneField(
        "approvals.Evaluation", verbose_name="评价", on_delete=models.PROTECT, related_name="appeal"
    )
    department = models.ForeignKey(
        "hall.Department", verbose_name="申诉部门", on_delete=models.PROTECT, related_name="+"
    )
    ground = models.CharField("申诉类型", max_length=10, choices=Ground.choices)
    reason = models.TextField("申诉理由")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.PENDING)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField("申诉时间")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField("复核时间", null=True, blank=True)
    review_note = models.TextField("复核意见", blank=True)

    class Meta:
        verbose_name = "评价申诉"
        verbose_name_plural = "评价申诉"
        ordering = ["-filed_at", "-id"]
        indexes = [models.Index(fields=["state", "-filed_at"], name="rating_appeal_state")]

    def __str__(self):
        return f"申诉 {self.pk}"
