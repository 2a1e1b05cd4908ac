"""The rating shapes of the approvals API (好差评, "一事一评").

The request body checks types only; ``approvals.evaluation.evaluate_service`` checks the level (1..5),
the comment a bad rating needs and the channel, and answers 400 with ``fields`` from there.
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from approvals.evaluation import COMMENT_MAX
from approvals.models import Evaluation


class FollowUpSerializer(serializers.Serializer):
    """差评整改 as the rater sees it: state, due dates, when verified, the rectification result."""

    state = serializers.CharField()
    state_label = serializers.CharField(source="get_state_display")
    verify_due = serializers.DateTimeField()
    rectify_due = serializers.DateTimeField()
    verified_at = serializers.DateTimeField(allow_null=True)
    rectified_at = serializers.DateTimeField(allow_null=True)
    result = serializers.CharField()


class EvaluationSerializer(serializers.Serializer):
    """A given rating: ``level`` 5 非常满意 … 1 非常不满意 (GB/T 39046 表9), ``channel`` 评价渠道, ``stage``
    受理 (accept) or 办结 (deliver), ``tags`` the national indicators of its channel."""

    id = serializers.IntegerField()
    stage = serializers.CharField()
    level = serializers.IntegerField(min_value=1, max_value=5)
    level_label = serializers.CharField(source="get_level_display")
    comment = serializers.CharField()
    channel = serializers.ChoiceField(choices=Evaluation.Channel.choices)
    tags = serializers.ListField(child=serializers.CharField())
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    follow_up = serializers.SerializerMethodField()

    @extend_schema_field(FollowUpSerializer(allow_null=True))
    def get_follow_up(self, evaluation):
        follow_up = getattr(evaluation, "follow_up", None)
        return FollowUpSerializer(follow_up).data if follow_up is not None else None


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
    stage = serializers.CharField(
        required=False, default=Evaluation.Stage.RESULT, max_length=10,
        help_text="评价环节: accept (受理, once accepted) or deliver (办结, once delivered; default)",
    )  # fmt: skip
    tags = serializers.ListField(
        child=serializers.CharField(max_length=30), required=False, max_length=10,
        help_text="national indicators: online efficiency, guide, convenience, operability;"
        " at the hall service_efficiency, service_level, attitude",
    )  # fmt: skip
