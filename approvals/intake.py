"""Validation of what an applicant files: identity numbers (GB 11643, GB 32100) and the item's form."""

import math
from datetime import date

from django.core.exceptions import ValidationError

from catalog.models import FormField, ItemVersion
from hall.identity import clean_id_number
from hall.models import mobile_validator


def required_text(text, field: str, message: str) -> str:
    """Stripped text, or a ValidationError on ``field`` when empty (reasons the law requires)."""
    text = str(text or "").strip()
    if not text:
        raise ValidationError({field: [message]})
    return text


def clean_party(data: dict, *, prefix: str, person_only: bool = False) -> dict:
    """Applicant or agent details; errors keyed ``applicant.id_number`` etc."""
    errors = {}
    kind = "person" if person_only else data.get("type")
    if kind not in ("person", "organisation"):
        errors[f"{prefix}.type"] = ["须为 person 或 organisation。"]
    name = str(data.get("name") or "").strip()
    longest = 50 if person_only else 100
    if not name or len(name) > longest:
        errors[f"{prefix}.name"] = [f"请填写姓名或名称（不超过 {longest} 字）。"]
    phone = str(data.get("phone") or "").strip()
    try:
        mobile_validator(phone)
    except ValidationError as exc:
        errors[f"{prefix}.phone"] = exc.messages
    id_number = ""
    if kind in ("person", "organisation"):
        try:
            id_number = clean_id_number(kind, str(data.get("id_number") or ""))
        except ValidationError as exc:
            errors[f"{prefix}.id_number"] = exc.messages
    address = str(data.get("address") or "").strip()[:200]
    if errors:
        raise ValidationError(errors)
    return {"type": kind, "name": name, "id_number": id_number, "phone": phone, "address": address}


def _clean_value(field: FormField, value):
    if isinstance(value, dict | list | tuple):
        raise ValidationError("请填写单个值。")
    if field.type == FormField.Type.NUMBER:
        try:
            number = float(value) if "." in str(value) or "e" in str(value).lower() else int(value)
        except (TypeError, ValueError, OverflowError):
            raise ValidationError("请输入数字。") from None
        if not math.isfinite(number) or abs(number) > 1e15:
            raise ValidationError("数值超出范围。")
        return number
    if field.type == FormField.Type.DATE:
        try:
            return date.fromisoformat(str(value)).isoformat()
        except ValueError:
            raise ValidationError("请输入 YYYY-MM-DD 格式的日期。") from None
    value = str(value).strip()
    if len(value) > 2000:
        raise ValidationError("内容过长（不超过 2000 字）。")
    if field.type == FormField.Type.CHOICE and value not in field.choices:
        raise ValidationError(f"请从 {'、'.join(field.choices)} 中选择。")
    if field.type == FormField.Type.PHONE:
        mobile_validator(value)
    if field.type == FormField.Type.ID_NUMBER:
        value = clean_id_number("person", value)
    return value


def clean_form(version: ItemVersion, data) -> dict:
    """The item version's application form: required fields present, types right, unknown keys refused."""
    if not isinstance(data, dict):
        raise ValidationError({"form": ["申请表须为对象。"]})
    fields = {f.name: f for f in version.fields.all()}
    errors, cleaned = {}, {}
    for name in data:
        if name not in fields:
            errors[f"form.{name}"] = ["本事项申请表没有这个字段。"]
    for name, field in fields.items():
        value = data.get(name)
        if value in (None, ""):
            if field.required:
                errors[f"form.{name}"] = [f"请填写{field.label}。"]
            continue
        try:
            cleaned[name] = _clean_value(field, value)
        except ValidationError as exc:
            errors[f"form.{name}"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return cleaned
