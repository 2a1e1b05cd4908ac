"""一件事 bundle cases: one application for a life event, one sub-case (``Application``) per member item.

The bundle case holds what the applicant gave once — who applies, the merged form, the shared
materials — and links its sub-cases (``Application.bundle``). Each sub-case keeps its own legal clock
(acceptance, decision, delivery: 行政许可法 arts. 32, 42, 44) and its own department; the bundle's
progress is read from them. A shared material is stored once (``BundleMaterial``) and every sub-case
that needs it holds a ``Material`` row pointing at the same stored file (``Material.bundle_material``):
referenced, never copied.

Imported by ``approvals.models`` so that Django finds the models.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from catalog.bundle_models import Bundle, BundleVersion
from hall.models import Department


def _query_code() -> str:
    from approvals.models import new_query_code

    return new_query_code()


class BundleCase(models.Model):
    """一件事办件: the bundle as the applicant filed it (one form, one material set, one query code)."""

    number = models.CharField("一件事编号", max_length=40, unique=True)
    query_code = models.CharField("查询码", max_length=8, default=_query_code)
    bundle = models.ForeignKey(Bundle, verbose_name="一件事", on_delete=models.PROTECT, related_name="cases")
    bundle_version = models.ForeignKey(BundleVersion, on_delete=models.PROTECT, related_name="+")
    lead_department = models.ForeignKey(Department, verbose_name="牵头部门", on_delete=models.PROTECT,
                                        related_name="+")  # fmt: skip
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bundle_cases")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField("申报渠道", max_length=10, default="online")
    applicant_type = models.CharField("申请人类型", max_length=12)
    applicant_name = models.CharField("申请人", max_length=100)
    form_data = models.JSONField("合并申请表", default=dict, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    # 一窗受理: the lead department's clerk accepted every sub-case in one act.
    accepted_at = models.DateTimeField("一窗受理时间", null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="受理人", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    # Set when the last sub-case is decided (or closed without a decision): the bundle is done (办结).
    done_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = "一件事办件"
        verbose_name_plural = "一件事办件"
        indexes = [
            models.Index(fields=["owner", "-created_at"], name="bundle_case_owner"),
            models.Index(fields=["lead_department", "-created_at"], name="bundle_case_lead"),
        ]

    def __str__(self):
        return self.number


def bundle_material_path(instance: "BundleMaterial", filename: str) -> str:
    """Non-guessable storage name, like a case material's (``approvals.models.material_path``)."""
    return f"cases/{timezone.now():%Y/%m}/{secrets.token_urlsafe(24)}"


class BundleMaterial(models.Model):
    """One shared material of a bundle case, uploaded once: the stored file every sub-case refers to.

    ``key`` is the merged material's key (``catalog.bundles.material_key``); a replacement (after a
    correction notice) is a new revision and the previous one is kept."""

    bundle_case = models.ForeignKey(BundleCase, on_delete=models.PROTECT, related_name="materials")
    key = models.CharField(max_length=250)
    name = models.CharField("材料名称", max_length=200)
    file = models.FileField(upload_to=bundle_material_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    revision = models.PositiveSmallIntegerField(default=1)
    superseded = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["key", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["bundle_case", "key"], condition=models.Q(superseded=False),
                name="one_current_bundle_material_per_key",
            )
        ]  # fmt: skip

    def __str__(self):
        return self.original_name
