"""Money as people write it: yuan text typed on a form (→ fen) and the capital amount (大写金额) of a
payment notice or receipt.

Amounts are integers in fen everywhere else (CONVENTIONS.md §4); these are the two edges where text
meets them.
"""

import re
import unicodedata
from decimal import Decimal, InvalidOperation

DIGITS = "零壹贰叁肆伍陆柒捌玖"
UNITS = ("仟", "佰", "拾", "")
SECTIONS = ("", "万", "亿", "万亿")
MAX_FEN = 10**16  # below 万亿亿: more than any fee, and SECTIONS covers it

_YUAN = re.compile(r"[0-9]{1,10}(?:\.[0-9]{0,2})?")


def parse_yuan(text) -> int:
    """Yuan as typed ("12", "12.5", "1,200.00", full-width "１２．５") → fen. Raises ``ValueError`` for
    anything else: negative, more than two decimals, exponents, NaN, empty."""
    value = unicodedata.normalize("NFKC", str(text if text is not None else "")).strip()
    value = value.replace(",", "").replace("，", "").removeprefix("¥").removesuffix("元").strip()
    if not _YUAN.fullmatch(value):
        raise ValueError(f"not an amount in yuan: {text!r}")
    try:
        amount = Decimal(value.rstrip(".") or "0")
    except InvalidOperation:  # pragma: no cover — the pattern admits only plain decimals
        raise ValueError(f"not an amount in yuan: {text!r}") from None
    return int(amount * 100)


def _four(n: int) -> str:
    """0 < n < 10000 in capitals; inner zeros collapse into one 零, trailing zeros vanish."""
    out, zero = "", False
    for unit, digit in zip(UNITS, f"{n:04d}", strict=True):
        if digit == "0":
            zero = bool(out)
            continue
        if zero:
            out, zero = out + "零", False
        out += DIGITS[int(digit)] + unit
    return out


def _integer(n: int) -> str:
    groups = []
    while n:
        n, group = divmod(n, 10000)
        groups.append(group)
    out, zero = "", False
    for index in reversed(range(len(groups))):
        group = groups[index]
        if group == 0:
            zero = bool(out)
            continue
        if out and (zero or group < 1000):  # 壹万零伍佰, 壹亿零柒万
            out += "零"
        out, zero = out + _four(group) + SECTIONS[index], False
    return out


def capital_yuan(fen: int) -> str:
    """The amount in Chinese capital numerals as written on bills (《支付结算办法》附一 正确填写票据和
    结算凭证的基本规定): 12000 → 壹佰贰拾元整, 140950 → 壹仟肆佰零玖元伍角整, 1640902 → 壹万陆仟肆佰零玖元零贰分.
    "拾" is always preceded by a digit (壹拾元整); "整" follows 元 or 角, never 分."""
    fen = int(fen)
    if not 0 <= fen < MAX_FEN:
        raise ValueError(f"amount out of range: {fen}")
    whole, cents = divmod(fen, 100)
    jiao, fen_digit = divmod(cents, 10)
    out = _integer(whole) + "元" if whole else ""
    if jiao:
        out += DIGITS[jiao] + "角"
    elif fen_digit and whole:
        out += "零"
    if fen_digit:
        return out + DIGITS[fen_digit] + "分"
    return (out or "零元") + "整"
