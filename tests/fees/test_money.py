"""Money at the edges: yuan typed on a form, and the capital amount (大写金额) on notices and receipts
(《支付结算办法》附一: 正确填写票据和结算凭证的基本规定)."""

import pytest

from fees.money import capital_yuan, parse_yuan


@pytest.mark.parametrize(
    ("fen", "capital"),
    [
        (12000, "壹佰贰拾元整"),
        (8000, "捌拾元整"),
        (1000, "壹拾元整"),  # 拾 is always preceded by a digit on bills
        (63000, "陆佰叁拾元整"),
        (140950, "壹仟肆佰零玖元伍角整"),  # an inner zero is written
        (600714, "陆仟零柒元壹角肆分"),  # several zeros, one 零; nothing after 分
        (1640902, "壹万陆仟肆佰零玖元零贰分"),  # 角 is zero, 分 is not: 零 after 元
        (10700053, "壹拾万柒仟元伍角叁分"),
        (100050000, "壹佰万零伍佰元整"),
        (10007000000, "壹亿零柒万元整"),
        (10000000100, "壹亿零壹元整"),
        (50, "伍角整"),
        (5, "伍分"),
        (0, "零元整"),
    ],
)
def test_capital_amounts_follow_the_rules_for_bills(fen, capital):
    assert capital_yuan(fen) == capital


@pytest.mark.parametrize("fen", [-1, 10**16])
def test_capital_amounts_out_of_range_are_refused(fen):
    with pytest.raises(ValueError):
        capital_yuan(fen)


@pytest.mark.parametrize(
    ("text", "fen"),
    [("12", 1200), ("12.5", 1250), ("12.50", 1250), (" 0.01 ", 1), ("1,200.00", 120000), ("１２．５", 1250),
     ("¥80", 8000), ("80元", 8000), ("12.", 1200), ("0", 0)],
)  # fmt: skip
def test_yuan_text_becomes_fen_exactly(text, fen):
    assert parse_yuan(text) == fen


@pytest.mark.parametrize("text", ["", None, "-1", "abc", "1e3", "NaN", "Infinity", "12.345", ".5", "1 2", "12,5.0.0",
                                  "٣", "99999999999"])  # fmt: skip
def test_anything_else_is_not_an_amount(text):
    with pytest.raises(ValueError):
        parse_yuan(text)
