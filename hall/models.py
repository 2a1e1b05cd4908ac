"""The hall itself: people, departments, windows, the working-day calendar and the audit trail."""

import functools

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.utils import timezone
from django.utils.functional import cached_property
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from hall.chain import Chained, ChainHead  # noqa: F401  (ChainHead: a model of this app)
from hall.roles import Role

mobile_validator = RegexValidator(r"^1[3-9]\d{9}$", "请输入 11 位手机号码。")


class User(AbstractUser):
    """Anyone who logs in: applicants, agents (代办员) and staff."""

    real_name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("手机号码", max_length=11, blank=True, validators=[mobile_validator])
    # 实名注册: the resident ID checked (GB 11643 check digit) at registration; the filing form starts from it.
    id_number = models.CharField("居民身份证号码", max_length=18, blank=True, editable=False)
    is_absent = models.BooleanField("暂时离岗", default=False, help_text="服务AB角：A角离岗时，新办件转由B角办理。")

    class Meta(AbstractUser.Meta):
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self):
        return self.real_name or self.username

    @cached_property
    def _access(self) -> tuple[frozenset[str], dict[str, frozenset[int]]]:
        """The user's groups (roles) and staff memberships in one query, once per request (issue 22:
        every staff request needs both, and the case scope carries the department ids as literals).
        Written as SQL (``access_sql``): the ORM's union of two annotated querysets cost several times
        more to build and compile than to run, on every staff request."""
        with connections[self._state.db or DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute(access_sql(), [self.pk, self.pk])
            rows = cursor.fetchall()
        names, by_role = set(), {}
        for name, department_id in rows:
            if department_id is None:
                names.add(name)
            else:
                by_role.setdefault(name, set()).add(department_id)
        return frozenset(names), {role: frozenset(ids) for role, ids in by_role.items()}

    @property
    def role_names(self) -> frozenset[str]:
        return self._access[0]

    def has_role(self, role: str) -> bool:
        return role in self.role_names

    @property
    def memberships_by_role(self) -> dict[str, frozenset[int]]:
        """``{role: department ids}`` of the user's staff memberships (read with the roles)."""
        return self._access[1]


@functools.cache
def access_sql() -> str:
    """``User._access``'s statement: the names of the user's groups (department NULL), then the user's
    staff memberships (role, department); the parameters are the user's id twice."""
    from django.contrib.auth.models import Group

    q = connection.ops.quote_name
    links = User.groups.through._meta
    user_column, group_column = links.get_field("user").column, links.get_field("group").column
    memberships = StaffMembership._meta
    return (
        f"SELECT g.{q('name')}, NULL FROM {q(Group._meta.db_table)} g INNER JOIN {q(links.db_table)} l "
        f"ON l.{q(group_column)} = g.{q('id')} WHERE l.{q(user_column)} = %s "
        f"UNION ALL SELECT {q(memberships.get_field('role').column)}, {q(memberships.get_field('department').column)} "
        f"FROM {q(memberships.db_table)} WHERE {q(memberships.get_field('user').column)} = %s"
    )


class Department(models.Model):
    """A district department or a township/street hall (乡镇(街道)便民服务中心)."""

    class Level(models.TextChoices):
        # GB/T 39046 附录 A.2 行使层级 codes. 市级 is the upper level a district reports 上报件 to.
        CITY = "3", "市级"
        DISTRICT = "4", "县（区）级"
        TOWNSHIP = "5", "乡镇（街道）级"

    code = models.CharField("部门编码", max_length=20, unique=True)
    name = models.CharField("部门名称", max_length=100)
    short_name = models.CharField("简称", max_length=30, blank=True)
    level = models.CharField("层级", max_length=1, choices=Level.choices, default=Level.DISTRICT)
    parent = models.ForeignKey(
        "self", verbose_name="上级", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    uscc = models.CharField("统一社会信用代码", max_length=18, blank=True)
    phone = models.CharField("咨询电话", max_length=30, blank=True)
    address = models.CharField("办公地址", max_length=200, blank=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=100)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = "部门"
        verbose_name_plural = "部门"

    def __str__(self):
        return self.name


class StaffMembership(models.Model):
    """A staff member's role in a department; list queries are scoped by these rows."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField("岗位角色", max_length=20, choices=Role.choices)
    title = models.CharField("职务", max_length=50, blank=True)

    class Meta:
        verbose_name = "部门人员"
        verbose_name_plural = "部门人员"
        constraints = [
            models.UniqueConstraint(fields=["user", "department", "role"], name="unique_membership_role"),
        ]
        indexes = [models.Index(fields=["department", "role"])]

    def __str__(self):
        return f"{self.user} · {self.department} · {self.get_role_display()}"


class Window(models.Model):
    """A counter (窗口) of a department in the hall, led by a chief representative (首席代表)."""

    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="windows")
    number = models.CharField("窗口号", max_length=10, unique=True)
    name = models.CharField("窗口名称", max_length=100)
    location = models.CharField("位置", max_length=100, blank=True)
    chief_representative = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="首席代表",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="chief_of_windows",
    )
    is_comprehensive = models.BooleanField("综合受理窗口", default=False)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["number"]
        verbose_name = "窗口"
        verbose_name_plural = "窗口"

    def __str__(self):
        return f"{self.number} {self.name}"


class WindowStaff(models.Model):
    """Who serves at a window, as A (primary) or B (backup) role (服务AB角)."""

    class Position(models.TextChoices):
        A = "A", "A角（主办）"
        B = "B", "B角（协办）"

    window = models.ForeignKey(Window, on_delete=models.CASCADE, related_name="staff")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="window_posts")
    position = models.CharField("AB角", max_length=1, choices=Position.choices)

    class Meta:
        verbose_name = "窗口人员"
        verbose_name_plural = "窗口人员"
        constraints = [models.UniqueConstraint(fields=["window", "user"], name="unique_window_staff")]

    def __str__(self):
        return f"{self.window.number} {self.get_position_display()} {self.user}"


class CalendarDay(models.Model):
    """An admin-entered day that overrides chinese-calendar (a new holiday, a make-up working day)."""

    date = models.DateField("日期", unique=True)
    is_working = models.BooleanField("工作日")
    note = models.CharField("说明", max_length=100, help_text="如：国务院办公厅通知 国办发明电〔2026〕X号")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["date"]
        verbose_name = "工作日历调整"
        verbose_name_plural = "工作日历调整"

    def __str__(self):
        return f"{self.date} {'工作日' if self.is_working else '休息日'}"


class CalendarYear(models.Model):
    """Marks that a year's official schedule has been entered, so its due dates are no longer provisional.

    chinese-calendar knows the years it ships; for any later year an admin enters the State Council's
    holiday notice as CalendarDay rows and then confirms the year here.
    """

    year = models.PositiveSmallIntegerField("年份", primary_key=True)
    note = models.CharField("依据", max_length=200)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField("确认时间", auto_now=True)

    class Meta:
        ordering = ["year"]
        verbose_name = "已录入年度日历"
        verbose_name_plural = "已录入年度日历"

    def __str__(self):
        return str(self.year)


class AuditEntry(Chained):
    """Append-only record of administrative changes outside the case workflow (calendar, catalog, staff);
    hash-chained per local day (``hall.chain``), on PostgreSQL UPDATE/DELETE/TRUNCATE are refused."""

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField("操作", max_length=50)
    target = models.CharField("对象", max_length=200)
    detail = models.JSONField("详情", default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "管理审计记录"
        verbose_name_plural = "管理审计记录"

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target}"


class Heartbeat(models.Model):
    """The last time a periodic process (beat, the deadline scan) showed it was alive."""

    name = models.CharField(max_length=50, primary_key=True)
    at = models.DateTimeField()

    def __str__(self):
        return f"{self.name} @ {self.at}"


# django-guardian object permissions with direct foreign keys (fast joins, real integrity).
# Departments: grants such as "a township may handle this district department's delegated items".
class DepartmentUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Department, on_delete=models.CASCADE)


class DepartmentGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Department, on_delete=models.CASCADE)


class Notification(models.Model):
    """An in-app message (站内信), also sent by email and SMS after commit through Celery."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField("类型", max_length=40)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=200, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    sms_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "消息"
        verbose_name_plural = "消息"
        indexes = [models.Index(fields=["user", "read_at", "-created_at"], name="notification_inbox")]

    def __str__(self):
        return self.title


class OutboxMessage(models.Model):
    """A side effect (a notification to send, a document to render, a push to a regulator) written in
    the transaction of the change that causes it and carried out after commit by a worker — retried,
    however old, until done (hall.outbox; CONVENTIONS.md §4). Redis is only the doorbell."""

    handler = models.CharField("处理程序", max_length=100)
    payload = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    available_at = models.DateTimeField("下次尝试")
    attempts = models.PositiveSmallIntegerField(default=0)
    done_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = "待发事务"
        verbose_name_plural = "待发事务"
        indexes = [
            models.Index(fields=["available_at", "id"], name="outbox_pending", condition=models.Q(done_at__isnull=True))
        ]

    def __str__(self):
        return f"{self.handler} #{self.pk}"


# The front desk (取号叫号, 预约, 代办) lives in its own module; importing it registers its models here.
from hall.frontdesk.models import (  # noqa: E402, F401
    Appointment,
    AppointmentSlot,
    AppointmentTemplate,
    CategoryWindow,
    HolidayItem,
    InvestmentProject,
    ServiceCategory,
    Ticket,
    TicketCase,
    TicketSequence,
    WindowState,
)
