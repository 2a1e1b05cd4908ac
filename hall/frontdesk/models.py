"""The front desk of the hall (取号叫号, 预约, 代办): business categories mapped to windows, queue tickets,
appointment slots and bookings, the holiday item list (节假日事项目录) and agency for investment projects.

Imported by ``hall.models`` so that Django registers these models in the ``hall`` app. Item codes and case
numbers are kept as strings: ``hall`` imports none of the later apps (DESIGN.md, dependency direction);
``hall.frontdesk.adapter`` reaches them through the setting ``FRONTDESK_ADAPTER``.
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ServiceCategory(models.Model):
    """A business category (业务类别) the kiosk offers; its letter prefixes the ticket numbers (A001…)."""

    code = models.CharField("类别编码", max_length=20, unique=True)
    name = models.CharField("类别名称", max_length=50)
    prefix = models.CharField("号码前缀", max_length=2, unique=True)
    department = models.ForeignKey(
        "hall.Department", verbose_name="主要部门", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField("说明", max_length=200, blank=True)
    average_minutes = models.PositiveSmallIntegerField("预计每件办理分钟数", default=10)
    sort_order = models.PositiveSmallIntegerField("排序", default=100)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = "业务类别"
        verbose_name_plural = "业务类别"

    def __str__(self):
        return self.name


class CategoryWindow(models.Model):
    """Which windows serve a category: primary windows always, backup windows (B角窗口) only while no primary
    window of the category is open."""

    class Role(models.TextChoices):
        PRIMARY = "primary", "主窗口（A）"
        BACKUP = "backup", "备用窗口（B）"

    category = models.ForeignKey(ServiceCategory, on_delete=models.CASCADE, related_name="window_links")
    window = models.ForeignKey("hall.Window", on_delete=models.CASCADE, related_name="category_links")
    role = models.CharField("角色", max_length=10, choices=Role.choices, default=Role.PRIMARY)

    class Meta:
        verbose_name = "类别窗口"
        verbose_name_plural = "类别窗口"
        constraints = [models.UniqueConstraint(fields=["category", "window"], name="unique_category_window")]

    def __str__(self):
        return f"{self.category} → {self.window.number} ({self.get_role_display()})"


class WindowState(models.Model):
    """Whether a window is open for calling now, and who sits at it."""

    window = models.OneToOneField("hall.Window", on_delete=models.CASCADE, related_name="queue_state")
    is_open = models.BooleanField("开放叫号", default=False)
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField("更新时间", default=timezone.now)

    class Meta:
        verbose_name = "窗口叫号状态"
        verbose_name_plural = "窗口叫号状态"

    def __str__(self):
        return f"{self.window_id} {'开' if self.is_open else '关'}"


class TicketSequence(models.Model):
    """The last number issued per (day, category): taken by one atomic upsert, so numbers never repeat."""

    day = models.DateField()
    category = models.ForeignKey(ServiceCategory, on_delete=models.CASCADE, related_name="+")
    value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "category"], name="unique_ticket_sequence")]

    def __str__(self):
        return f"{self.day} {self.category_id} → {self.value}"


def new_token() -> str:
    return secrets.token_urlsafe(12)


class Ticket(models.Model):
    """A queue ticket (排队号): issued at the kiosk, called to a window, finished, skipped or transferred."""

    class State(models.TextChoices):
        WAITING = "waiting", "等候中"
        CALLED = "called", "办理中"
        FINISHED = "finished", "已办结"
        SKIPPED = "skipped", "已过号"

    day = models.DateField("日期")
    category = models.ForeignKey(
        ServiceCategory, verbose_name="业务类别", on_delete=models.PROTECT, related_name="tickets"
    )
    seq = models.PositiveIntegerField("序号")
    number = models.CharField("号码", max_length=10)
    token = models.CharField(max_length=24, default=new_token, unique=True, editable=False)
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.WAITING)
    green_lane = models.BooleanField("绿色通道", default=False, help_text="老年人、残疾人、孕妇等优先")
    phone = models.CharField("手机号码", max_length=11, blank=True)
    id_number = models.CharField("证件号码", max_length=18, blank=True)
    appointment = models.OneToOneField(
        "hall.Appointment", null=True, blank=True, on_delete=models.SET_NULL, related_name="ticket"
    )
    issued_at = models.DateTimeField("取号时间", default=timezone.now)
    # Transfer (转窗口) puts a ticket back in the queue for one window only.
    target_window = models.ForeignKey(
        "hall.Window", verbose_name="指定窗口", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    window = models.ForeignKey(
        "hall.Window", verbose_name="办理窗口", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    served_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    first_called_at = models.DateTimeField("首次叫号", null=True, blank=True)
    called_at = models.DateTimeField("最近叫号", null=True, blank=True)
    call_count = models.PositiveSmallIntegerField("叫号次数", default=0)
    finished_at = models.DateTimeField("办结时间", null=True, blank=True)
    # Serving time = finished_at - serving_started_at (the last call at the window that finished it).
    serving_started_at = models.DateTimeField("开始办理", null=True, blank=True)
    transfers = models.PositiveSmallIntegerField("转窗次数", default=0)

    class Meta:
        ordering = ["day", "category_id", "seq"]
        verbose_name = "排队号"
        verbose_name_plural = "排队号"
        constraints = [
            models.UniqueConstraint(fields=["day", "category", "seq"], name="unique_ticket_seq"),
            models.UniqueConstraint(fields=["day", "number"], name="unique_ticket_number"),
        ]
        indexes = [
            models.Index(fields=["day", "state", "category"], name="ticket_queue"),
            models.Index(fields=["window", "state"], name="ticket_window"),
        ]

    def __str__(self):
        return f"{self.day} {self.number}"

    @property
    def wait_seconds(self) -> float | None:
        return (self.first_called_at - self.issued_at).total_seconds() if self.first_called_at else None

    @property
    def serving_seconds(self) -> float | None:
        if self.finished_at and self.serving_started_at:
            return (self.finished_at - self.serving_started_at).total_seconds()
        return None


class TicketCase(models.Model):
    """One visit, one record (一次一评's seam): the case filed or handled at the window visit of a ticket.
    The case is named by its number (``approvals`` is a later app; the adapter checks it exists)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="cases")
    case_number = models.CharField("办件编号", max_length=40, db_index=True)
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "窗口办件关联"
        verbose_name_plural = "窗口办件关联"
        constraints = [models.UniqueConstraint(fields=["ticket", "case_number"], name="unique_ticket_case")]

    def __str__(self):
        return f"{self.ticket} → {self.case_number}"


class HolidayItem(models.Model):
    """节假日事项目录: the items that may be booked on a non-working day (only in holiday slots)."""

    item_code = models.CharField("事项编码", max_length=36, unique=True)
    name = models.CharField("事项名称", max_length=200)
    category = models.ForeignKey(ServiceCategory, verbose_name="业务类别", on_delete=models.CASCADE, related_name="+")
    is_active = models.BooleanField("启用", default=True)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        ordering = ["item_code"]
        verbose_name = "节假日事项"
        verbose_name_plural = "节假日事项目录"

    def __str__(self):
        return f"{self.item_code} {self.name}"


class AppointmentTemplate(models.Model):
    """How a category's slots are made: working-day slots (every working day) or holiday slots (only on the
    non-working days listed in ``holiday_dates`` by the hall, or on every non-working day when it is empty)."""

    category = models.ForeignKey(ServiceCategory, on_delete=models.CASCADE, related_name="templates")
    start = models.TimeField("开始")
    end = models.TimeField("结束")
    capacity = models.PositiveSmallIntegerField("可约人数")
    for_holidays = models.BooleanField("节假日时段", default=False)
    holiday_dates = models.JSONField(
        "适用的节假日", default=list, blank=True, help_text="ISO 日期列表；留空表示所有非工作日"
    )
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["category", "for_holidays", "start"]
        verbose_name = "预约时段模板"
        verbose_name_plural = "预约时段模板"
        constraints = [models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="template_end_after_start")]

    def __str__(self):
        kind = "节假日" if self.for_holidays else "工作日"
        return f"{self.category} {kind} {self.start:%H:%M}-{self.end:%H:%M} ×{self.capacity}"


class AppointmentSlot(models.Model):
    """One bookable period of one category on one day; ``booked`` is kept under the slot's row lock."""

    category = models.ForeignKey(ServiceCategory, on_delete=models.CASCADE, related_name="slots")
    date = models.DateField("日期")
    start = models.TimeField("开始")
    end = models.TimeField("结束")
    capacity = models.PositiveSmallIntegerField("可约人数")
    booked = models.PositiveSmallIntegerField("已约人数", default=0)
    for_holidays = models.BooleanField("节假日时段", default=False)

    class Meta:
        ordering = ["date", "start", "category_id"]
        verbose_name = "预约时段"
        verbose_name_plural = "预约时段"
        constraints = [
            models.UniqueConstraint(fields=["category", "date", "start"], name="unique_slot"),
            models.CheckConstraint(condition=Q(booked__lte=models.F("capacity")), name="slot_not_overbooked"),
        ]

    def __str__(self):
        return f"{self.category} {self.date} {self.start:%H:%M}-{self.end:%H:%M}"

    @property
    def available(self) -> int:
        return max(self.capacity - self.booked, 0)


def new_check_in_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


class Appointment(models.Model):
    """A booking (预约) of a slot by an applicant, for an item or only for the category."""

    class State(models.TextChoices):
        BOOKED = "booked", "已预约"
        CHECKED_IN = "checked_in", "已签到"
        CANCELLED = "cancelled", "已取消"
        NO_SHOW = "no_show", "爽约"

    ACTIVE = (State.BOOKED, State.CHECKED_IN)

    slot = models.ForeignKey(AppointmentSlot, on_delete=models.PROTECT, related_name="appointments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments")
    item_code = models.CharField("事项编码", max_length=36, blank=True)
    item_name = models.CharField("事项名称", max_length=200, blank=True)
    code = models.CharField("签到码", max_length=6, default=new_check_in_code)
    state = models.CharField("状态", max_length=12, choices=State.choices, default=State.BOOKED)
    created_at = models.DateTimeField("预约时间", default=timezone.now)
    checked_in_at = models.DateTimeField("签到时间", null=True, blank=True)
    cancelled_at = models.DateTimeField("取消时间", null=True, blank=True)
    reminded_at = models.DateTimeField("提醒时间", null=True, blank=True)
    no_show_at = models.DateTimeField("记爽约时间", null=True, blank=True)

    class Meta:
        ordering = ["slot__date", "slot__start", "id"]
        verbose_name = "预约"
        verbose_name_plural = "预约"
        constraints = [
            # one live booking per person and slot
            models.UniqueConstraint(
                fields=["slot", "user"], condition=Q(state__in=["booked", "checked_in"]), name="unique_live_booking"
            ),
        ]
        indexes = [models.Index(fields=["user", "state"], name="appointment_user_state")]

    def __str__(self):
        return f"{self.slot} {self.user}"


class InvestmentProject(models.Model):
    """An enterprise investment project that asked for free agency (代办制): an agent (代办员) is assigned and
    the enterprise holds a contact card (企业联系卡) naming the agent and following the project's cases."""

    class State(models.TextChoices):
        REQUESTED = "requested", "待指派"
        ASSIGNED = "assigned", "代办中"
        CLOSED = "closed", "已办结"

    name = models.CharField("项目名称", max_length=200)
    enterprise_name = models.CharField("企业名称", max_length=200)
    enterprise_uscc = models.CharField("统一社会信用代码", max_length=18)
    contact_name = models.CharField("联系人", max_length=50)
    contact_phone = models.CharField("联系电话", max_length=20)
    description = models.TextField("项目概况", blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField("申请时间", default=timezone.now)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="代办员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agency_projects",
    )
    assigned_at = models.DateTimeField("指派时间", null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.REQUESTED)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = "代办项目"
        verbose_name_plural = "代办项目"

    def __str__(self):
        return self.name
