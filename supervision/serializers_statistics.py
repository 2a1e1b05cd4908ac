"""Shapes of the statistics and scores API (DESIGN.md, "More of the contract": ``/statistics``,
``/scores``); every figure is defined in docs/supervision.md, "Statistics"."""

from datetime import timedelta

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from hall.models import Department
from hall.serializers import DepartmentRefSerializer
from supervision.api_anomalies import WindowRefSerializer
from supervision.statistics import LEVELS

MAX_RANGE_DAYS = 731  # two years: a year against the year before


class StatisticsFilterSerializer(serializers.Serializer):
    department = serializers.CharField(required=False, allow_blank=True, max_length=20, help_text="department code")
    level = serializers.ChoiceField(choices=list(LEVELS), required=False, allow_blank=True,
                                    help_text="district (县区级) or township (乡镇街道级)")  # fmt: skip

    def validate_department(self, value: str) -> str:
        if value and not Department.objects.filter(code=value).exists():
            raise serializers.ValidationError("没有这个部门。")
        return value

    def validate(self, attrs):
        first, last = attrs.get("from"), attrs.get("to")
        if first and last and first > last:
            raise serializers.ValidationError({"to": ["结束日期不能早于开始日期。"]})
        if first and last and last - first > timedelta(days=MAX_RANGE_DAYS):
            raise serializers.ValidationError({"to": [f"统计区间最长 {MAX_RANGE_DAYS} 天。"]})
        return attrs


# ``from`` is a Python keyword: the range fields are declared after the class.
StatisticsFilterSerializer._declared_fields["from"] = serializers.DateField(
    required=True, help_text="first day (YYYY-MM-DD, Asia/Shanghai)"
)
StatisticsFilterSerializer._declared_fields["to"] = serializers.DateField(
    required=True, help_text="last day, included (YYYY-MM-DD, Asia/Shanghai)"
)


def _rate(text: str):
    return serializers.FloatField(allow_null=True, help_text=f"{text}; 0–1, null when nothing to divide by")


class FiguresSerializer(serializers.Serializer):
    received = serializers.IntegerField(help_text="收件: first submitted in the range")
    online = serializers.IntegerField(help_text="of those, filed online")
    accepted = serializers.IntegerField(help_text="受理: legal acceptance day in the range (deemed: the receipt day)")
    deemed = serializers.IntegerField(help_text="of those, deemed accepted (视为受理, art. 32)")
    finished = serializers.IntegerField(help_text="办结: decided in the range")
    approved = serializers.IntegerField()
    denied = serializers.IntegerField(help_text="不予 decisions")
    timed = serializers.IntegerField(help_text="finished cases with a decision due instant")
    on_time = serializers.IntegerField(help_text="decided by decision_due (special procedures not counted)")
    instant = serializers.IntegerField(help_text="即办件 finished (committed limit 0)")
    corrections = serializers.IntegerField(help_text="correction rounds of the finished cases")
    measured = serializers.IntegerField(help_text="finished cases with working_days_used")
    days_used = serializers.IntegerField()
    days_committed = serializers.IntegerField()
    delivered = serializers.IntegerField(help_text="送达 in the range")
    no_visit = serializers.IntegerField(help_text="不见面: delivered, filed online, result by post or electronically")
    completion_rate = _rate("finished / accepted")
    on_time_rate = _rate("on_time / timed")
    online_share = _rate("online / received (goal 0.8)")
    instant_share = _rate("instant / finished")
    no_visit_share = _rate("no_visit / delivered")
    corrections_per_case = serializers.FloatField(allow_null=True)
    avg_days_used = serializers.FloatField(allow_null=True)
    avg_days_committed = serializers.FloatField(allow_null=True)


class DepartmentLevelSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.CharField()


class DepartmentStatisticsSerializer(FiguresSerializer):
    department = DepartmentLevelSerializer()


class LevelStatisticsSerializer(FiguresSerializer):
    level = serializers.ChoiceField(choices=list(LEVELS))
    label = serializers.CharField()


class ItemStatisticsSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    department = serializers.CharField()
    cases = serializers.IntegerField()
    avg_days_used = serializers.FloatField(allow_null=True)
    p90_days_used = serializers.IntegerField(allow_null=True, help_text="90th percentile (nearest rank)")
    avg_days_committed = serializers.FloatField(allow_null=True)


class PointSerializer(serializers.Serializer):
    period = serializers.CharField(help_text="YYYY-MM-DD or YYYY-MM")
    received = serializers.IntegerField()
    finished = serializers.IntegerField()


class SeriesSerializer(serializers.Serializer):
    unit = serializers.ChoiceField(choices=["day", "month"])
    points = PointSerializer(many=True)


class ThreeFiveFiftySerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    target_days = serializers.IntegerField()
    items = serializers.ListField(child=serializers.CharField())
    cases = serializers.IntegerField()
    avg_days = serializers.FloatField(allow_null=True, help_text="working days from first filing to approval")
    max_days = serializers.IntegerField(allow_null=True)
    within_target = serializers.IntegerField()
    within_target_share = serializers.FloatField(allow_null=True)


class VisitorsSerializer(serializers.Serializer):
    available = serializers.BooleanField()
    source = serializers.CharField()
    total = serializers.IntegerField(allow_null=True)
    per_day = serializers.FloatField(allow_null=True, help_text="per working day of the range")


class BundleFiguresSerializer(serializers.Serializer):
    received = serializers.IntegerField(help_text="一件事 submitted in the range (led by the department, if given)")
    done = serializers.IntegerField(help_text="一件事 whose last sub-case was decided in the range")


class StatisticsSerializer(serializers.Serializer):
    to = serializers.DateField()
    department = serializers.CharField(allow_null=True)
    level = serializers.CharField(allow_null=True)
    online_goal = serializers.FloatField()
    total = FiguresSerializer()
    levels = LevelStatisticsSerializer(many=True)
    departments = DepartmentStatisticsSerializer(many=True)
    items = ItemStatisticsSerializer(many=True)
    series = SeriesSerializer()
    three_five_fifty = ThreeFiveFiftySerializer(many=True)
    visitors = VisitorsSerializer()
    bundles = BundleFiguresSerializer()


StatisticsSerializer._declared_fields["from"] = serializers.DateField()


class MonthSerializer(serializers.Serializer):
    month = serializers.RegexField(r"^2\d{3}-(0[1-9]|1[0-2])$", help_text="YYYY-MM (2000 or later)",
                                   error_messages={"invalid": "请按 YYYY-MM 填写月份。"})  # fmt: skip


class ScorePartSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    weight = serializers.FloatField()
    points = serializers.DecimalField(max_digits=6, decimal_places=2)
    basis = serializers.CharField(help_text="what was counted")


class ScoreRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    department = DepartmentRefSerializer()
    window = WindowRefSerializer(allow_null=True)
    total = serializers.DecimalField(max_digits=6, decimal_places=2)
    parts = ScorePartSerializer(many=True)


class ScoreVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    reason = serializers.CharField()
    published_at = serializers.DateTimeField()
    published_by = serializers.CharField(source="published_by__real_name")


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2026-11"})
class MonthField(serializers.Field):
    """A month as ``YYYY-MM`` (read only)."""

    def to_representation(self, value):
        return f"{value:%Y-%m}"


class ScoresSerializer(serializers.Serializer):
    month = MonthField()
    published = serializers.BooleanField(help_text="false: a live preview of a month not yet closed")
    version = serializers.IntegerField(allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)
    reason = serializers.CharField(help_text="why this version corrects the previous one; empty for version 1")
    formula = serializers.JSONField(help_text="the parts in order, [{key, label, weight, …}], as computed with")
    versions = ScoreVersionSerializer(many=True)
    departments = ScoreRowSerializer(many=True, source="department")
    windows = ScoreRowSerializer(many=True, source="window")
