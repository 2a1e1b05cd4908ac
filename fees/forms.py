"""Forms of the staff fee pages: the assessment (核定收费) and the collection window (收费窗口).

The forms only parse what a browser sends (a tick, a quantity, yuan text); the rules of art. 58/59
(published standards only, fixed amounts, quantity limits, one payment of the whole amount) stay in
``fees.services``, whose ``ValidationError`` keys (``lines.<n>.<field>``, ``amount_fen``) come back
onto the field they belong to.
"""

from django import forms
from django.core.exceptions import ValidationError

from fees.models import Payment
from fees.money import parse_yuan
from fees.services import MAX_QUANTITY, MAX_RULE_AMOUNT_FEN, yuan

AMOUNT_ERROR = "请填写金额（元），如 120 或 120.50：不能为负数，最多两位小数。"


def _text(label: str, max_length: int, **attrs) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, max_length=max_length, widget=forms.TextInput(attrs=attrs),
        error_messages={"max_length": f"不超过 {max_length} 个字符。"},
    )  # fmt: skip


class AssessForm(forms.Form):
    """One row per published fee standard of the case's item version: 收取 (tick); a quantity for a
    fixed amount, or the assessed amount in yuan and its calculation for a rule (``amount_fen`` None)."""

    def __init__(self, data=None, *, standards, assessment=None, **kwargs):
        super().__init__(data, **kwargs)
        self.standards = list(standards)
        current = {line.standard_id: line for line in assessment.lines.all()} if assessment else {}
        for standard in self.standards:
            pk, line = standard.pk, current.get(standard.pk)
            self.fields[f"charge_{pk}"] = forms.BooleanField(label="收取", required=False, initial=line is not None)
            if standard.amount_fen is not None:
                self.fields[f"quantity_{pk}"] = _text("数量", 4, inputmode="numeric", size=4, **{"class": "qty"})
                self.initial[f"quantity_{pk}"] = line.quantity if line else 1
            else:
                self.fields[f"amount_{pk}"] = _text("核定金额（元）", 16, inputmode="decimal", size=10)
                self.fields[f"note_{pk}"] = _text("计算说明", 200)
                if line:
                    self.initial[f"amount_{pk}"] = yuan(line.amount_fen)
                    self.initial[f"note_{pk}"] = line.note
        self.charged: list[int] = []  # standard ids in the order of the service's ``lines``

    def clean(self):
        cleaned = super().clean()
        lines = []
        for standard in self.standards:
            pk = standard.pk
            if not cleaned.get(f"charge_{pk}"):
                continue
            line = {"standard_id": pk, "quantity": 1, "amount_fen": None, "note": ""}
            if standard.amount_fen is not None:
                raw = (cleaned.get(f"quantity_{pk}") or "").strip() or "1"
                if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_QUANTITY:
                    self.add_error(f"quantity_{pk}", f"数量须为 1 至 {MAX_QUANTITY} 的整数。")
                    continue
                line["quantity"] = int(raw)
            else:
                try:
                    line["amount_fen"] = parse_yuan(cleaned.get(f"amount_{pk}"))
                except ValueError:
                    self.add_error(f"amount_{pk}", AMOUNT_ERROR)
                    continue
                if not 0 < line["amount_fen"] <= MAX_RULE_AMOUNT_FEN:
                    self.add_error(f"amount_{pk}", f"核定金额须大于 0 元、不超过 {yuan(MAX_RULE_AMOUNT_FEN)} 元。")
                    continue
                line["note"] = (cleaned.get(f"note_{pk}") or "").strip()
            lines.append(line)
        if not lines and not self.errors:
            raise ValidationError("请至少勾选一项收费标准。")
        self.charged = [line["standard_id"] for line in lines]
        cleaned["lines"] = lines
        return cleaned

    def field_for(self, key: str) -> str | None:
        """The form field of a service error key: ``lines.<n>.quantity`` → ``quantity_<standard id>``."""
        parts = key.split(".")
        if len(parts) != 3 or parts[0] != "lines" or not parts[1].isdecimal() or int(parts[1]) >= len(self.charged):
            return None
        pk = self.charged[int(parts[1])]
        name = {"standard_id": "charge", "quantity": "quantity", "amount_fen": "amount", "note": "note"}.get(parts[2])
        field = f"{name}_{pk}" if name else None
        return field if field in self.fields else f"charge_{pk}"

    def apply_service_errors(self, exc: ValidationError) -> None:
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc.messages)
            return
        for key, messages in exc.message_dict.items():
            field = self.field_for(key)
            if field is not None and field not in self.errors:
                self.add_error(field, messages)
            elif field is None:
                self.add_error(None, messages)

    def rows(self) -> list[dict]:
        """Per standard, its bound fields and every error that belongs next to it."""
        out = []
        for standard in self.standards:
            pk = standard.pk
            names = [f"{p}_{pk}" for p in ("charge", "quantity", "amount", "note") if f"{p}_{pk}" in self.fields]
            bound = {name.split("_")[0]: self[name] for name in names}
            errors = [e for name in names for e in self.errors.get(name, [])]
            out.append({"standard": standard, "errors": errors, **bound})
        return out


CHANNELS = [(c.value, c.label) for c in (Payment.Channel.CASH, Payment.Channel.CARD, Payment.Channel.QR)]


class SearchForm(forms.Form):
    q = forms.CharField(
        label="缴款码、办件编号或扫码", max_length=300, required=True,
        error_messages={"required": "请输入缴款码或办件编号。", "max_length": "不超过 300 个字符。"},
    )  # fmt: skip

    def query(self) -> str:
        return "".join(self.cleaned_data["q"].split())


class CollectForm(forms.Form):
    """收款: the whole outstanding amount, by cash, card or QR code (the service checks the amount)."""

    payment_code = forms.CharField(widget=forms.HiddenInput, max_length=40)
    channel = forms.ChoiceField(
        label="缴费方式", choices=CHANNELS, widget=forms.RadioSelect, error_messages={
            "required": "请选择缴费方式。", "invalid_choice": "请选择现金、银行卡或扫码支付。"},
    )  # fmt: skip
    amount = forms.CharField(
        label="实收金额（元）", max_length=16, error_messages={"required": "请填写实收金额。"},
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 12}),
    )  # fmt: skip

    def clean_amount(self) -> int:
        try:
            return parse_yuan(self.cleaned_data["amount"])
        except ValueError:
            raise ValidationError(AMOUNT_ERROR) from None

    def apply_service_errors(self, exc: ValidationError) -> None:
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc.messages)
            return
        fields = {"amount_fen": "amount", "channel": "channel"}
        for key, messages in exc.message_dict.items():
            self.add_error(fields.get(key), messages)


class TillCloseForm(forms.Form):
    """日结: what the till holds, counted by the cashier (yuan)."""

    cash = forms.CharField(label="现金实点（元）", max_length=16, initial="0")
    card = forms.CharField(label="银行卡（元）", max_length=16, initial="0")
    qr = forms.CharField(label="扫码支付（元）", max_length=16, initial="0")
    note = forms.CharField(label="说明", max_length=200, required=False)

    def _yuan(self, name: str) -> int:
        try:
            return parse_yuan(self.cleaned_data[name])
        except ValueError:
            raise ValidationError(AMOUNT_ERROR) from None

    def clean_cash(self) -> int:
        return self._yuan("cash")

    def clean_card(self) -> int:
        return self._yuan("card")

    def clean_qr(self) -> int:
        return self._yuan("qr")

    def amounts(self) -> dict:
        return {"cash_fen": self.cleaned_data["cash"], "card_fen": self.cleaned_data["card"],
                "qr_fen": self.cleaned_data["qr"]}  # fmt: skip
