"""Delivery records (送达): the waybill booked with a courier, and the 送达回证 as the recipient signed it
(on screen at the window, or a scan of the paper receipt). Helpers of the acts in ``approvals.services``
(``deliver_result``, ``dispatch_by_express``) and the user action ``record_delivery_receipt``."""

import base64
import binascii
import hashlib

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from approvals import carriers
from approvals.intake import required_text
from approvals.materials import check_upload
from approvals.models import Application, DeliveryProof, Shipment, State
from approvals.scope import is_staff_of, locked_case
from hall import audit
from hall.errors import Conflict, NotPermitted, TransitionNotAllowed
from hall.models import User
from hall.roles import Role

PNG_PREFIX = "data:image/png;base64,"
MAX_SIGNATURE_BYTES = 512 * 1024
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def clean_signature(signature: str, recipient_name: str) -> tuple[bytes, str]:
    """The drawn signature (a PNG data URL from the signing pad) and who signed; 400 by field otherwise."""
    errors = {}
    data = b""
    text = str(signature or "")
    if not text.startswith(PNG_PREFIX) or len(text) > MAX_SIGNATURE_BYTES * 4 // 3 + 100:
        errors["signature"] = ["签名须为屏幕签名板生成的 PNG 图像。"]
    else:
        try:
            data = base64.b64decode(text[len(PNG_PREFIX) :], validate=True)
        except (binascii.Error, ValueError):
            data = b""
        if not data.startswith(PNG_MAGIC):
            errors["signature"] = ["签名图像无法识别，请重新签名。"]
    try:
        name = required_text(recipient_name, "recipient_name", "请填写签收人姓名。")[:50]
    except ValidationError as exc:
        errors.update(exc.message_dict)
        name = ""
    if errors:
        raise ValidationError(errors)
    return data, name


def keep_signature(case: Application, by: User, data: bytes, name: str) -> DeliveryProof:
    proof = DeliveryProof(
        application=case, kind=DeliveryProof.Kind.SIGNATURE, recipient_name=name, content_type="image/png",
        sha256=hashlib.sha256(data).hexdigest(), recorded_by=by,
    )  # fmt: skip
    proof.file.save("signature.png", ContentFile(data), save=False)
    proof.save()
    return proof


def book(case: Application, by: User, carrier_name: str) -> Shipment:
    """The waybill for the address the applicant chose (inside the dispatch act's transaction)."""
    carrier = carriers.get(carrier_name)
    try:
        waybill = carrier.create_waybill(reference=case.number, recipient=case.delivery_recipient,
                                         phone=case.delivery_phone, address=case.delivery_address)  # fmt: skip
    except carriers.CarrierError as exc:
        raise Conflict(str(exc)) from None
    try:
        with transaction.atomic():
            return Shipment.objects.create(
                application=case, carrier=carrier.name, waybill=waybill, recipient=case.delivery_recipient,
                phone=case.delivery_phone, address=case.delivery_address, created_by=by,
            )  # fmt: skip
    except IntegrityError:
        raise Conflict("本件已交寄，请勿重复下单；运单投递失败后方可重新交寄。") from None


def dispatch_refused(case: Application) -> str:
    """Express through a courier: only an approved, settled result, to the address the applicant chose,
    once (a failed waybill may be followed by a new one)."""
    from approvals.rules import delivery_refused

    if case.state != State.DECIDED:
        return ""
    if refusal := delivery_refused(case):
        return refusal
    if case.decision != Application.Decision.APPROVED:
        return "不予决定的文书请直接送达，不需交寄快递。"
    if case.delivery_choice != Application.Delivery.EXPRESS or not case.delivery_address:
        return "申请人未选择邮寄送达（或未填写邮寄地址），请按申请人选择的方式送达。"
    if case.shipments.exclude(status=Shipment.Status.FAILED).exists():
        return "本件已交寄快递，等待快递公司回报签收。"
    return ""


def record_delivery_receipt(*, case_id: int, by: User, recipient_name: str, upload, ip=None) -> DeliveryProof:
    """送达回证 scan: the paper receipt signed by hand at the window (or returned by post), scanned and
    kept with its hash; a clerk of the case's department, once the result is delivered. Audited."""
    content_type, sha256 = check_upload(upload)
    name = required_text(recipient_name, "recipient_name", "请填写签收人姓名。")[:50]
    with transaction.atomic():
        case = locked_case(by, case_id)
        if not is_staff_of(by, case, Role.CLERK):
            raise NotPermitted("送达回证由本部门窗口工作人员录入。")
        if case.state != State.DELIVERED:
            raise TransitionNotAllowed("办件送达后才能上传签收的送达回证。")
        proof = DeliveryProof.objects.create(
            application=case, kind=DeliveryProof.Kind.SCAN, recipient_name=name, file=upload,
            content_type=content_type, sha256=sha256, recorded_by=by,
        )  # fmt: skip
        audit.record("approvals.delivery_receipt", case.number, actor=by, ip=ip, sha256=sha256, kind="scan")
    return proof
