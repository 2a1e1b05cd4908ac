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
    # Unique per gateway (``fee_payment_txn_per_gateway``): a replayed notification cannot pay twice.
    transaction_id = models.CharField("交易流水号", max_length=64)
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
        constraints = [
            models.UniqueConstraint(fields=["channel", "transaction_id"], name="fee_payment_txn_per_gateway")
        ]

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
        NOT_PAYABLE = "not_payable", "缴款码不可缴费"
        TRANSACTION_REUSED = "txn_reused", "交易流水号已用于其他缴款"
        # found by the daily reconciliation (对账), ``day`` set:
        STATEMENT_MISMATCH = "stmt_mismatch", "对账单与台账不符"
        STATEMENT_UNBOOKED = "stmt_unbooked", "对账单款项无法入账（待处理）"
        NOT_IN_STATEMENT = "not_in_stmt", "台账有、对账单无"
        CANCELLED_CODE = "cancelled_code", "缴款码已作废"

    gateway = models.CharField(max_length=20)
    reason = models.CharField(max_length=20, choices=Reason.choices)
    payment_code = models.CharField(max_length=40, blank=True)
    transaction_id = models.CharField(max_length=64, blank=True)
    amount_fen = models.BigIntegerField(null=True, blank=True)
    assessment = models.ForeignKey(Assessment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    body = models.JSONField(default=dict)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    day = models.DateField("对账日", null=True, blank=True)  # set by the reconciliation only
    detail = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "异常缴费"
        verbose_name_plural = "异常缴费"
        constraints = [
            # a rerun of the reconciliation finds the same difference, and records it once
            models.UniqueConstraint(fields=["gateway", "day", "reason", "transaction_id"],
                                    condition=Q(day__isnull=False), name="fee_anomaly_once_per_day"),
        ]  # fmt: skip

    def __str__(self):
        return f"{self.get_reason_display()} {self.payment_code}"


class ReceiptSequence(models.Model):
    """Per-year counter of 票据号码 (财政电子票据: a 10-digit sequence under an 8-digit 票据代码)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    value = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.value}"


# --- issue 15: callbacks that cannot be fooled, daily reconciliation, the till ------------------------


class InboundCallback(models.Model):
    """Every notification a payment platform posted, good or bad, as received (append-only: a
    PostgreSQL trigger refuses UPDATE, DELETE and TRUNCATE). Written outside the transaction that
    refused it, so a 400 leaves its trace; the reconciliation and the auditors read it."""

    class Outcome(models.TextChoices):
        BOOKED = "booked", "已入账"
        REPEAT = "repeat", "重复通知"
        BAD_SIGNATURE = "bad_signature", "签名无效"
        INVALID = "invalid", "报文无效"
        REFUSED = "refused", "拒收（异常）"
        UNKNOWN_GATEWAY = "unknown_gateway", "未知渠道"
        ERROR = "error", "系统错误"

    gateway = models.CharField("支付渠道", max_length=20)
    body = models.TextField("原始报文", blank=True)
    signature = models.CharField("签名", max_length=200, blank=True)
    signature_ok = models.BooleanField("验签通过", default=False)
    outcome = models.CharField("处理结果", max_length=20, choices=Outcome.choices)
    http_status = models.PositiveSmallIntegerField("应答状态码")
    detail = models.CharField("说明", max_length=200, blank=True)
    payment_code = models.CharField("缴款码", max_length=40, blank=True)
    transaction_id = models.CharField("交易流水号", max_length=64, blank=True, db_index=True)
    received_at = models.DateTimeField("接收时间", default=timezone.now, db_index=True)
    client_ip = models.GenericIPAddressField("来源地址", null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = "支付通知记录"
        verbose_name_plural = "支付通知记录"

    def __str__(self):
        return f"{self.gateway} {self.get_outcome_display()} {self.received_at:%Y-%m-%d %H:%M:%S}"


class SimulatorTransaction(models.Model):
    """The built-in simulator's own books (the platform's side): what it collected, whether or not its
    notification reached us. ``fees.reconcile`` reads them as the simulator's daily statement (对账单)."""

    transaction_id = models.CharField("交易流水号", max_length=64, unique=True)
    payment_code = models.CharField("缴款码", max_length=40)
    amount_fen = models.PositiveIntegerField("金额（分）")
    paid_at = models.DateTimeField("缴费时间", db_index=True)
    notified = models.BooleanField("已发送通知", default=True)

    class Meta:
        ordering = ["paid_at", "id"]
        verbose_name = "模拟支付平台流水"
        verbose_name_plural = "模拟支付平台流水"

    def __str__(self):
        return self.transaction_id


class ReconciliationRun(models.Model):
    """对账: one row per gateway and day, rewritten by each run with its totals (a rerun finds nothing new)."""

    class Status(models.TextChoices):
        RUNNING = "running", "对账中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    gateway = models.CharField("支付渠道", max_length=20)
    day = models.DateField("对账日")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField("开始时间", default=timezone.now)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    runs = models.PositiveIntegerField("运行次数", default=0)
    progress = models.PositiveIntegerField("已核对笔数", default=0)
    statement_count = models.PositiveIntegerField("对账单笔数", default=0)
    statement_fen = models.BigIntegerField("对账单金额（分）", default=0)
    ledger_count = models.PositiveIntegerField("台账笔数", default=0)
    ledger_fen = models.BigIntegerField("台账金额（分）", default=0)
    matched_count = models.PositiveIntegerField("一致笔数", default=0)
    booked_count = models.PositiveIntegerField("补记笔数", default=0)
    booked_fen = models.BigIntegerField("补记金额（分）", default=0)
    polled_count = models.PositiveIntegerField("其中查询补记笔数", default=0)  # found by Gateway.query (step 4)
    anomaly_count = models.PositiveIntegerField("差异笔数", default=0)
    error = models.TextField("错误", blank=True)

    class Meta:
        ordering = ["-day", "gateway"]
        verbose_name = "对账记录"
        verbose_name_plural = "对账记录"
        constraints = [models.UniqueConstraint(fields=["gateway", "day"], name="fee_recon_gateway_day")]
        permissions = [("view_treasury", "查看对账与国库报表（财务）")]

    def __str__(self):
        return f"{self.gateway} {self.day}"


class TillClosing(models.Model):
    """日结: the cashier counts the till (cash, card, QR) and the system sets it against the ledger rows
    the cashier recorded that day. One per cashier and day; the difference is kept, never adjusted."""

    cashier = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="收费人员", on_delete=models.PROTECT,
                                related_name="+")  # fmt: skip
    day = models.DateField("日期")
    cash_fen = models.BigIntegerField("现金实点（分）")
    card_fen = models.BigIntegerField("银行卡（分）")
    qr_fen = models.BigIntegerField("扫码（分）")
    ledger_cash_fen = models.BigIntegerField("台账现金（分）")
    ledger_card_fen = models.BigIntegerField("台账银行卡（分）")
    ledger_qr_fen = models.BigIntegerField("台账扫码（分）")
    ledger_count = models.PositiveIntegerField("台账笔数")
    note = models.CharField("说明", max_length=200, blank=True)
    closed_at = models.DateTimeField("日结时间", default=timezone.now)

    class Meta:
        ordering = ["-day", "cashier_id"]
        verbose_name = "收费日结"
        verbose_name_plural = "收费日结"
        constraints = [models.UniqueConstraint(fields=["cashier", "day"], name="fee_till_once_a_day")]

    def __str__(self):
        return f"{self.cashier} {self.day}"

    @property
    def difference_fen(self) -> int:
        counted = self.cash_fen + self.card_fen + self.qr_fen
        return counted - (self.ledger_cash_fen + self.ledger_card_fen + self.ledger_qr_fen)
