"""Decision authority (分级决定): the chief representative's delegation and the 上报件 referral.

Imported by ``approvals.models`` (Django finds the models there); the rules that read them live in
``approvals.authority``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from catalog.models import Item
from hall.models import Department, Window


class Delegation(models.Model):
    """首席代表授权: a department authorises the chief representative (首席代表) of one of its windows in
    the hall to decide the named items at the window (items whose version says the chief representative
    decides). Who authorised whom, from when, until when and for which items; revocable; every grant and
    revocation is an ``AuditEntry``. The authority belongs to the post: it holds only while the delegate
    is still the window's chief representative."""

    department = models.ForeignKey(Department, verbose_name="授权部门", on_delete=models.PROTECT, related_name="+")
    window = models.ForeignKey(Window, verbose_name="窗口", on_delete=models.PROTECT, related_name="delegations")
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="被授权人（首席代表）", on_delete=models.PROTECT,
        related_name="decision_delegations",
    )  # fmt: skip
    items = models.ManyToManyField(Item, verbose_name="授权事项", related_name="+")
    document = models.CharField("授权书文号", max_length=100)
    note = models.CharField("授权范围说明", max_length=300, blank=True)
    valid_from = models.DateField("生效日期")
    valid_until = models.DateField("截止日期", null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="授权人", on_delete=models.PROTECT, related_name="+"
    )
    granted_at = models.DateTimeField("授权时间", default=timezone.now)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="撤销人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    revoke_reason = models.CharField("撤销理由", max_length=300, blank=True)

    class Meta:
        ordering = ["-granted_at", "-id"]
        verbose_name = "首席代表授权"
        verbose_name_plural = "首席代表授权"
        indexes = [models.Index(fields=["delegate", "department"], name="delegation_delegate")]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="delegation_period_ordered",
            )
        ]

    def __str__(self):
        return f"{self.document} {self.delegate}"

    def is_active(self, on=None) -> bool:
        on = on or timezone.localdate()
        return (
            self.revoked_at is None and self.valid_from <= on and (self.valid_until is None or on <= self.valid_until)
        )

    @property
    def status_label(self) -> str:
        if self.revoked_at is not None:
            return "已撤销"
        today = timezone.localdate()
        if self.valid_from > today:
            return "未生效"
        if self.valid_until is not None and self.valid_until < today:
            return "已到期"
        return "有效"


class Referral(models.Model):
    """上报件 (行政许可法 art. 43): the lower level accepts and reviews first (初审) and reports its
    opinion with all the materials to the upper-level authority within ``report_due``; the upper level
    decides on its own clock (``decision_due``, from the day it received the report). One row per case,
    created at acceptance; each leg's acts are the case's Events (accept, recommend = report,
    return_for_review, approve/deny)."""

    application = models.OneToOneField("approvals.Application", on_delete=models.PROTECT, related_name="referral")
    from_department = models.ForeignKey(Department, verbose_name="初审机关", on_delete=models.PROTECT, related_name="+")
    to_department = models.ForeignKey(
        Department, verbose_name="上报机关（决定机关）", on_delete=models.PROTECT, related_name="referrals"
    )
    report_due = models.DateTimeField("初审上报期限")
    reported_at = models.DateTimeField("上报时间", null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opinion = models.TextField("初审意见", blank=True)
    decision_due = models.DateTimeField("上级决定期限", null=True, blank=True)
    decided_at = models.DateTimeField("上级决定时间", null=True, blank=True)
    returned = models.PositiveSmallIntegerField("退回初审次数", default=0)

    class Meta:
        verbose_name = "上报件"
        verbose_name_plural = "上报件"
        indexes = [models.Index(fields=["to_department", "decided_at"], name="referral_upper_open")]

    def __str__(self):
        return f"{self.application_id} → {self.to_department_id}"
