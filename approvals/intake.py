"""Validation of what an applicant files: identity numbers (GB 11643, GB 32100) and the item's form."""

import math
import re
from datetime import date

from django.core.exceptions import ValidationError

from catalog.models import FormField, ItemVersion
from hall.identity import clean_id_number
from hall.models import mobile_validator

# The number fields of item forms hold amounts (元), areas (m², 亩), lengths and counts: never negative,
# and nothing a hall handles comes near a trillion (issue 12, point 5: −5 元, −1 m², 1e300 were accepted).
NUMBER_MAX = 10**12
DECIMAL = re.compile(r"[+-]?(\d{1,30}(\.\d{0,30})?|\.\d{1,30})([eE][+-]?\d{1,4})?")


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


def _clean_number(value) -> int | float:
    """A form number by its meaning: finite, not negative, at most ``NUMBER_MAX``; ``true`` is not a number."""
    if isinstance(value, bool):
        raise ValidationError("请输入数字。")
    text = str(value).strip()
    if not isinstance(value, float) and not DECIMAL.fullmatch(text):
        raise ValidationError("请输入数字。")
    try:
        number = float(text) if isinstance(value, float) or any(c in text for c in ".eE") else int(text)
    except (TypeError, ValueError, OverflowError):
        raise ValidationError("请输入数字。") from None
    if not math.isfinite(number):
        raise ValidationError("请输入有限的数值。")
    if number < 0:
        raise ValidationError("数值不能为负数（金额、面积、数量均不小于 0）。")
    if number > NUMBER_MAX:
        raise ValidationError(f"数值过大（不超过 {NUMBER_MAX:,}）。")
    return number


def _clean_value(field: FormField, value):
    if isinstance(value, dict | list | tuple):
        raise ValidationError("请填写单个值。")
    if field.type == FormField.Type.NUMBER:
        return _clean_number(value)
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
