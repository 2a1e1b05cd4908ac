"""Response shapes of the 一件事 public progress (``GET /api/v1/progress`` with a bundle number or a
sub-case number), kept apart from ``approvals.bundle_api`` so that ``approvals.api`` can name them."""

from rest_framework import serializers

from approvals import serializers as case_serializers
from approvals.bundle_selectors import STATUS_NAMES
from hall.schema import AnyOfSerializer


class ProgressDataSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=list(STATUS_NAMES))
    status_name = serializers.CharField()
    total = serializers.IntegerField()
    finished = serializers.IntegerField(help_text="decided, or closed without a decision")
    decided = serializers.IntegerField()


class BundleProgressSummarySerializer(serializers.Serializer):
    number = serializers.CharField()
    name = serializers.CharField()
    progress = ProgressDataSerializer()


class SubCaseProgressSerializer(case_serializers.ProgressSerializer):
    """A case's public progress; a sub-case of a bundle also says its bundle's progress."""

    bundle = BundleProgressSummarySerializer(required=False, help_text="only for a sub-case of a 一件事")


class PublicSubCaseSerializer(case_serializers.ProgressSerializer):
    item_code = serializers.CharField(source="item.code")


class PublicBundleProgressSerializer(serializers.Serializer):
    """Public progress of a bundle (办件进度查询 by the bundle number and query code): no personal data."""

    number = serializers.CharField()
    kind = serializers.CharField(help_text="always bundle")
    bundle_name = serializers.CharField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    accepted_at = serializers.DateTimeField(allow_null=True)
    done_at = serializers.DateTimeField(allow_null=True)
    progress = ProgressDataSerializer()
    sub_cases = PublicSubCaseSerializer(many=True)


PROGRESS_RESPONSE = AnyOfSerializer(
    "ProgressResponse",
    [case_serializers.ProgressSerializer, SubCaseProgressSerializer, PublicBundleProgressSerializer],
)
