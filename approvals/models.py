"""Applications (办件) and their workflow under the Administrative Licensing Law's clock.

The workflow is one table of django-fsm transitions on ``Application`` (docs/workflow.md draws it).
Transitions are thin: they check conditions and move the state; ``approvals.services`` owns the
transaction, permissions, the clock, the audit ``Event`` and notifications.
"""

import secrets

from django.conf import settings
from django.db import connection, models
from django.utils import timezone
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from approvals import rules
from approvals.workflow import BEFORE_DECISION, BY_NAME, DECISION_CLOCK_STATES, OPEN_STATES, State  # noqa: F401
from catalog.models import Item, ItemVersion, MaterialRequirement
from hall.chain import Chained
from hall.models import Department


class Procedure(models.TextChoices):
    """Special procedures whose time is not counted (行政许可法 art. 45)."""

    HEARING = "hearing", "听证"
    TENDERING = "tendering", "招标"
    AUCTION = "auction", "拍卖"
    TESTING = "testing", "检验检测"
    INSPECTION = "inspection", "检测"
    QUARANTINE = "quarantine", "检疫"
    APPRAISAL = "appraisal", "鉴定"
    EXPERT_REVIEW = "expert_review", "专家评审"


def new_query_code() -> str:
    """8 characters, no look-alikes: printed on the receipt for the public progress page."""
    return "".join(secrets.choice("23456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(8))


def required_materials_present(case: "Application") -> bool:
    """Every required material has a current upload (art. 32: complete), or the 5 working days for a
    correction notice have passed and the application counts as accepted (``approvals.rules``)."""
    return not rules.acceptance_refused(case)


def _fsm(name: str) -> dict:
    """Source and target of a transition, from the one table (``approvals.workflow``)."""
    return BY_NAME[name].fsm


class Application(ConcurrentTransitionMixin, models.Model):
    """A case (办件): one application for one item version, from filing to delivery."""

    class Channel(models.TextChoices):
        ONLINE = "online", "网上申报"
        WINDOW = "window", "窗口申报"
        EXPRESS = "express", "快递申报"

    class ApplicantType(models.TextChoices):
        PERSON = "person", "自然人"
        ORGANISATION = "organisation", "法人或其他组织"

    class Decision(models.TextChoices):
        """The decision; its words depend on the item's type (``decision_label``, ``approvals.workflow``)."""

        APPROVED = "approved", "准予"
        DENIED = "denied", "不予"

    class Delivery(models.TextChoices):
        WINDOW = "window", "窗口领取"
        EXPRESS = "express", "邮寄送达"
        ELECTRONIC = "electronic", "电子送达"

    number = models.CharField("办件编号", max_length=40, unique=True)
    query_code = models.CharField("查询码", max_length=8, default=new_query_code)
    item = models.ForeignKey(Item, verbose_name="事项", on_delete=models.PROTECT, related_name="applications")
    item_version = models.ForeignKey(ItemVersion, verbose_name="事项版本", on_delete=models.PROTECT, related_name="+")
    # No single-column indexes of their own: case_dept_queue, case_owner and case_filed_by lead with them
    # (each index is written again by every transition: a moved state or due instant is never a HOT update).
    department = models.ForeignKey(
        Department, verbose_name="承办部门", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请账号", on_delete=models.PROTECT, related_name="applications",
        db_index=False,
    )  # fmt: skip
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False)
    channel = models.CharField("申报渠道", max_length=10, choices=Channel.choices, default=Channel.ONLINE)

    applicant_type = models.CharField("申请人类型", max_length=12, choices=ApplicantType.choices)
    applicant_name = models.CharField("申请人", max_length=100)
    applicant_id_number = models.CharField("证件号码", max_length=18)
    applicant_phone = models.CharField("联系电话", max_length=20)
    applicant_address = models.CharField("联系地址", max_length=200, blank=True)
    # 行政许可法 art. 29: an agent may apply on the applicant's behalf, with an authorisation.
    agent_name = models.CharField("代理人", max_length=50, blank=True)
    agent_id_number = models.CharField("代理人证件号码", max_length=18, blank=True)
    agent_phone = models.CharField("代理人电话", max_length=20, blank=True)
    agent_authorisation = models.CharField("授权委托书编号/说明", max_length=200, blank=True)
    form_data = models.JSONField("申请表", default=dict, blank=True)

    state = FSMField("状态", default=State.DRAFT, choices=State.choices, protected=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="当前承办人", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip

    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    received_at = models.DateTimeField("材料接收时间", null=True, blank=True)
    correction_round = models.PositiveSmallIntegerField("补正轮次", default=0)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="受理人（首办负责人）", null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    deemed_accepted = models.BooleanField("视为受理", default=False)
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # 审查意见: the reviewer's recommendation to the approver (three opinions, three people).
    recommendation = models.CharField(
        "审查建议", max_length=10, choices=[("approved", "建议准予"), ("denied", "建议不予")], blank=True
    )
    review_opinion = models.TextField("审查意见", blank=True)
    reviewed_at = models.DateTimeField("审查意见时间", null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="审查人员", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    decision = models.CharField("决定", max_length=10, choices=Decision.choices, blank=True)
    decision_reason = models.TextField("决定理由", blank=True)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)
    delivery_method = models.CharField("送达方式", max_length=10, choices=Delivery.choices, blank=True)
    tracking_number = models.CharField("快递单号", max_length=40, blank=True)
    # The applicant's choice of how to receive the result (may change it until delivery).
    delivery_choice = models.CharField("申请人选择的送达方式", max_length=10, choices=Delivery.choices, blank=True)
    delivery_recipient = models.CharField("收件人", max_length=50, blank=True)
    delivery_phone = models.CharField("收件电话", max_length=20, blank=True)
    delivery_address = models.CharField("邮寄地址", max_length=200, blank=True)
    closed_reason = models.TextField("不予受理/终止理由", blank=True)

    # The legal clock: inputs …
    clock_start = models.DateField("计时起算日", null=True, blank=True)
    decision_days = models.PositiveSmallIntegerField("承诺时限", default=0)
    extension_days = models.PositiveSmallIntegerField("延长天数", default=0)
    extension_reason = models.TextField("延期理由", blank=True)
    suspended_days = models.PositiveSmallIntegerField("特别程序天数", default=0)
    suspended_at = models.DateTimeField("特别程序开始", null=True, blank=True)
    # Working days the decision took (arts. 42, 45: special procedures not counted), set by the decision;
    # the dashboard's slowest items compare it with ``decision_days`` without walking the calendar.
    working_days_used = models.PositiveSmallIntegerField("实际用时（工作日）", null=True, blank=True)
    # … and stored instants, indexed for the supervision scans.
    accept_due = models.DateTimeField("受理期限", null=True, blank=True)
    correction_notice_due = models.DateTimeField("补正告知期限", null=True, blank=True)
    decision_due = models.DateTimeField("办结期限", null=True, blank=True)
    decision_yellow_at = models.DateTimeField("黄色预警时间", null=True, blank=True)
    delivery_due = models.DateTimeField("送达期限", null=True, blank=True)
    deadline_provisional = models.BooleanField("期限暂定", default=False)
    # The deadline running in the current state (accept_due / decision_due / delivery_due), NULL when
    # none runs: the workbench queue orders by it through an index (approvals.clock.set_due_at).
    due_at = models.DateTimeField("当前期限", null=True, blank=True)
    # 一件事: the bundle case this sub-case belongs to (approvals.bundle_models), NULL for a single case.
    bundle = models.ForeignKey(
        "approvals.BundleCase", verbose_name="一件事", null=True, blank=True, on_delete=models.PROTECT,
        related_name="sub_cases",
    )  # fmt: skip

    class Meta:
        verbose_name = "办件"
        verbose_name_plural = "办件"
        indexes = [
            models.Index(fields=["department", "state", "decision_due"], name="case_dept_queue"),
            models.Index(fields=["owner", "-created_at"], name="case_owner"),
            models.Index(fields=["-created_at", "-id"], name="case_newest"),
            models.Index(fields=["due_at", "id"], name="case_due_at"),
            # the workbench queue filtered to one state, in due order (closed states: due_at is NULL, by id)
            models.Index(fields=["state", "due_at", "id"], name="case_state_due_at"),
            models.Index(fields=["state", "-created_at", "-id"], name="case_state_newest"),
            models.Index(fields=["filed_by"], name="case_filed_by"),
            models.Index(fields=["state", "accept_due"], name="case_accept_due"),
            models.Index(fields=["state", "decision_due"], name="case_decision_due"),
            models.Index(fields=["state", "decision_yellow_at"], name="case_decision_yellow"),
            models.Index(fields=["state", "delivery_due"], name="case_delivery_due"),
            models.Index(fields=["deadline_provisional"], name="case_provisional",
                         condition=models.Q(deadline_provisional=True)),
            # the scan records late closures since its last run by the closing act's instant
            models.Index(fields=["accepted_at"], name="case_accepted_at"),
            models.Index(fields=["decided_at"], name="case_decided_at"),
            models.Index(fields=["delivered_at"], name="case_delivered_at"),
            # the dashboard's cases received per day
            models.Index(fields=["submitted_at"], name="case_submitted_at"),
            # the dashboard's open-cases aggregate (supervision.selectors.summary) as an index-only scan:
            # the condition must be exactly OPEN_STATES (docs/PERFORMANCE.md, 306 → 21 ms at 1,000,000)
            models.Index(fields=["department", "state"], include=["due_at", "decision", "id"],
                         condition=models.Q(state__in=OPEN_STATES), name="case_open_summary"),
        ]  # fmt: skip

    def __str__(self):
        return self.number

    # --- the workflow: sources and targets come from approvals.workflow.STEPS ------------------------
    # The methods are thin: conditions and state only; approvals.services does everything else.
    @transition(field=state, **_fsm("submit"))
    def submit(self):
        self.submitted_at = timezone.now()

    @transition(field=state, **_fsm("resubmit"))
    def resubmit(self):
        """After a correction the count restarts from the new receipt (限时办结)."""

    @transition(field=state, **_fsm("request_correction"))
    def request_correction(self):
        """One notice per round listing every deficiency (art. 32)."""

    @transition(field=state, **_fsm("accept"), conditions=[required_materials_present])
    def accept(self):
        pass

    @transition(field=state, **_fsm("reject_intake"))
    def reject_intake(self):
        pass

    @transition(field=state, **_fsm("decide_on_the_spot"))
    def decide_on_the_spot(self):
        """即办件: accepted and decided in one sitting (the service writes both Events)."""

    @transition(field=state, **_fsm("start_review"))
    def start_review(self):
        pass

    @transition(field=state, **_fsm("suspend"))
    def suspend(self):
        """Hearing, testing, expert review … the clock stops (art. 45)."""

    @transition(field=state, **_fsm("resume"))
    def resume(self):
        pass

    @transition(field=state, **_fsm("recommend"))
    def recommend(self):
        """The reviewer's opinion and recommendation go to the approver (审查 → 决定)."""

    @transition(field=state, **_fsm("return_for_review"))
    def return_for_review(self):
        pass

    @transition(field=state, **_fsm("extend"))
    def extend(self):
        """Once, ≤ 10 working days (≤ 15 for joint items), approver only (art. 42)."""

    @transition(field=state, **_fsm("approve"))
    def approve(self):
        pass

    @transition(field=state, **_fsm("deny"))
    def deny(self):
        pass

    @transition(field=state, **_fsm("deliver"))
    def deliver(self):
        pass

    @transition(field=state, **_fsm("dispatch"))
    def dispatch(self):
        """交寄: the result leaves with a courier; ``deliver`` follows on the courier's report (art. 44)."""

    @transition(field=state, **_fsm("withdraw"))
    def withdraw(self):
        pass

    @transition(field=state, **_fsm("terminate"))
    def terminate(self):
        pass

    @transition(field=state, **_fsm("instant_approve"))
    def instant_approve(self):
        """秒批: the version's published rule holds (approvals.instant)."""

    @transition(field=state, **_fsm("revoke"), conditions=[lambda case: case.decision == "approved"])
    def revoke(self):
        """撤销 (行政许可法 art. 69): only an approval can be revoked."""

    @property
    def decision_terms(self):
        """What this case's decision is called and which law its document cites (by item type)."""
        from approvals.workflow import decision_terms

        return decision_terms(self.item.type)

    @property
    def decision_label(self) -> str:
        if not self.decision:
            return ""
        terms = self.decision_terms
        return terms.approve_label if self.decision == self.Decision.APPROVED else terms.deny_label

    def rating_for(self, stage: str):
        """The rating of one stage (好差评 "一事一评"), or None; reads ``evaluations`` prefetched by the
        selectors when they were (``selectors.case_detail``)."""
        return next((e for e in self.evaluations.all() if e.stage == stage), None)

    @property
    def evaluation(self):
        """The rating of the result (办结), the one the portal asked for before stages existed."""
        return self.rating_for("deliver")


class NumberSequence(models.Model):
    """Per-department, per-day counters for human-readable case numbers (ZRZYJ-20261123-0007)."""

    key = models.CharField(max_length=40, primary_key=True)
    value = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.key}={self.value}"

    @classmethod
    def next(cls, key: str) -> int:
        """The counter's next value: one statement (an upsert that row-locks the counter until commit, so
        concurrent callers get consecutive values and never the same one; PostgreSQL and SQLite)."""
        table = connection.ops.quote_name(cls._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f'INSERT INTO {table} ("key", "value") VALUES (%s, 1) '
                f'ON CONFLICT ("key") DO UPDATE SET "value" = {table}."value" + 1 RETURNING "value"',
                [key],
            )
            return cursor.fetchone()[0]


class Event(Chained):
    """Append-only audit row, one per transition: the case's timeline, hash-chained per case
    (``hall.chain``); on PostgreSQL triggers reject UPDATE, DELETE and TRUNCATE, whoever tries."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    action = models.CharField(max_length=30)
    from_state = models.CharField(max_length=30)
    to_state = models.CharField(max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_role = models.CharField(max_length=20, blank=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "办件日志"
        verbose_name_plural = "办件日志"
        indexes = [models.Index(fields=["application", "at"])]

    def __str__(self):
        return f"{self.application_id} {self.action} {self.from_state}→{self.to_state}"


class CorrectionNotice(models.Model):
    """补正材料通知书: one per submission round, listing every deficiency at once (art. 32)."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="correction_notices")
    round = models.PositiveSmallIntegerField()
    reason = models.TextField(blank=True)
    issued_at = models.DateTimeField(default=timezone.now)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["application", "round"], name="one_correction_notice_per_round")]

    def __str__(self):
        return f"{self.application_id} 第{self.round}轮补正"


class CorrectionItem(models.Model):
    notice = models.ForeignKey(CorrectionNotice, on_delete=models.CASCADE, related_name="items")
    requirement = models.ForeignKey(MaterialRequirement, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=300)

    def __str__(self):
        return self.reason


class Suspension(models.Model):
    """A special procedure (特别程序) during review; its working days are not counted (art. 45)."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="suspensions")
    procedure = models.CharField(max_length=20, choices=Procedure.choices)
    reason = models.TextField()
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    working_days = models.PositiveSmallIntegerField(default=0)

    def __str__(self):
        return f"{self.get_procedure_display()} {self.started_at:%Y-%m-%d}"


def material_path(instance: "Material", filename: str) -> str:
    """Non-guessable storage name; the original name is kept in the row, never in the path."""
    return f"cases/{timezone.now():%Y/%m}/{secrets.token_urlsafe(24)}"


class Material(models.Model):
    """An uploaded (or reused) file for one material requirement; replaced versions are kept."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="materials")
    requirement = models.ForeignKey(MaterialRequirement, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(upload_to=material_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    revision = models.PositiveSmallIntegerField(default=1)
    superseded = models.BooleanField(default=False)
    reused_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # 一件事: a shared material uploaded once on the bundle; this row refers to its stored file.
    bundle_material = models.ForeignKey(
        "approvals.BundleMaterial", null=True, blank=True, on_delete=models.PROTECT, related_name="uses"
    )
    # 免证办: an e-licence of the holder stands for the material instead of an upload (issue 18).
    licence = models.ForeignKey("approvals.Licence", verbose_name="电子证照", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="uses")  # fmt: skip
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["requirement_id", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "requirement"], condition=models.Q(superseded=False),
                name="one_current_material_per_requirement",
            )
        ]  # fmt: skip

    def __str__(self):
        return self.original_name


class IdempotencyKey(models.Model):
    """``Idempotency-Key`` of an application create: the same key by the same user returns the same case."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="unique_idempotency_key")]

    def __str__(self):
        return self.key


class ApplicationUserObjectPermission(UserObjectPermissionBase):
    """django-guardian grant on one case (direct foreign key): a co-department reviewer, a backup."""

    content_object = models.ForeignKey(Application, on_delete=models.CASCADE)


class ApplicationGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Application, on_delete=models.CASCADE)


def notice_path(instance: "Notice", filename: str) -> str:
    return f"notices/{timezone.now():%Y/%m}/{secrets.token_urlsafe(18)}.pdf"


class Notice(models.Model):
    """A written notice (文书) issued by the act that causes it: numbered and dated then, verifiable by
    code, its PDF kept with the SHA-256. It never changes once rendered."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="notices")
    kind = models.CharField(max_length=20)
    seq = models.PositiveSmallIntegerField(default=1, help_text="which occurrence (e.g. the correction round)")
    serial = models.CharField("文书编号", max_length=80)
    verification_code = models.CharField("验证码", max_length=12, unique=True)
    # Issued by the act (its serial, code and date fixed then); the PDF is rendered right after commit.
    issued_at = models.DateTimeField("出具时间", default=timezone.now)
    facts = models.JSONField("出具时的事实", default=dict, blank=True)
    pdf = models.FileField(upload_to=notice_path, max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "文书"
        verbose_name_plural = "文书"
        constraints = [models.UniqueConstraint(fields=["application", "kind", "seq"], name="one_notice_per_occurrence")]

    def __str__(self):
        return self.serial


class Evaluation(models.Model):
    """好差评 (国办发〔2019〕51号): a rating of a service on five levels (GB/T 39046 表9: 满意度 + 代码).

    Online "一事一评": one rating per case and stage (受理, 办结) by its applicant, after that stage. At the
    window "一次一评": one rating per visit (the pad at the window, or an SMS link), with the window, the day
    and, when known, the case and the queue ticket. A comment is required for 不满意 / 非常不满意, which
    open a follow-up (``approvals.rating_models.FollowUp``). The national indicators (``tags``) depend on
    the channel (online: 办事效率、指南精确度、便捷度、平台操作性; window: 服务效率、服务水平、服务态度)."""

    class Level(models.IntegerChoices):
        VERY_SATISFIED = 5, "非常满意"
        SATISFIED = 4, "满意"
        BASICALLY_SATISFIED = 3, "基本满意"
        DISSATISFIED = 2, "不满意"
        VERY_DISSATISFIED = 1, "非常不满意"

    class Channel(models.TextChoices):
        """评价渠道 (GB/T 39046 表9)."""

        PC = "pc", "PC端"
        MOBILE = "mobile", "移动服务端"
        QR = "qr", "二维码"
        HALL_TABLET = "tablet", "政务大厅平板电脑"
        OTHER = "other", "其他终端"
        PHONE = "phone", "电话"
        SMS = "sms", "短信"

    class Stage(models.TextChoices):
        """What is rated: a stage of a case (一事一评) or a window visit (一次一评)."""

        ACCEPTANCE = "accept", "受理"
        RESULT = "deliver", "办结"
        VISIT = "visit", "窗口办事"

    application = models.ForeignKey(
        Application, verbose_name="办件", null=True, blank=True, on_delete=models.PROTECT, related_name="evaluations"
    )
    stage = models.CharField("评价环节", max_length=10, choices=Stage.choices, default=Stage.RESULT)
    # Denormalised for the statistics (per department and item) and the export, set on creation.
    department = models.ForeignKey(Department, verbose_name="被评价部门", on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(
        Item, verbose_name="事项", null=True, blank=True, on_delete=models.PROTECT, related_name="evaluations"
    )
    window = models.ForeignKey(
        "hall.Window", verbose_name="窗口", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    visit_on = models.DateField("办事日期", null=True, blank=True)
    # The front-desk queue's ticket of the visit (一次一评: one rating per ticket) and its number as shown.
    ticket = models.ForeignKey(
        "hall.Ticket", verbose_name="排队号", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ticket_number = models.CharField("排队号码", max_length=20, blank=True)
    # The one-use key of the pad screen or SMS link a visit rating came from (一次一评: one rating each).
    visit_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    level = models.PositiveSmallIntegerField("满意度", choices=Level.choices)
    comment = models.TextField("文字评价", blank=True)
    tags = models.JSONField("评价指标", default=list, blank=True)
    channel = models.CharField("评价渠道", max_length=10, choices=Channel.choices, default=Channel.PC)
    created_at = models.DateTimeField("评价时间", default=timezone.now, db_index=True)
    edited_at = models.DateTimeField("修改时间", null=True, blank=True)
    # An upheld appeal (申诉复核) or an approved invalidation excludes the rating from every score.
    excluded = models.BooleanField("不计入统计", default=False)
    excluded_reason = models.TextField("排除理由", blank=True)

    class Meta:
        verbose_name = "服务评价"
        verbose_name_plural = "服务评价"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=5), name="evaluation_level_1_5"),
            models.UniqueConstraint(
                # 一事一评 per stage; window visits (一次一评) about a case are one per visit (visit_key)
                fields=["application", "stage"],
                condition=models.Q(application__isnull=False) & ~models.Q(stage="visit"),
                name="one_evaluation_per_case_stage",
            ),
            models.UniqueConstraint(
                fields=["ticket"], condition=models.Q(ticket__isnull=False), name="one_evaluation_per_ticket"
            ),
        ]  # fmt: skip
        indexes = [
            models.Index(fields=["department", "created_at"], name="evaluation_department"),
            models.Index(fields=["item", "created_at"], name="evaluation_item"),
        ]

    def __str__(self):
        return f"{self.application_id or self.window_id} {self.get_level_display()}"

    def save(self, *args, **kwargs):
        """A case's rating is the case department's and item's unless given (code that predates them)."""
        if self.application_id and (self.department_id is None or self.item_id is None):
            case = Application.objects.only("department_id", "item_id").get(pk=self.application_id)
            self.department_id = self.department_id or case.department_id
            self.item_id = self.item_id or case.item_id
        super().save(*args, **kwargs)

    @property
    def is_bad(self) -> bool:
        return self.level <= self.Level.DISSATISFIED


# --- 告知承诺制 (国办发〔2020〕42号): commitments, post-verification, credit restriction -------------------


class Commitment(models.Model):
    """告知承诺书: the applicant's signed written commitment, replacing the listed materials of a
    tell-and-commit item version. The text is the version's, as signed (with its SHA-256); the signed
    document is a ``Notice`` of kind ``commitment`` (one per signing, ``seq``)."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="commitments")
    seq = models.PositiveSmallIntegerField(default=1)
    requirements = models.ManyToManyField(MaterialRequirement, related_name="+", verbose_name="承诺替代的材料")
    text = models.TextField("承诺内容")
    text_sha256 = models.CharField(max_length=64)
    signer_name = models.CharField("承诺人", max_length=100)
    signer_id_number = models.CharField("承诺人证件号码", max_length=18)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField("签署时间", default=timezone.now)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = "告知承诺书"
        verbose_name_plural = "告知承诺书"
        constraints = [models.UniqueConstraint(fields=["application", "seq"], name="one_commitment_per_signing")]

    def __str__(self):
        return f"{self.application_id} 承诺书 {self.seq}"


class Verification(models.Model):
    """事后核查: after a decision on commitments, the department verifies them by ``due_at``
    (``ItemVersion.verification_days`` working days after the decision); an open one past its due is a
    supervision warning (kind ``verification``). Found false, the approval is revoked."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "待核查"
        TRUE = "true", "承诺属实"
        FALSE = "false", "承诺不实"

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="verification")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField("核查期限")
    outcome = models.CharField("核查结论", max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    finding = models.TextField("核查情况", blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    verified_at = models.DateTimeField("核查时间", null=True, blank=True)

    class Meta:
        verbose_name = "承诺核查"
        verbose_name_plural = "承诺核查"
        indexes = [
            models.Index(fields=["department", "due_at"], name="verification_open",
                         condition=models.Q(outcome="pending")),
            # the scan: pending verifications past their due
            models.Index(fields=["due_at"], name="verification_due", condition=models.Q(outcome="pending")),
        ]  # fmt: skip

    def __str__(self):
        return f"{self.application_id} {self.get_outcome_display()}"


class CommitmentRestriction(models.Model):
    """信用约束: an applicant whose commitment was found false may not use tell-and-commit for that item
    until ``until`` (``settings.TELL_AND_COMMIT_RESTRICTION_DAYS`` after the revocation); checked when a
    commitment is signed and when the case is submitted."""

    applicant_id_number = models.CharField("证件号码", max_length=18)
    applicant_name = models.CharField("申请人", max_length=100)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField("原因")
    until = models.DateField("限制至")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "告知承诺信用约束"
        verbose_name_plural = "告知承诺信用约束"
        indexes = [models.Index(fields=["applicant_id_number", "item", "until"], name="restriction_lookup")]

    def __str__(self):
        return f"{self.applicant_name} {self.item_id} 至 {self.until}"


# --- 秒批: sampled instant approvals ----------------------------------------------------------------


class InstantAudit(models.Model):
    """抽查: an instant approval drawn (at ``settings.INSTANT_APPROVAL_SAMPLE_RATE``) for a supervisor
    to check against its rule and evidence."""

    class Verdict(models.TextChoices):
        PENDING = "pending", "待抽查"
        CORRECT = "correct", "规则适用正确"
        WRONG = "wrong", "规则适用有误"

    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="instant_audit")
    rule_version = models.CharField("规则版本", max_length=80)
    sampled_at = models.DateTimeField("抽取时间", default=timezone.now)
    verdict = models.CharField("抽查结论", max_length=10, choices=Verdict.choices, default=Verdict.PENDING)
    note = models.TextField("抽查意见", blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField("抽查时间", null=True, blank=True)

    class Meta:
        verbose_name = "秒批抽查"
        verbose_name_plural = "秒批抽查"
        ordering = ["-sampled_at", "-id"]
        indexes = [models.Index(fields=["verdict", "-sampled_at"], name="instant_audit_queue")]

    def __str__(self):
        return f"{self.application_id} {self.get_verdict_display()}"


# --- 审批与监管信息双向推送: decisions to the regulating department, findings back ----------------------


class RegulatorEndpoint(models.Model):
    """A regulating department's webhook: each decision pushed to it is POSTed there as JSON signed with
    ``X-Signature: <hex HMAC-SHA256 of the raw body>`` keyed by ``secret``; retried through the outbox."""

    department = models.OneToOneField(Department, on_delete=models.PROTECT, related_name="push_endpoint",
                                      verbose_name="监管部门")  # fmt: skip
    url = models.URLField("接收地址", max_length=300)
    secret = models.CharField("签名密钥", max_length=200)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "监管推送接口"
        verbose_name_plural = "监管推送接口"

    def __str__(self):
        return f"{self.department} → {self.url}"


class DecisionPush(models.Model):
    """A decision (or its revocation) pushed to the regulating department named on the item version: a
    row of its inbox, and — when it has an endpoint — a webhook delivery with its log."""

    class Webhook(models.TextChoices):
        NONE = "none", "未配置接口"
        PENDING = "pending", "待推送"
        DELIVERED = "delivered", "已推送"
        FAILED = "failed", "推送失败"

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="pushes")
    regulator = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+", verbose_name="监管部门")
    event = models.OneToOneField(Event, on_delete=models.PROTECT, related_name="+")
    action = models.CharField("推送事由", max_length=30)
    payload = models.JSONField("推送内容")
    created_at = models.DateTimeField("推送时间", default=timezone.now)
    read_at = models.DateTimeField("阅知时间", null=True, blank=True)
    read_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")  # fmt: skip
    webhook = models.CharField("接口推送", max_length=10, choices=Webhook.choices, default=Webhook.NONE)
    attempts = models.PositiveSmallIntegerField("推送次数", default=0)
    delivered_at = models.DateTimeField("推送成功时间", null=True, blank=True)

    class Meta:
        verbose_name = "监管推送"
        verbose_name_plural = "监管推送"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["regulator", "-created_at", "-id"], name="push_inbox")]

    def __str__(self):
        return f"{self.application_id} → {self.regulator_id} {self.action}"


class PushDelivery(models.Model):
    """投递日志: one attempt to POST a push to the regulator's endpoint, whatever came of it."""

    push = models.ForeignKey(DecisionPush, on_delete=models.PROTECT, related_name="deliveries")
    attempt = models.PositiveSmallIntegerField("第几次")
    at = models.DateTimeField("时间", default=timezone.now)
    url = models.CharField("地址", max_length=300)
    status_code = models.PositiveSmallIntegerField("HTTP 状态", null=True, blank=True)
    error = models.CharField("错误", max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField("耗时（毫秒）", default=0)
    ok = models.BooleanField("成功", default=False)

    class Meta:
        verbose_name = "推送投递日志"
        verbose_name_plural = "推送投递日志"
        ordering = ["push", "attempt"]

    def __str__(self):
        return f"{self.push_id} #{self.attempt} {'ok' if self.ok else self.status_code or self.error}"


class RegulatorFinding(models.Model):
    """监管反馈: the regulating department's finding on a decided case (e.g. "the licensed premises do not
    comply"), pushed back to the deciding department and to supervision."""

    push = models.ForeignKey(DecisionPush, on_delete=models.PROTECT, related_name="findings")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="regulator_findings")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+", verbose_name="监管部门")
    text = models.TextField("监管发现")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("反馈时间", default=timezone.now)

    class Meta:
        verbose_name = "监管反馈"
        verbose_name_plural = "监管反馈"
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.application_id} {self.text[:20]}"


from approvals.bundle_models import BundleCase, BundleMaterial  # noqa: E402, F401  (一件事)

# Joint cases (联合审批) keep their models in their own module; imported here so Django registers them.
from approvals.joint_models import JointMeeting, JointTask, Opinion, OpinionAttachment  # noqa: E402, F401

# 分级决定: the chief representative's delegation and the 上报件 referral (approvals.authority reads them).
from approvals.models_authority import Delegation, Referral  # noqa: E402, F401

# E-licences and delivery (issue 18) live in their own module; imported here so Django registers them.
from approvals.models_licences import DeliveryProof, Licence, LicenceEvent, Shipment, ShipmentEvent  # noqa: E402, F401
from approvals.rating_models import FollowUp, RatingAppeal  # noqa: E402, F401  (差评整改, 申诉复核)
