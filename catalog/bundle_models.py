"""一件事 bundles (高效办成一件事, 国发〔2024〕3号): a published set of items for one life event.

A bundle (开办企业, 二手房买卖 …) has a stable code, a life-event theme and a lead department (牵头部门);
its content — the member items, the guide's own text — lives in versions, versioned like items: a
draft, four-eyes review, publication superseding the previous version in the same transaction, and
an immutable published version that bundle cases keep. The member items are items, not item
versions: a bundle filed today uses each member's version published today (the catalog app owns
both definitions; ``catalog.bundles`` merges them into one guide).

Imported by ``catalog.models`` so that Django finds the models; kept apart so that the item models
stay readable.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from catalog.models import Item, Theme, code_validator
from hall.models import Department


class Bundle(models.Model):
    """A 一件事 with a stable code; its members and guide text live in versions."""

    class Status(models.TextChoices):
        DRAFT = "draft", "未发布"
        PUBLISHED = "published", "已发布"
        WITHDRAWN = "withdrawn", "已停止"

    code = models.CharField("一件事编码", max_length=36, unique=True, validators=[code_validator])
    name = models.CharField("一件事名称", max_length=100)
    theme = models.ForeignKey(Theme, verbose_name="主题（人生事件）", on_delete=models.PROTECT, related_name="bundles")
    lead_department = models.ForeignKey(
        Department, verbose_name="牵头部门", on_delete=models.PROTECT, related_name="led_bundles"
    )
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    current_version = models.OneToOneField(
        "BundleVersion", verbose_name="现行版本", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "一件事"
        verbose_name_plural = "一件事"

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def accepts_filings(self) -> bool:
        return self.status == self.Status.PUBLISHED and self.current_version_id is not None


class BundleVersion(models.Model):
    """One version of a bundle: its member items and guide text. Immutable once published."""

    State = models.TextChoices("State", [("draft", "草稿"), ("in_review", "待审核"), ("published", "现行有效"),
                                         ("superseded", "已被替代")])  # fmt: skip
    FROZEN_STATES = ("published", "superseded")

    bundle = models.ForeignKey(Bundle, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField("版本号")
    state = models.CharField("状态", max_length=10, choices=State.choices, default="draft")
    summary = models.TextField("一件事说明", help_text="办成这件事需要办理哪些事项、可以一次办成什么")
    extra_conditions = models.TextField("共同办理条件", blank=True, help_text="各事项受理条件以外、一件事整体的条件")
    items = models.ManyToManyField(Item, through="BundleMember", verbose_name="包含事项", related_name="+")
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
        ordering = ["bundle", "-number"]
        verbose_name = "一件事版本"
        verbose_name_plural = "一件事版本"
        constraints = [
            models.UniqueConstraint(fields=["bundle", "number"], name="unique_bundle_version_number"),
            models.UniqueConstraint(
                fields=["bundle"], condition=models.Q(state="published"), name="one_published_version_per_bundle"
            ),
        ]

    def __str__(self):
        return f"{self.bundle.code} v{self.number}（{self.get_state_display()}）"

    @property
    def is_frozen(self) -> bool:
        return self.state in self.FROZEN_STATES

    def save(self, *args, **kwargs):
        if self.pk and kwargs.get("update_fields") is None:
            stored = BundleVersion.objects.filter(pk=self.pk).values_list("state", flat=True).first()
            if stored in self.FROZEN_STATES:
                raise ValidationError("已发布的版本不可修改；请基于现行版本新建草稿。")
        super().save(*args, **kwargs)


class BundleMember(models.Model):
    """A member item of a bundle version, in the order the guide lists it."""

    version = models.ForeignKey(BundleVersion, on_delete=models.CASCADE, related_name="members")
    item = models.ForeignKey(Item, verbose_name="事项", on_delete=models.PROTECT, related_name="bundle_memberships")
    position = models.PositiveSmallIntegerField("序号", default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = "一件事包含事项"
        verbose_name_plural = "一件事包含事项"
        constraints = [models.UniqueConstraint(fields=["version", "item"], name="unique_bundle_member")]

    def __str__(self):
        return str(self.item)

    def _guard(self):
        if BundleVersion.objects.filter(pk=self.version_id, state__in=BundleVersion.FROZEN_STATES).exists():
            raise ValidationError("已发布的版本不可修改；请基于现行版本新建草稿。")

    def save(self, *args, **kwargs):
        self._guard()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._guard()
        return super().delete(*args, **kwargs)
