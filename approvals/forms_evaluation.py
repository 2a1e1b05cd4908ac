"""The rating form of the portal's case page (好差评, "一事一评").

The form bounds what a browser may send (a level among the five, a comment the column holds) and asks
for a comment on a bad rating; ``approvals.evaluation.evaluate_service`` decides the rest and its
``ValidationError`` is put back next to the fields.
"""

from django import forms
from django.core.exceptions import ValidationError

from approvals.evaluation import COMMENT_MAX, COMMENT_REQUIRED, ONLINE_INDICATORS
from approvals.models import Evaluation


def stars(level: int) -> str:
    """☆5 → ☆1 as five stars, the given ones filled: 3 → ★★★☆☆."""
    level = max(0, min(5, int(level)))
    return "★" * level + "☆" * (5 - level)


class StarRadioSelect(forms.RadioSelect):
    """Radio buttons whose options also carry their stars (``radio.data.stars`` in the template)."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        option["stars"] = stars(value) if str(value).isdecimal() else ""
        return option


class EvaluationForm(forms.Form):
    stage = forms.ChoiceField(
        choices=[(Evaluation.Stage.ACCEPTANCE, "受理"), (Evaluation.Stage.RESULT, "办结")], initial="deliver",
        required=False, widget=forms.HiddenInput,
    )  # fmt: skip
    level = forms.TypedChoiceField(
        label="满意程度",
        choices=Evaluation.Level.choices,
        coerce=int,
        widget=StarRadioSelect,
        error_messages={"required": "请选择满意程度。", "invalid_choice": "请从五个等级中选择满意程度。"},
    )
    comment = forms.CharField(
        label="文字评价",
        required=False,
        max_length=COMMENT_MAX,
        help_text="选择“不满意”或“非常不满意”时必填，请写明原因，我们将核实整改并回访。",
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": COMMENT_MAX}),
        error_messages={"max_length": f"文字评价不超过 {COMMENT_MAX} 字。"},
    )
    tags = forms.MultipleChoiceField(
        label="评价指标（可多选）", required=False, choices=list(ONLINE_INDICATORS.items()),
        widget=forms.CheckboxSelectMultiple,
        help_text="国家好差评指标：您的评价主要针对哪些方面。",
        error_messages={"invalid_choice": "请从列出的评价指标中选择。"},
    )  # fmt: skip

    def clean(self):
        data = super().clean()
        level, comment = data.get("level"), data.get("comment")
        bad = level is not None and level <= Evaluation.Level.DISSATISFIED
        if bad and not comment and "comment" not in self.errors:
            self.add_error("comment", COMMENT_REQUIRED)
        return data

    def add_service_errors(self, error: ValidationError) -> None:
        """The service's errors by field (``level``, ``comment``); anything else above the form."""
        messages = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
        for key, texts in messages.items():
            self.add_error(key if key in self.fields else None, texts)
