"""Validation of what an applicant files: identity numbers (GB 11643, GB 32100) and the item's form."""

import math
import re
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from catalog.models import FormField, ItemVersion, plain_number
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


def _clean_number(value, *, allow_negative: bool = False) -> int | float:
    """A form number by its meaning: finite, not negative (unless the field's minimum is), at most
    ``NUMBER_MAX`` in size; ``true`` is not a number."""
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
    if number < 0 and not allow_negative:
        raise ValidationError("数值不能为负数（金额、面积、数量均不小于 0）。")
    if abs(number) > NUMBER_MAX:
        raise ValidationError(f"数值过大（不超过 {NUMBER_MAX:,}）。")
    return number


def _in_range(field: FormField, number: int | float) -> None:
    """The field's own range and decimals (catalog ``FormField``), on top of ``_clean_number``'s bounds."""
    low = field.min_value if field.min_value is not None else 0
    if number < low:
        raise ValidationError(f"{field.label}不能小于 {plain_number(low)}。")
    if field.max_value is not None and number > field.max_value:
        raise ValidationError(f"{field.label}不能大于 {plain_number(field.max_value)}。")
    if field.decimal_places is not None:
        places = max(0, -Decimal(str(number)).normalize().as_tuple().exponent)  # finite: an int exponent
        if places > field.decimal_places:
            places_message = f"最多保留 {field.decimal_places} 位小数。" if field.decimal_places else "请输入整数。"
            raise ValidationError(places_message)


def _clean_date(field: FormField, value) -> str:
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError("请输入 YYYY-MM-DD 格式的日期。") from None
    today = timezone.localdate()
    if field.date_rule == FormField.DateRule.NOT_FUTURE and day > today:
        raise ValidationError(f"{field.label}不能晚于今天（{today:%Y-%m-%d}）。")
    if field.date_rule == FormField.DateRule.NOT_PAST and day < today:
        raise ValidationError(f"{field.label}不能早于今天（{today:%Y-%m-%d}）。")
    return day.isoformat()


def _clean_value(field: FormField, value):
    if isinstance(value, dict | list | tuple):
        raise ValidationError("请填写单个值。")
    if field.type == FormField.Type.NUMBER:
        number = _clean_number(value, allow_negative=field.min_value is not None and field.min_value < 0)
        _in_range(field, number)
        return number
    if field.type == FormField.Type.DATE:
        return _clean_date(field, value)
    value = str(value).strip()
    if len(value) > 2000:
        raise ValidationError("内容过长（不超过 2000 字）。")
    if field.type == FormField.Type.CHOICE and value not in field.choices:
        raise ValidationError(f"请从 {'、'.join(field.choices)} 中选择。")
    if field.type == FormField.Type.PHONE:
        mobile_validator(value)
    if field.type == FormField.Type.ID_NUMBER:
        value = clean_id_number("person", value)
    if field.type == FormField.Type.CREDIT_CODE:
        value = clean_id_number("organisation", value)
    if field.pattern and not re.fullmatch(field.pattern, value):
        raise ValidationError(f"{field.label}格式不正确：应为{field.pattern_message}。")
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
