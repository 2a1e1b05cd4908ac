"""The applicant's choice of how to receive the result (送达方式): window pickup, express, electronic.

Choosing is not a transition (the state does not move), so it writes an audit entry, not an Event.
The clerk who delivers starts from this choice (行政许可法 art. 44: the licence is issued and
delivered within 10 working days of the decision).
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from approvals.intake import required_text
from approvals.models import BEFORE_DECISION, Application, State
from approvals.scope import is_staff_of, locked_case
from hall import audit
from hall.errors import NotPermitted, TransitionNotAllowed
from hall.models import User, mobile_validator
from hall.roles import Role

# Until the result has been delivered the applicant may change the choice.
CHOOSABLE_STATES = {*BEFORE_DECISION, State.DECIDED}  # approvals.workflow: every state before delivery


def may_choose_delivery(user: User, case: Application) -> bool:
    """The applicant or its agent; at the window, a clerk of the case's department records the choice."""
    if case.owner_id == user.pk or case.filed_by_id == user.pk:
        return True
    return is_staff_of(user, case, Role.CLERK)


def clean_delivery(version, method: str, recipient: str = "", phone: str = "", address: str = "") -> dict:
    """The choice checked against the item (express only where the item offers it); errors by field."""
    if method not in Application.Delivery.values:
        raise ValidationError({"method": ["请选择领取方式：窗口领取、邮寄送达或电子送达。"]})
    if method != Application.Delivery.EXPRESS:
        return {"delivery_choice": method, "delivery_recipient": "", "delivery_phone": "", "delivery_address": ""}
    if not version.channel_express:
        raise ValidationError({"method": ["本事项不提供邮寄送达，请选择窗口领取或电子送达。"]})
    errors, cleaned = {}, {"delivery_choice": method}
    for field, value, message, longest in (
        ("recipient", recipient, "请填写收件人。", 50),
        ("address", address, "请填写邮寄地址。", 200),
    ):
        try:
            text = required_text(value, field, message)
        except ValidationError as exc:
            errors.update(exc.message_dict)
            continue
        if len(text) > longest:
            errors[field] = [f"不超过 {longest} 字。"]
        cleaned[f"delivery_{field}"] = text
    phone = str(phone or "").strip()
    try:
        mobile_validator(phone)
        cleaned["delivery_phone"] = phone
    except ValidationError as exc:
        errors["phone"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return cleaned


def choose_delivery(
    *, case_id: int, by: User, method: str, recipient: str = "", phone: str = "", address: str = "", ip=None
) -> Application:
    """选择送达方式: recorded on the case until the result is delivered; the clerk delivers accordingly."""
    with transaction.atomic():
        case = locked_case(by, case_id)
        if not may_choose_delivery(by, case):
            raise NotPermitted("只有申请人本人（或其代理人）可以选择领取方式。")
        if case.state not in CHOOSABLE_STATES:
            raise TransitionNotAllowed(f"办件当前状态为“{case.get_state_display()}”，不能再更改领取方式。")
        cleaned = clean_delivery(case.item_version, method, recipient, phone, address)
        for field, value in cleaned.items():
            setattr(case, field, value)
        Application.objects.filter(pk=case.pk).update(**cleaned)
        audit.record("approvals.choose_delivery", case.number, actor=by, ip=ip, method=method)
    return case
