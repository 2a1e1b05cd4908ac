"""Identity numbers: the 18-digit resident ID (GB 11643) and the unified social credit code (GB 32100).

Checked with python-stdnum; used by registration (hall) and by filing (approvals).
"""

from django.core.exceptions import ValidationError
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength
from stdnum.exceptions import ValidationError as StdnumError

REASONS = {InvalidLength: "位数不对", InvalidChecksum: "校验位不符", InvalidFormat: "格式不对"}


def clean_id_number(kind: str, number: str) -> str:
    """The number, normalised; ``kind`` is ``person`` (resident ID) or ``organisation`` (USCC)."""
    number = (number or "").strip().upper()
    try:
        return ric.validate(number) if kind == "person" else uscc.validate(number)
    except StdnumError as exc:
        label = "居民身份证号码" if kind == "person" else "统一社会信用代码"
        reason = next((text for cls, text in REASONS.items() if isinstance(exc, cls)), "无效")
        raise ValidationError(f"{label}无效（{reason}），请核对后重新输入。") from exc
