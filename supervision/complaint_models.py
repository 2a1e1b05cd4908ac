"""Complaints (投诉, GB/T 36113 服务投诉处置规范) and the 12345 hotline's work orders.

Imported by ``supervision.models``. A complaint is filed by anyone (anonymous allowed) or comes from the
12345 hotline through a signed call; it follows 受理 → 派单 → 办理 → 答复 → 回访 → 评价 (``Complaint.State``).
"""

import secrets

from django.db import models


def new_query_code() -> str:
    """8 characters, no look-alikes (the same alphabet as a case's 查询码)."""
    return "".join(secrets.choice("23456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(8))


class Complaint(models.Model):
    """投诉: about a case, a window or a department. The supervisor assigns it (派单) to the department with
    a deadline in working days, the department answers (办理, 答复), the supervisor calls back (回访) and
    closes it with the complainant's satisfaction (评价). A duplicate of an open complaint is kept, marked
    ``merged`` into it (``supervision.complaints``: same 12345 work order, or same case/department and same
    contact phone within ``COMPLAINT_MERGE_DAYS``)."""

    class Source(models.TextChoices):
        WEB = "web", "网上投诉"
        HOTLINE = "hotline", "12345热线"

    class Finding(models.TextChoices):
        """核查结论 recorded at closing: an upheld (or partly upheld) complaint counts in the scores."""

        UPHELD = "upheld", "属实"
        PARTLY = "partly", "部分属实"
        NOT_UPHELD = "not_upheld", "不属实"

    class State(models.TextChoices):
        RECEIVED = "received", "已受理"
        ASSIGNED = "assigned", "已派单，办理中"
        ANSWERED = "answered", "已答复，待回访"
        CLOSED = "closed", "已办结"
        MERGED = "merged", "已合并"

    tracking_number = models.CharField("投诉编号", max_length=30, unique=True)
    query_code = models.CharField("查询码", max_length=8, default=new_query_code)
    source = models.CharField("来源", max_length=10, choices=Source.choices, default=Source.WEB)
    work_order_number = models.CharField("12345工单号", max_length=40, blank=True, db_index=True)
    text = models.TextField("投诉内容")
    application = models.ForeignKey(
        "approvals.Application", verbose_name="所涉办件", null=True, blank=True, on_delete=models.PROTECT,
        related_name="complaints",
    )  # fmt: skip
    department = models.ForeignKey(
        "hall.Department", verbose_name="被投诉部门", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    window = models.ForeignKey(
        "hall.Window", verbose_name="被投诉窗口", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    contact_name = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=20, blank=True)
    filed_by = models.ForeignKey("hall.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.RECEIVED)
    received_at = models.DateTimeField("受理时间")
    merged_into = models.ForeignKey(
        "self", verbose_name="合并至", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates"
    )
    assigned_department = models.ForeignKey(
        "hall.Department", verbose_name="承办部门", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_by = models.ForeignKey("hall.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField("派单时间", null=True, blank=True)
    due_days = models.PositiveSmallIntegerField("办理时限（工作日）", null=True, blank=True)
    due = models.DateTimeField("答复期限", null=True, blank=True)
    answer = models.TextField("答复", blank=True)
    answered_by = models.ForeignKey("hall.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
    callback_note = models.TextField("回访情况", blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        "投诉人评价",
        null=True,
        blank=True,
        choices=[(5, "非常满意"), (4, "满意"), (3, "基本满意"), (2, "不满意"), (1, "非常不满意")],
    )
    finding = models.CharField("核查结论", max_length=12, choices=Finding.choices, blank=True)
    closed_by = models.ForeignKey("hall.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = "投诉"
        verbose_name_plural = "投诉"
        ordering = ["-received_at", "-id"]
        constraints = [
            # 12345 sends a work order again when unsure it arrived: the same number is the same complaint
            models.UniqueConstraint(
                fields=["work_order_number"], condition=~models.Q(work_order_number=""),
                name="one_complaint_per_work_order",
            ),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["state", "-received_at"], name="complaint_state"),
            models.Index(fields=["assigned_department", "state"], name="complaint_department"),
            models.Index(fields=["application", "contact_phone"], name="complaint_duplicate"),
        ]

    def __str__(self):
        return self.tracking_number

    @property
    def is_open(self) -> bool:
        return self.state in (self.State.RECEIVED, self.State.ASSIGNED, self.State.ANSWERED)

    @property
    def subject_department_id(self):
        return self.assigned_department_id or self.department_id


def complaint_attachment_path(instance: "ComplaintAttachment", filename: str) -> str:
    from django.utils import timezone

    return f"complaints/{timezone.now():%Y/%m}/{secrets.token_urlsafe(24)}"


class ComplaintAttachment(models.Model):
    """A file with a complaint, checked like a case's materials (PDF, JPEG, PNG or OFD by content)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to=complaint_attachment_path, max_length=200)
    original_name = models.CharField("文件名", max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField("上传时间")

    class Meta:
        verbose_name = "投诉附件"
        verbose_name_plural = "投诉附件"
        ordering = ["id"]

    def __str__(self):
        return self.original_name


class HotlineDelivery(models.Model):
    """The delivery log of what goes back to the 12345 hotline (答复, 回访/评价): one row per attempt of
    the outbox handler ``supervision.hotline.push``, with the outcome."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="hotline_deliveries")
    stage = models.CharField("环节", max_length=10)
    payload = models.JSONField(default=dict)
    at = models.DateTimeField("时间")
    ok = models.BooleanField("成功", default=False)
    detail = models.TextField("结果", blank=True)

    class Meta:
        verbose_name = "12345回传记录"
        verbose_name_plural = "12345回传记录"
        ordering = ["id"]

    def __str__(self):
        return f"{self.complaint_id} {self.stage} {'ok' if self.ok else 'failed'}"
