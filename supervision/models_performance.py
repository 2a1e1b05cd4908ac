"""绩效评估、办件抽查、月度报告: the rows that freeze what the hall published about a month.

- ``ScoreSheet``/``Score``: a month's scores as published — a frozen snapshot, never recomputed; a
  correction is a new version with its reason (``supervision.scores``);
- ``SamplingDraw``/``SampledCase``: a random sampling audit (办件抽查, 双随机) with its recorded seed,
  so anyone can replay the draw and check it (``supervision.sampling``);
- ``MonthlyReport``: the month's report as a PDF, kept with its SHA-256 (``supervision.report``).
"""

import secrets

from django.db import models
from django.utils import timezone


class ScoreSheet(models.Model):
    """One published version of a month's scores (月度绩效评估). Version 1 closes the month; a later
    version corrects it and says why. Rows are never updated: the scores are as published."""

    month = models.DateField("月份", help_text="the month's first day")
    version = models.PositiveSmallIntegerField("版本", default=1)
    reason = models.TextField("更正理由", blank=True)
    formula = models.JSONField("评分办法", default=list, help_text="the parts and weights in force when published")
    figures = models.JSONField("全区数据", default=dict)
    published_at = models.DateTimeField("发布时间", default=timezone.now)
    published_by = models.ForeignKey("hall.User", verbose_name="发布人", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "月度绩效评估"
        verbose_name_plural = "月度绩效评估"
        ordering = ["-month", "-version"]
        constraints = [models.UniqueConstraint(fields=["month", "version"], name="one_score_sheet_per_version")]

    def __str__(self):
        return f"{self.month:%Y-%m} v{self.version}"


class Score(models.Model):
    """A department's or a window's score in a published sheet: the total and each part beside it."""

    class Subject(models.TextChoices):
        DEPARTMENT = "department", "部门"
        WINDOW = "window", "窗口"

    sheet = models.ForeignKey(ScoreSheet, on_delete=models.PROTECT, related_name="scores")
    subject = models.CharField("对象", max_length=10, choices=Subject.choices)
    department = models.ForeignKey("hall.Department", verbose_name="部门", on_delete=models.PROTECT, related_name="+")
    window = models.ForeignKey(
        "hall.Window", verbose_name="窗口", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rank = models.PositiveSmallIntegerField("名次")
    total = models.DecimalField("总分", max_digits=6, decimal_places=2)
    parts = models.JSONField("分项", default=list)
    counts = models.JSONField("计分依据", default=dict)

    class Meta:
        verbose_name = "绩效得分"
        verbose_name_plural = "绩效得分"
        ordering = ["sheet", "subject", "rank"]
        indexes = [models.Index(fields=["sheet", "subject", "rank"], name="score_sheet_rank")]

    def __str__(self):
        return f"{self.sheet} {self.subject} {self.rank}"


def new_seed() -> str:
    return secrets.token_hex(16)


class SamplingDraw(models.Model):
    """办件抽查 (双随机一公开): N decided cases per department of a month, each with a randomly drawn
    supervisor; the seed is recorded so the draw can be replayed and verified."""

    month = models.DateField("月份", help_text="the month's first day")
    per_department = models.PositiveSmallIntegerField("每部门抽取件数")
    instant_rate = models.FloatField("即办件抽取比例", default=0)
    seed = models.CharField("随机种子", max_length=64, default=new_seed)
    pool = models.JSONField("监察人员名单", default=list, help_text="the supervisors drawn from, by id")
    drawn_at = models.DateTimeField("抽取时间", default=timezone.now)
    drawn_by = models.ForeignKey("hall.User", verbose_name="抽取人", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "办件抽查"
        verbose_name_plural = "办件抽查"
        ordering = ["-month", "-id"]
        constraints = [models.UniqueConstraint(fields=["month"], name="one_sampling_draw_per_month")]

    def __str__(self):
        return f"抽查 {self.month:%Y-%m}"


class SampledCase(models.Model):
    """A case the draw picked, its auditor and the finding (合规 / 存在问题, with the text)."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "待检查"
        COMPLIANT = "compliant", "合规"
        ISSUES = "issues", "存在问题"

    draw = models.ForeignKey(SamplingDraw, on_delete=models.PROTECT, related_name="cases")
    position = models.PositiveSmallIntegerField("序号")
    application = models.ForeignKey("approvals.Application", verbose_name="办件", on_delete=models.PROTECT,
                                    related_name="+")  # fmt: skip
    department = models.ForeignKey("hall.Department", verbose_name="部门", on_delete=models.PROTECT, related_name="+")
    stratum = models.CharField("类别", max_length=10, default="regular", help_text="regular or instant (即办件)")
    auditor = models.ForeignKey("hall.User", verbose_name="检查人", on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField("结论", max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    finding = models.TextField("检查意见", blank=True)
    recorded_at = models.DateTimeField("检查时间", null=True, blank=True)
    order = models.ForeignKey("supervision.Order", verbose_name="督办", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")  # fmt: skip

    class Meta:
        verbose_name = "抽查办件"
        verbose_name_plural = "抽查办件"
        ordering = ["draw", "position"]
        constraints = [models.UniqueConstraint(fields=["draw", "application"], name="one_sample_per_case")]
        indexes = [models.Index(fields=["outcome", "recorded_at"], name="sample_findings")]

    def __str__(self):
        return f"{self.draw} #{self.position}"


def report_path(instance: "MonthlyReport", filename: str) -> str:
    return f"reports/{instance.month:%Y-%m}/{secrets.token_urlsafe(18)}.pdf"


class MonthlyReport(models.Model):
    """The month's report (月度报告) as published: the PDF is rendered once and kept with its hash."""

    month = models.DateField("月份", help_text="the month's first day")
    generated_at = models.DateTimeField("生成时间", default=timezone.now)
    generated_by = models.ForeignKey(
        "hall.User", verbose_name="生成人", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="null: the beat task",
    )  # fmt: skip
    pdf = models.FileField(upload_to=report_path, max_length=200)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "月度报告"
        verbose_name_plural = "月度报告"
        ordering = ["-month", "-generated_at"]

    def __str__(self):
        return f"月报 {self.month:%Y-%m}"
