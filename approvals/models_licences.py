"""E-licences (电子证照) and the delivery of results (送达): models, imported by ``approvals.models``.

A licence is issued once per approved case whose item's result is a licence or certificate, numbered per
type and year, and verifiable by anyone by its number; revocation and expiry change its status at once.
Delivery by express goes through a carrier (``approvals.carriers``): its waybill and the carrier's
signed events are kept, and the carrier's delivery date is the case's delivery date (行政许可法 art. 44).
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from approvals.models import Application
from hall.models import Department


def licence_path(instance: "Licence", filename: str) -> str:
    return f"licences/{timezone.now():%Y/%m}/{secrets.token_urlsafe(18)}.pdf"


class Licence(models.Model):
    """电子证照: the result of an approved case, held by the applicant (name and masked ID in public)."""

    class Status(models.TextChoices):
        VALID = "valid", "有效"
        REVOKED = "revoked", "已撤销"
        EXPIRED = "expired", "已过期"

    number = models.CharField("证照编号", max_length=40, unique=True)
    type_code = models.CharField("证照类型代码", max_length=40)
    name = models.CharField("证照名称", max_length=100)
    application = models.OneToOneField(Application, verbose_name="来源办件", on_delete=models.PROTECT,
                                       related_name="licence")  # fmt: skip
    department = models.ForeignKey(Department, verbose_name="发证机关", on_delete=models.PROTECT, related_name="+")
    holder_type = models.CharField("持证主体类型", max_length=12, choices=Application.ApplicantType.choices)
    holder_name = models.CharField("持证主体", max_length=100)
    holder_id_number = models.CharField("证件号码", max_length=18)
    # The account that filed the case holds the licence in its wallet (证照夹).
    holder_account = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="持证账号", on_delete=models.PROTECT, related_name="licences"
    )
    issued_at = models.DateTimeField("发证时间")
    issued_on = models.DateField("发证日期")
    valid_until = models.DateField("有效期至", null=True, blank=True)
    # 23:59:59 Asia/Shanghai of ``valid_until``: the scan expires licences past it (indexed, set-based).
    expires_at = models.DateTimeField("失效时刻", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.VALID)
    status_changed_at = models.DateTimeField("状态变更时间", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoke_reason = models.TextField("撤销理由", blank=True)
    revoke_basis = models.TextField("撤销依据", blank=True)
    pdf = models.FileField(upload_to=licence_path, max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "电子证照"
        verbose_name_plural = "电子证照"
        indexes = [
            models.Index(fields=["holder_account", "-issued_at"], name="licence_wallet"),
            models.Index(fields=["holder_id_number", "type_code"], name="licence_holder_type"),
            # the scan's expiry UPDATE reads only valid licences with an end
            models.Index(fields=["expires_at"], name="licence_expiry", condition=models.Q(status="valid")),
        ]

    def __str__(self):
        return self.number

    @property
    def is_valid(self) -> bool:
        return self.status == self.Status.VALID


class LicenceEvent(models.Model):
    """What happened to a licence: issued, rendered, used for a material (免证办, with consent), revoked,
    expired. Written by the act (or the scan) in its own transaction; never changed."""

    licence = models.ForeignKey(Licence, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")  # fmt: skip
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = "证照日志"
        verbose_name_plural = "证照日志"

    def __str__(self):
        return f"{self.licence_id} {self.action}"


class Shipment(models.Model):
    """A waybill (运单) of an express delivery (邮寄送达), created through a carrier interface."""

    class Status(models.TextChoices):
        CREATED = "created", "已下单"
        IN_TRANSIT = "in_transit", "运输中"
        DELIVERED = "delivered", "已签收"
        FAILED = "failed", "投递失败"

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="shipments")
    carrier = models.CharField("快递公司", max_length=20)
    waybill = models.CharField("运单号", max_length=40)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.CREATED)
    recipient = models.CharField("收件人", max_length=50)
    phone = models.CharField("收件电话", max_length=20)
    address = models.CharField("邮寄地址", max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    delivered_at = models.DateTimeField("签收时间", null=True, blank=True)
    signed_by = models.CharField("签收人", max_length=50, blank=True)

    class Meta:
        verbose_name = "邮寄运单"
        verbose_name_plural = "邮寄运单"
        constraints = [
            models.UniqueConstraint(fields=["carrier", "waybill"], name="unique_waybill_per_carrier"),
            # one live waybill per case: a failed one may be followed by a new one
            models.UniqueConstraint(fields=["application"], condition=~models.Q(status="failed"),
                                    name="one_live_shipment_per_case"),
        ]  # fmt: skip

    def __str__(self):
        return f"{self.carrier} {self.waybill}"


class ShipmentEvent(models.Model):
    """One tracking event reported by the carrier's signed callback; its id is unique per carrier, so
    a replayed callback changes nothing."""

    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="events")
    carrier = models.CharField(max_length=20)
    event_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=12, choices=Shipment.Status.choices)
    at = models.DateTimeField()
    location = models.CharField(max_length=100, blank=True)
    note = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        constraints = [models.UniqueConstraint(fields=["carrier", "event_id"], name="unique_carrier_event")]

    def __str__(self):
        return f"{self.shipment_id} {self.kind}"


def proof_path(instance: "DeliveryProof", filename: str) -> str:
    return f"delivery/{timezone.now():%Y/%m}/{secrets.token_urlsafe(18)}"


class DeliveryProof(models.Model):
    """送达回证 as signed: the recipient's signature drawn on screen at the window, or the scan of the
    paper receipt signed by hand. Kept with its SHA-256; a later scan does not replace an earlier one."""

    class Kind(models.TextChoices):
        SIGNATURE = "signature", "屏幕签名"
        SCAN = "scan", "回证扫描件"

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="delivery_proofs")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    recipient_name = models.CharField("签收人", max_length=50)
    file = models.FileField(upload_to=proof_path, max_length=200)
    content_type = models.CharField(max_length=50)
    sha256 = models.CharField(max_length=64)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recorded_at", "id"]
        verbose_name = "送达回证签收"
        verbose_name_plural = "送达回证签收"

    def __str__(self):
        return f"{self.application_id} {self.get_kind_display()}"
