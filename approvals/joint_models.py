"""Joint cases (联合审批: 一口受理、分头承办、集中会审、限时办结): the data (``approvals.joint`` acts on it).

A joint item (``ItemVersion.joint``) is led by its own department; the departments listed in
``ItemVersion.joint_departments`` each get one ``JointTask`` when the lead accepts the case. Each
gives one opinion before its due instant; the lead may hold a joint review meeting (集中会审) and
decides once every task has its opinion (行政许可法 arts. 26, 42). Imported by ``approvals.models``.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from hall.models import Department


class Opinion(models.TextChoices):
    AGREE = "agree", "同意"
    AGREE_WITH_CONDITIONS = "agree_with_conditions", "附条件同意"
    DISAGREE = "disagree", "不同意"


class JointTask(models.Model):
    """分头承办: one participating department's part of a joint case, with its own opinion due instant
    inside the case's overall period (arts. 26, 42). Open until its opinion is given; an opinion is
    given once and never changes (the timeline keeps it as an Event)."""

    application = models.ForeignKey(
        "approvals.Application", verbose_name="办件", on_delete=models.PROTECT, related_name="joint_tasks"
    )
    department = models.ForeignKey(Department, verbose_name="联办部门", on_delete=models.PROTECT, related_name="+")
    # The opinion period in working days from the case's clock start; the stored ``due`` adds the
    # case's extension and special-procedure days (``approvals.joint.set_task_clocks``).
    opinion_days = models.PositiveSmallIntegerField("意见时限（工作日）")
    due = models.DateTimeField("意见期限")
    opinion = models.CharField("意见", max_length=24, choices=Opinion.choices, blank=True)
    reason = models.TextField("意见理由/条件", blank=True)
    opinion_at = models.DateTimeField("出具意见时间", null=True, blank=True)
    opinion_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="出具人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    # A disagreeing opinion must be answered by the lead in its recommendation (the decision's reasons).
    lead_response = models.TextField("牵头部门对不同意见的处理", blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)

    class Meta:
        verbose_name = "联办任务"
        verbose_name_plural = "联办任务"
        ordering = ["due", "id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "department"], name="one_joint_task_per_department"),
            models.CheckConstraint(
                condition=models.Q(opinion="", opinion_at__isnull=True) | (~models.Q(opinion="") & models.Q(
                    opinion_at__isnull=False)),
                name="joint_task_opinion_with_instant",
            ),
        ]  # fmt: skip
        indexes = [
            # the scan's late tasks: open ones by due instant
            models.Index(fields=["due"], condition=models.Q(opinion=""), name="joint_task_open_due"),
            # a department's tab in the workbench (open first, by due)
            models.Index(fields=["department", "opinion", "due"], name="joint_task_department"),
            # the scan records tasks answered late since its last run
            models.Index(fields=["opinion_at"], name="joint_task_opinion_at"),
        ]

    def __str__(self):
        return f"{self.application_id} {self.department_id}"

    @property
    def is_open(self) -> bool:
        return not self.opinion


def opinion_attachment_path(instance: "OpinionAttachment", filename: str) -> str:
    return f"joint/{timezone.now():%Y/%m}/{secrets.token_urlsafe(24)}"


class OpinionAttachment(models.Model):
    """A file given with a department's opinion, checked like a material (PDF/JPEG/PNG/OFD by content)."""

    task = models.ForeignKey(JointTask, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=opinion_attachment_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "联办意见附件"
        verbose_name_plural = "联办意见附件"

    def __str__(self):
        return self.original_name


class JointMeeting(models.Model):
    """集中会审: scheduled by the lead (time, place, participants from the departments), then its
    minutes and outcome recorded; the minutes are issued as a document of the case (会审纪要)."""

    class Outcome(models.TextChoices):
        AGREED = "agreed", "一致同意"
        AGREED_WITH_CONDITIONS = "agreed_with_conditions", "附条件同意"
        NOT_AGREED = "not_agreed", "未达成一致"

    application = models.ForeignKey(
        "approvals.Application", verbose_name="办件", on_delete=models.PROTECT, related_name="joint_meetings"
    )
    scheduled_at = models.DateTimeField("会审时间")
    place = models.CharField("会审地点", max_length=200)
    participants = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name="参会人员", related_name="+")
    scheduled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    minutes = models.TextField("会审纪要", blank=True)
    outcome = models.CharField("会审结论", max_length=24, choices=Outcome.choices, blank=True)
    recorded_at = models.DateTimeField("纪要记录时间", null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Which 会审纪要 of the case this is (the notice's ``seq``), set when the minutes are recorded.
    minutes_seq = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = "集中会审"
        verbose_name_plural = "集中会审"
        ordering = ["scheduled_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "minutes_seq"], name="one_minutes_per_seq"),
        ]

    def __str__(self):
        return f"{self.application_id} {self.scheduled_at:%Y-%m-%d %H:%M}"
