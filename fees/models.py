"""Fees (一口收费): what a case owes (assessment from the item's published standards), what was paid
(at the single collection point or through the payment platform), and payments that did not fit.

行政许可法 art. 58: no fee unless a law or administrative regulation provides for it; art. 59: only the
published items and standards, everything to the treasury. So every assessed line points at a
``catalog.FeeStandard`` of the case's own item version. Applications are referred to by the string
``"approvals.Application"`` only (DESIGN.md: fees does not import approvals).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from catalog.models import FeeStandard
from hall.chain import Chained
from hall.models import Department


class Assessment(models.Model):
    """缴款通知 (应缴): one per case, with its 缴款码; paid once in full (“一次缴清”)."""

    class Status(models.TextChoices):
        DUE = "due", "待缴费"
        PAID = "paid", "已缴清"
        WAIVED = "waived", "已减免"  # 减免 approved by an approver: settled at 0
        CANCELLED = "cancelled", "已作废"  # the case was denied, withdrawn or terminated before payment

    application = models.OneToOneField(
        "approvals.Application", verbose_name="办件", on_delete=models.PROTECT, related_name="fee_assessment"
    )
    department = models.ForeignKey(Department, verbose_name="执收单位", on_delete=models.PROTECT, related_name="+")
    payment_code = models.CharField("缴款码", max_length=20, unique=True)
    payer_name = models.CharField("缴款人", max_length=100)
    due_fen = models.PositiveIntegerField("应缴金额（分）")
    paid_fen = models.PositiveIntegerField("实缴金额（分）", default=0)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DUE)
    # Each correction before payment is a new revision with its own numbered 缴款通知书 PDF.
    revision = models.PositiveSmallIntegerField("核定次数", default=1)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="核定人", on_delete=models.PROTECT, related_name="+"
    )
    assessed_at = models.DateTimeField("核定时间", default=timezone.now)
    paid_at = models.DateTimeField("缴清时间", null=True, blank=True)
    refunded_fen = models.PositiveIntegerField("已退金额（分）", default=0)
    # 减免: the amount the lines come to, waived with its legal reason and basis by an approver.
    waived_fen = models.PositiveIntegerField("减免金额（分）", default=0)
    waiver_reason = models.TextField("减免理由", blank=True)
    waiver_basis = models.TextField("减免依据", blank=True)
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="减免审批人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    waived_at = models.DateTimeField("减免时间", null=True, blank=True)
    cancelled_at = models.DateTimeField("作废时间", null=True, blank=True)
    cancel_reason = models.CharField("作废原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "缴款通知"
        verbose_name_plural = "缴款通知"
        indexes = [models.Index(fields=["department", "status", "-assessed_at"], name="fee_dept_status")]
        constraints = [
            models.CheckConstraint(condition=Q(due_fen__gt=0) | Q(status="waived"), name="fee_due_positive"),
            models.CheckConstraint(condition=Q(paid_fen__lte=F("due_fen")), name="fee_not_overpaid"),
            models.CheckConstraint(condition=Q(refunded_fen__lte=F("paid_fen")), name="fee_not_overrefunded"),
        ]

    def __str__(self):
        return self.payment_code

    @property
    def outstanding_fen(self) -> int:
        return self.due_fen - self.paid_fen

    @property
    def refundable_fen(self) -> int:
        """What was paid net of earlier refunds: no refund may exceed it."""
        return self.paid_fen - self.refunded_fen


class AssessmentLine(models.Model):
    """One charged standard: its name, basis and amount copied as assessed (the standard may be revised later)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="lines")
    standard = models.ForeignKey(FeeStandard, verbose_name="收费标准", on_delete=models.PROTECT, related_name="+")
    name = models.CharField("收费项目", max_length=100)
    basis = models.TextField("收费依据")
    quantity = models.PositiveSmallIntegerField("数量", default=1)
    amount_fen = models.PositiveIntegerField("金额（分）")
    note = models.CharField("计费说明", max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "收费明细"
        verbose_name_plural = "收费明细"

    def __str__(self):
        return f"{self.name} {self.amount_fen}"


class Payment(Chained):
    """实缴: one payment of the whole outstanding amount, by the platform or at the collection window.
    Append-only and hash-chained per case (``hall.chain``); corrections are new rows (refunds), never edits."""

    class Channel(models.TextChoices):
        SIMULATOR = "simulator", "统一公共支付平台（模拟）"
        CASH = "cash", "现金"
        CARD = "card", "银行卡"
        QR = "qr", "扫码支付"

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="payments")
    amount_fen = models.PositiveIntegerField("金额（分）")
    channel = models.CharField("缴费渠道", max_length=10, choices=Channel.choices)
    transaction_id = models.CharField("交易流水号", max_length=64, unique=True)
    paid_at = models.DateTimeField("缴费时间")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="收费人员", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    receipt_number = models.CharField("票据号码", max_length=30, unique=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "缴费记录"
        verbose_name_plural = "缴费记录"

    def __str__(self):
        return self.receipt_number


class RefundRequest(models.Model):
    """退费申请: requested with a reason by a clerk or cashier (or by the system when the case is closed
    after payment), approved by a second person (an approver), then executed through the gateway
    (``fees.gateways``): the money movement itself is the immutable ``Refund`` row."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "待审批"
        EXECUTED = "executed", "已退款"
        FAILED = "failed", "退款失败"

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="refund_requests")
    amount_fen = models.PositiveIntegerField("退款金额（分）")
    reason = models.TextField("退款理由")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.REQUESTED)
    automatic = models.BooleanField("依法自动退还", default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    requested_at = models.DateTimeField("申请时间", default=timezone.now)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="审批人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    approved_at = models.DateTimeField("审批时间", null=True, blank=True)
    failure = models.CharField("失败原因", max_length=200, blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        verbose_name = "退费申请"
        verbose_name_plural = "退费申请"
        constraints = [models.CheckConstraint(condition=Q(amount_fen__gt=0), name="refund_amount_positive")]

    def __str__(self):
        return f"{self.assessment} -{self.amount_fen}"


class Refund(Chained):
    """退款 (ledger): one executed refund, as the gateway confirmed it. Append-only and hash-chained per
    case like ``Payment``; on PostgreSQL a trigger refuses UPDATE, DELETE and TRUNCATE."""

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="refunds")
    request = models.OneToOneField(RefundRequest, on_delete=models.PROTECT, related_name="refund")
    amount_fen = models.PositiveIntegerField("退款金额（分）")
    gateway = models.CharField("退款渠道", max_length=20)
    refund_id = models.CharField("退款流水号", max_length=64, unique=True)
    refunded_at = models.DateTimeField("退款时间")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="审批人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    receipt_number = models.CharField("退款凭证号", max_length=30, unique=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "退款记录"
        verbose_name_plural = "退款记录"

    def __str__(self):
        return self.receipt_number


class PaymentAnomaly(models.Model):
    """A payment notification that could not be booked (wrong amount, unknown code): kept for
    reconciliation (核销) and for e-monitoring (裁量/收费 anomalies)."""

    class Reason(models.TextChoices):
        WRONG_AMOUNT = "wrong_amount", "金额与应缴不符"
        UNKNOWN_CODE = "unknown_code", "缴款码不存在"
        ALREADY_PAID = "already_paid", "重复缴费"
        CANCELLED_CODE = "cancelled_code", "缴款码已作废"

    gateway = models.CharField(max_length=20)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    payment_code = models.CharField(max_length=40, blank=True)
    transaction_id = models.CharField(max_length=64, blank=True)
    amount_fen = models.BigIntegerField(null=True, blank=True)
    assessment = models.ForeignKey(Assessment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    body = models.JSONField(default=dict)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "异常缴费"
        verbose_name_plural = "异常缴费"

    def __str__(self):
        return f"{self.get_reason_display()} {self.payment_code}"


class ReceiptSequence(models.Model):
    """Per-year counter of 票据号码 (财政电子票据: a 10-digit sequence under an 8-digit 票据代码)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    value = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.value}"
