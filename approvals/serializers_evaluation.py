"""The rating shapes of the approvals API (好差评, "一事一评").

The request body checks types only; ``approvals.evaluation.evaluate_service`` checks the level (1..5),
the comment a bad rating needs and the channel, and answers 400 with ``fields`` from there.
"""

from rest_framework import serializers

from approvals.evaluation import COMMENT_MAX
from approvals.models import Evaluation


class EvaluationSerializer(serializers.Serializer):
    """A given rating: ``level`` 5 非常满意 … 1 非常不满意 (GB/T 39046 表9), ``channel`` 评价渠道."""

    level = serializers.IntegerField(min_value=1, max_value=5)
    level_label = serializers.CharField(source="get_level_display")
    comment = serializers.CharField()
    channel = serializers.ChoiceField(choices=Evaluation.Channel.choices)
    created_at = serializers.DateTimeField()


class EvaluationInSerializer(serializers.Serializer):
    level = serializers.IntegerField(help_text="5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意")
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=COMMENT_MAX, trim_whitespace=True,
        help_text="文字评价; required for level 1 and 2",
    )  # fmt: skip
    channel = serializers.CharField(
        required=False, default=Evaluation.Channel.PC, max_length=10,
        help_text="评价渠道: pc, mobile, qr, tablet or other (default pc)",
    )  # fmt: skip
