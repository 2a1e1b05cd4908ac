"""The approval-item directory (事项目录): items and their immutable published versions.

Elements follow the national implementation-list elements (实施清单要素, GB/T 39046 表4 and the
national platform's exchange schema): legal basis, conditions, materials, process, statutory and
committed limits, fees, result, channels. A published version never changes: editing starts a new
draft; publishing it supersedes the old one in the same transaction, and cases keep the version
they were filed under.
"""

import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone

from catalog.text import normalise_text_fields
from hall.models import Department

code_validator = RegexValidator(r"^[A-Za-z0-9][A-Za-z0-9-]{1,35}$", "事项编码只能包含字母、数字和连字符，长度 2–36。")
field_name_validator = RegexValidator(r"^[a-z][a-z0-9_]{0,39}$", "字段名只能包含小写字母、数字和下划线。")
licence_type_validator = RegexValidator(r"^[A-Z0-9]{2,20}$", "证照类型代码为 2–20 位大写字母或数字。")


class ItemType(models.TextChoices):
    """GB/T 39046 附录 A.1 事项类型 (the subset a service hall handles)."""

    LICENSING = "01", "行政许可"
    PAYMENT = "05", "行政给付"
    CONFIRMATION = "07", "行政确认"
    OTHER_POWER = "10", "其他行政权力"
    PUBLIC_SERVICE = "20", "公共服务"


class Audience(models.TextChoices):
    PERSON = "person", "个人"
    LEGAL = "legal", "法人"
    BOTH = "both", "个人和法人"


class Theme(models.Model):
    """A life event or business theme (开办企业, 不动产, 工程建设, 婚姻家庭 …) for browsing."""

    code = models.SlugField("主题编码", max_length=40, unique=True)
    name = models.CharField("主题名称", max_length=40)
    audience = models.CharField("服务对象", max_length=6, choices=Audience.choices, default=Audience.BOTH)
    sort_order = models.PositiveSmallIntegerField("排序", default=100)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = "主题"
        verbose_name_plural = "主题"

    def __str__(self):
        return self.name


class Item(models.Model):
    """An approval item (事项) with a stable code; its content lives in versions."""

    class Status(models.TextChoices):
        DRAFT = "draft", "未发布"
        PUBLISHED = "published", "已发布"
        CANCELLED = "cancelled", "已取消"
        CONVERTED = "converted", "已改为备案"

    code = models.CharField("事项编码", max_length=36, unique=True, validators=[code_validator])
    name = models.CharField("事项名称", max_length=200)
    department = models.ForeignKey(Department, verbose_name="主管部门", on_delete=models.PROTECT, related_name="items")
    type = models.CharField("事项类型", max_length=2, choices=ItemType.choices)
    level = models.CharField(
        "行使层级", max_length=1, choices=Department.Level.choices, default=Department.Level.DISTRICT
    )
    for_person = models.BooleanField("面向个人", default=False)
    for_legal = models.BooleanField("面向法人", default=False)
    themes = models.ManyToManyField(Theme, verbose_name="主题", blank=True, related_name="items")
    keywords = models.CharField("检索关键词", max_length=300, blank=True, help_text="以空格分隔的同义词")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    delegated_to = models.ManyToManyField(Department, verbose_name="下放至", blank=True, related_name="delegated_items")
    replaced_by = models.ForeignKey(
        "self", verbose_name="改为备案后的事项", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    current_version = models.OneToOneField(
        "ItemVersion", verbose_name="现行版本", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Denormalised from the current version at publication: what public search matches against.
    search_text = models.TextField(editable=False, blank=True)
    pinyin_initials = models.CharField(max_length=200, editable=False, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "事项"
        verbose_name_plural = "事项"
        indexes = [models.Index(fields=["status", "department"]), models.Index(fields=["status", "type"])]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def accepts_filings(self) -> bool:
        """New applications only for a published item (a cancelled or converted one stays visible)."""
        return self.status == self.Status.PUBLISHED and self.current_version_id is not None

    @property
    def is_delegated(self) -> bool:
        return self.level == Department.Level.TOWNSHIP and self.department.level == Department.Level.DISTRICT


class ItemVersion(models.Model):
    """One version of an item's implementation list (实施清单). Immutable once published."""

    class State(models.TextChoices):
        DRAFT = "draft", "草稿"
        IN_REVIEW = "in_review", "待审核"
        PUBLISHED = "published", "现行有效"
        SUPERSEDED = "superseded", "已被替代"

    class HandlingKind(models.TextChoices):
        """GB/T 39046 A.6 办件类型, plus 上报件 (decided by a higher level)."""

        INSTANT = "instant", "即办件"
        PROMISE = "promise", "承诺件"
        REPORT = "report", "上报件"

    class Authority(models.TextChoices):
        """分级决定: who decides a case of this version (DESIGN.md, The workflow; approvals.authority)."""

        DEPARTMENT = "department", "部门审批人员决定"
        CHIEF_REPRESENTATIVE = "chief_representative", "窗口首席代表决定（经授权）"
        REPORT_UP = "report_up", "上报上级机关决定（上报件）"

    class ResultType(models.TextChoices):
        LICENCE = "licence", "证照"
        APPROVAL_DOCUMENT = "approval_document", "批文"
        CERTIFICATE = "certificate", "证明"
        OTHER = "other", "其他"

    FROZEN_STATES = (State.PUBLISHED, State.SUPERSEDED)

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField("版本号")
    state = models.CharField("状态", max_length=10, choices=State.choices, default=State.DRAFT)

    legal_basis = models.TextField("设定依据")
    implementing_body = models.CharField("实施主体", max_length=100)
    conditions = models.TextField("受理条件")
    statutory_days = models.PositiveSmallIntegerField("法定办结时限（工作日）", validators=[MaxValueValidator(365)])
    committed_days = models.PositiveSmallIntegerField("承诺办结时限（工作日）", validators=[MaxValueValidator(365)])
    handling_kind = models.CharField("办件类型", max_length=10, choices=HandlingKind.choices)
    joint = models.BooleanField("联合审批", default=False)
    joint_departments = models.ManyToManyField(
        Department, verbose_name="联办部门", blank=True, related_name="joint_versions"
    )
    decision_authority = models.CharField(
        "决定权限", max_length=20, choices=Authority.choices, default=Authority.DEPARTMENT,
        help_text="分级决定：部门审批人员；经部门书面授权的窗口首席代表；或初审后上报上级机关决定（上报件）",
    )  # fmt: skip
    # 上报件 (行政许可法 art. 43): the lower level reviews first and reports, with its opinion and every
    # material, within 20 days; the upper level then decides on its own clock.
    report_to = models.ForeignKey(
        Department, verbose_name="上报机关", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    report_days = models.PositiveSmallIntegerField(
        "下级初审期限（工作日）", default=20, validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="行政许可法第四十三条：下级行政机关应当自受理之日起二十日内审查完毕并上报",
    )  # fmt: skip
    upper_days = models.PositiveSmallIntegerField(
        "上级决定期限（工作日）", default=20, validators=[MinValueValidator(1), MaxValueValidator(45)],
        help_text="上级机关自收到上报材料之日起作出决定的期限（行政许可法第四十二条）",
    )  # fmt: skip
    separation_of_duties = models.BooleanField(
        "受理人不得审批", default=True, help_text="受理本件的工作人员不得同时作出审批决定"
    )
    result_name = models.CharField("审批结果名称", max_length=100)
    result_type = models.CharField("审批结果类型", max_length=20, choices=ResultType.choices)
    result_sample = models.FileField("审批结果样本", upload_to="catalog/samples/", blank=True)
    # 电子证照 (issue 18): a result of type licence or certificate is issued as an e-licence of this type,
    # numbered per type and year; its validity is fixed here (None: valid until revoked).
    licence_type_code = models.CharField(
        "证照类型代码", max_length=20, blank=True, validators=[licence_type_validator],
        help_text="如 YYZZ（营业执照）；为空时以事项编码为类型",
    )  # fmt: skip
    licence_validity_years = models.PositiveSmallIntegerField(
        "证照有效期（年）", null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(50)],
        help_text="为空表示长期有效（撤销前有效）",
    )  # fmt: skip
    channel_window = models.BooleanField("窗口办理", default=True)
    channel_online = models.BooleanField("网上办理", default=False)
    channel_express = models.BooleanField("快递申请/送达", default=False)
    visits = models.PositiveSmallIntegerField("到办事现场次数", default=1, validators=[MaxValueValidator(2)])
    holiday_service = models.BooleanField("节假日可办", default=False)
    consult_phone = models.CharField("咨询电话", max_length=40)
    complaint_phone = models.CharField("监督投诉电话", max_length=40, default="12345")
    intermediary_services = models.TextField("中介服务", blank=True)
    tell_and_commit = models.BooleanField("告知承诺制", default=False)
    # 告知承诺制 (国办发〔2020〕42号): what the applicant promises and what a false promise costs, shown
    # and signed at filing in place of the materials marked ``commitment_allowed``.
    commitment_text = models.TextField(
        "告知承诺书内容", blank=True, help_text="承诺的内容（符合哪些条件、以承诺代替哪些材料）以及虚假承诺的法律后果"
    )
    verification_days = models.PositiveSmallIntegerField(
        "事后核查时限（工作日）", default=20, validators=[MaxValueValidator(365)],
        help_text="作出准予决定后，部门须在此期限内核查承诺是否属实",
    )  # fmt: skip
    # 秒批: a versioned rule (approvals.instant): conditions on the form and materials from trusted
    # sources; empty for items a person decides.
    instant_rule = models.JSONField("秒批规则", default=dict, blank=True)
    # 审批与监管信息双向推送: the department that supervises what this item licenses.
    regulator = models.ForeignKey(
        Department, verbose_name="监管部门", null=True, blank=True, on_delete=models.PROTECT,
        related_name="regulated_versions",
    )  # fmt: skip
    charges_fees = models.BooleanField("是否收费", default=False)
    office_hours = models.CharField("办理时间", max_length=100, blank=True)
    location = models.CharField("办理地点", max_length=200, blank=True)

    content_hash = models.CharField(max_length=64, editable=False, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    superseded_at = models.DateTimeField("废止时间", null=True, blank=True)

    class Meta:
        ordering = ["item", "-number"]
        verbose_name = "事项版本"
        verbose_name_plural = "事项版本"
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="unique_item_version_number"),
            models.UniqueConstraint(
                fields=["item"], condition=models.Q(state="published"), name="one_published_version_per_item"
            ),
            models.CheckConstraint(
                condition=models.Q(committed_days__lte=models.F("statutory_days")),
                name="committed_within_statutory",
                violation_error_message="承诺办结时限不得超过法定办结时限。",
            ),
        ]

    def __str__(self):
        return f"{self.item.code} v{self.number}（{self.get_state_display()}）"

    @property
    def is_frozen(self) -> bool:
        return self.state in self.FROZEN_STATES

    def clean(self):
        errors = {}
        days = (self.committed_days, self.statutory_days)
        if None not in days and days[0] > days[1]:
            errors["committed_days"] = "承诺办结时限不得超过法定办结时限。"
        if self.handling_kind == self.HandlingKind.INSTANT and self.committed_days:
            errors["handling_kind"] = "即办件当场办结，承诺办结时限应为 0。"
        if self.handling_kind == self.HandlingKind.PROMISE and self.committed_days == 0 and self.statutory_days:
            errors["committed_days"] = "承诺件的承诺办结时限应大于 0；当场办结的请选择“即办件”。"
        if not (self.channel_window or self.channel_online or self.channel_express):
            errors["channel_window"] = "至少提供一种办理渠道。"
        if self.instant_rule:
            from catalog.instant_rule import rule_errors

            if problems := rule_errors(self.instant_rule):
                errors["instant_rule"] = problems
        errors.update(self._authority_errors())
        if errors:
            raise ValidationError(errors)

    def _authority_errors(self) -> dict:
        """分级决定 and 办件类型 agree: a 上报件 names the upper-level authority it reports to; a 即办件 is
        decided at the window, never reported up."""
        errors = {}
        report_up = self.decision_authority == self.Authority.REPORT_UP
        if report_up and not self.report_to_id:
            errors["report_to"] = "上报件须写明上报的上级机关。"
        if self.report_to_id and not report_up:
            errors["report_to"] = "只有上报件填写上报机关。"
        if report_up != (self.handling_kind == self.HandlingKind.REPORT):
            errors["decision_authority"] = "办件类型为“上报件”的，决定权限须为“上报上级机关决定”，反之亦然。"
        if self.report_to_id and self.item_id and self.report_to_id == self.item.department_id:
            errors["report_to"] = "上报机关不能是本事项的主管部门。"
        return errors

    @property
    def decided_at_window(self) -> bool:
        """即办件: accepted and decided at the window in one sitting (committed limit 0)."""
        return self.handling_kind == self.HandlingKind.INSTANT and self.committed_days == 0

    def save(self, *args, **kwargs):
        if self.pk and kwargs.get("update_fields") is None:
            stored = ItemVersion.objects.filter(pk=self.pk).values_list("state", flat=True).first()
            if stored in self.FROZEN_STATES:
                raise ValidationError("已发布的版本不可修改；请基于现行版本新建草稿。")
        normalise_text_fields(self)  # a textarea sends \r\n: saving must not look like an edit in the diff
        super().save(*args, **kwargs)


class VersionPart(models.Model):
    """A row that belongs to a version (material, fee, step, field): frozen with its version."""

    version = models.ForeignKey(ItemVersion, on_delete=models.CASCADE)
    position = models.PositiveSmallIntegerField("序号", default=0)

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    def _guard(self):
        if ItemVersion.objects.filter(pk=self.version_id, state__in=ItemVersion.FROZEN_STATES).exists():
            raise ValidationError("已发布的版本不可修改；请基于现行版本新建草稿。")

    def save(self, *args, **kwargs):
        self._guard()
        normalise_text_fields(self)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._guard()
        return super().delete(*args, **kwargs)


class MaterialRequirement(VersionPart):
    """A material the applicant must (or, under a condition, may need to) provide (申请材料)."""

    class Form(models.TextChoices):
        ORIGINAL = "original", "原件"
        COPY = "copy", "复印件"
        ELECTRONIC = "electronic", "电子件"

    class Source(models.TextChoices):
        APPLICANT = "applicant", "申请人自备"
        GOVERNMENT = "government", "政府部门核发"
        INTERMEDIARY = "intermediary", "中介机构出具"
        OTHER = "other", "其他"

    name = models.CharField("材料名称", max_length=200)
    form = models.CharField("材料形式", max_length=10, choices=Form.choices)
    copies = models.PositiveSmallIntegerField("份数", default=1, validators=[MinValueValidator(1)])
    source = models.CharField("来源渠道", max_length=12, choices=Source.choices)
    source_note = models.CharField("来源说明", max_length=200, blank=True)
    required = models.BooleanField("必要材料", default=True)
    condition = models.CharField("容缺/适用情形", max_length=200, blank=True)
    e_licence = models.BooleanField("可用电子证照替代", default=False)
    # 免证办: which e-licence type satisfies this material (blank: any of the holder's valid licences).
    licence_type_code = models.CharField(
        "可用证照类型代码", max_length=20, blank=True, validators=[licence_type_validator]
    )
    commitment_allowed = models.BooleanField(
        "可以告知承诺替代", default=False, help_text="告知承诺制：申请人签署承诺书后可不提交本材料，决定后事后核查"
    )
    blank_form = models.FileField("空白表格", upload_to="catalog/forms/", blank=True)
    has_blank_form = models.BooleanField("提供空白表格", default=False)
    note = models.CharField("填报须知", max_length=300, blank=True)
    # 一件事: requirements of different items with the same key are one material, asked once and
    # uploaded once (catalog.bundles.material_key; without a key, the same normalised name).
    share_key = models.SlugField(
        "共享材料标识", max_length=40, blank=True, help_text="一件事中各事项要求的同一份材料填写相同标识，只需提交一次"
    )

    class Meta(VersionPart.Meta):
        verbose_name = "申请材料"
        verbose_name_plural = "申请材料"
        default_related_name = "materials"

    def __str__(self):
        return self.name

    def clean(self):
        if not self.required and not self.condition.strip():
            raise ValidationError({"condition": "非必要材料须写明在何种情形下需要提交。"})
        if self.licence_type_code and not self.e_licence:
            raise ValidationError({"licence_type_code": "只有“可用电子证照替代”的材料可以指定证照类型。"})


class FeeStandard(VersionPart):
    """A fee the item may charge (收费项目); only with a legal basis (行政许可法 arts. 58, 59)."""

    name = models.CharField("收费项目名称", max_length=100)
    amount_fen = models.PositiveIntegerField("收费标准（分）", null=True, blank=True)
    rule = models.CharField("计费规则", max_length=300, blank=True, help_text="不按固定金额收费时写明计费规则")
    basis = models.TextField("收费依据")
    reducible = models.BooleanField("可减免", default=False)

    class Meta(VersionPart.Meta):
        verbose_name = "收费标准"
        verbose_name_plural = "收费标准"
        default_related_name = "fees"

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        if not (self.basis or "").strip():
            errors["basis"] = "收费必须有法律、行政法规依据（行政许可法第五十八条）。"
        if self.amount_fen is None and not self.rule.strip():
            errors["amount_fen"] = "请填写固定收费金额或计费规则。"
        if errors:
            raise ValidationError(errors)


class ProcessStep(VersionPart):
    """A step of the process (办理流程) and the role responsible for it."""

    class Role(models.TextChoices):
        CLERK = "clerk", "窗口受理"
        REVIEWER = "reviewer", "审查"
        APPROVER = "approver", "审批决定"
        CASHIER = "cashier", "收费"
        INSPECTOR = "inspector", "现场核查"

    name = models.CharField("环节名称", max_length=50)
    role = models.CharField("责任岗位", max_length=10, choices=Role.choices)
    days = models.PositiveSmallIntegerField("环节时限（工作日）", default=0)

    class Meta(VersionPart.Meta):
        verbose_name = "办理环节"
        verbose_name_plural = "办理环节"
        default_related_name = "steps"

    def __str__(self):
        return self.name


class FormField(VersionPart):
    """A field of the online application form for this version, with what its values mean: a number's
    range and decimals, a date before or after today, a code's format (validated in
    ``approvals.intake.clean_form`` for the portal, the workbench and the API alike)."""

    class Type(models.TextChoices):
        TEXT = "text", "单行文本"
        TEXTAREA = "textarea", "多行文本"
        NUMBER = "number", "数字"
        DATE = "date", "日期"
        CHOICE = "choice", "单选"
        PHONE = "phone", "手机号码"
        ID_NUMBER = "id_number", "身份证号码"
        CREDIT_CODE = "credit_code", "统一社会信用代码"

    class DateRule(models.TextChoices):
        ANY = "", "不限"
        NOT_FUTURE = "not_future", "不晚于今天"
        NOT_PAST = "not_past", "不早于今天"

    TEXT_TYPES = (Type.TEXT, Type.TEXTAREA)

    name = models.CharField("字段名", max_length=40, validators=[field_name_validator])
    label = models.CharField("标签", max_length=60)
    type = models.CharField("类型", max_length=12, choices=Type.choices, default=Type.TEXT)
    required = models.BooleanField("必填", default=True)
    choices = models.JSONField("选项", default=list, blank=True)
    help_text = models.CharField("说明", max_length=200, blank=True)
    min_value = models.DecimalField(
        "最小值", max_digits=19, decimal_places=6, null=True, blank=True, help_text="数字字段；不填为 0"
    )
    max_value = models.DecimalField("最大值", max_digits=19, decimal_places=6, null=True, blank=True)
    decimal_places = models.PositiveSmallIntegerField(
        "小数位数", null=True, blank=True, validators=[MaxValueValidator(6)], help_text="数字字段；0 为整数"
    )
    date_rule = models.CharField("日期范围", max_length=10, choices=DateRule.choices, blank=True, default="")
    pattern = models.CharField(
        "格式（正则表达式）", max_length=200, blank=True, help_text="文本字段，整体匹配，如 ^\\d{4}-\\d{6}$"
    )
    pattern_message = models.CharField(
        "格式说明", max_length=100, blank=True, help_text="告诉申请人应当怎样填写，如“7 位数字”"
    )
    example = models.CharField("填写示例", max_length=100, blank=True, help_text="显示在输入框中；须符合格式")

    class Meta(VersionPart.Meta):
        verbose_name = "申请表字段"
        verbose_name_plural = "申请表字段"
        default_related_name = "fields"
        constraints = [models.UniqueConstraint(fields=["version", "name"], name="unique_form_field_name")]

    def __str__(self):
        return self.label

    def clean(self):
        errors = {}
        if self.type == self.Type.CHOICE and not self.choices:
            errors["choices"] = "单选字段须提供选项。"
        number = self.type == self.Type.NUMBER
        for name in ("min_value", "max_value", "decimal_places"):
            if getattr(self, name) is not None and not number:
                errors[name] = "只有数字字段可以设置取值范围和小数位数。"
        if number and None not in (self.min_value, self.max_value) and self.min_value > self.max_value:
            errors["max_value"] = "最大值不能小于最小值。"
        if self.date_rule and self.type != self.Type.DATE:
            errors["date_rule"] = "只有日期字段可以设置日期范围。"
        if self.pattern:
            if self.type not in self.TEXT_TYPES:
                errors["pattern"] = "只有文本字段可以设置格式。"
            else:
                try:
                    re.compile(self.pattern)
                except re.error as exc:
                    errors["pattern"] = f"正则表达式有误：{exc}"
            if not self.pattern_message.strip():
                errors["pattern_message"] = "设置了格式的字段须写明格式说明，申请人填错时会看到它。"
            if "pattern" not in errors and self.example and not re.fullmatch(self.pattern, self.example):
                errors["example"] = "填写示例不符合所设格式。"
        if errors:
            raise ValidationError(errors)

    def format_hint(self) -> str:
        """What the applicant is told before typing (next to the field), in Chinese."""
        bits = []
        if self.type == self.Type.NUMBER:
            low = self.min_value if self.min_value is not None else 0
            bits.append(f"不小于 {plain_number(low)}")
            if self.max_value is not None:
                bits.append(f"不大于 {plain_number(self.max_value)}")
            if self.decimal_places == 0:
                bits.append("整数")
            elif self.decimal_places:
                bits.append(f"最多 {self.decimal_places} 位小数")
        elif self.date_rule:
            bits.append(self.get_date_rule_display())
        elif self.pattern_message:
            bits.append(f"格式：{self.pattern_message}")
        return "，".join(bits)

    def sample_value(self) -> str:
        """A value this field accepts (the demo cases and the tests file with it): its example, else one
        built from its type and range. Dates are today's, which both date rules accept."""
        if self.type == self.Type.CHOICE:
            return str(self.choices[0])
        if self.example:
            return self.example
        if self.type == self.Type.NUMBER:
            low = self.min_value if self.min_value is not None else Decimal(0)
            value = max(low, Decimal(120)) if self.max_value is None else max(low, min(Decimal(120), self.max_value))
            return plain_number(value)
        samples = {
            self.Type.DATE: timezone.localdate().isoformat(),
            self.Type.PHONE: "13800000001",
            self.Type.ID_NUMBER: "11010519491231002X",
            self.Type.CREDIT_CODE: "91350100M000100Y43",
        }
        return samples.get(self.type, f"{self.label}（演示）")

    def widget_attrs(self) -> dict:
        """``min``/``max``/``step`` for the browser's number and date inputs (hints; the service decides)."""
        if self.type == self.Type.NUMBER:
            attrs = {"min": plain_number(self.min_value if self.min_value is not None else 0)}
            if self.max_value is not None:
                attrs["max"] = plain_number(self.max_value)
            if self.decimal_places is not None:
                attrs["step"] = plain_number(Decimal(1).scaleb(-self.decimal_places))
            return attrs
        if self.date_rule:
            today = timezone.localdate().isoformat()
            return {"max": today} if self.date_rule == self.DateRule.NOT_FUTURE else {"min": today}
        return {"placeholder": f"如：{self.example}"} if self.example else {}


def plain_number(number) -> str:
    """12000.000000 → "12000", 0.010000 → "0.01" (no exponent, no trailing zeros)."""
    text = format(Decimal(number), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


class CatalogChange(models.Model):
    """A published change of the directory (动态管理), listed on the public changes page."""

    class Action(models.TextChoices):
        PUBLISH = "publish", "发布"
        REVISE = "revise", "调整"
        CANCEL = "cancel", "取消"
        DELEGATE = "delegate", "下放"
        CONVERT = "convert", "改为备案"
        MERGE = "merge", "合并"
        SPLIT = "split", "拆分"

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="changes")
    version = models.ForeignKey(ItemVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    action = models.CharField("变更类型", max_length=10, choices=Action.choices)
    document = models.CharField("决定文号", max_length=100, blank=True)
    decided_on = models.DateField("决定日期", null=True, blank=True)
    note = models.TextField("说明", blank=True)
    related_items = models.ManyToManyField(Item, blank=True, related_name="+", verbose_name="相关事项")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("变更时间", auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "目录变更"
        verbose_name_plural = "目录变更"

    def __str__(self):
        return f"{self.get_action_display()} {self.item.code}"


from catalog.bundle_models import Bundle, BundleMember, BundleVersion  # noqa: E402, F401  (一件事)
