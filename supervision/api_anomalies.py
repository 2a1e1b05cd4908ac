"""Anomalies API (DESIGN.md, "More of the contract"): ``GET /api/v1/supervision/anomalies`` — the conduct
the anomaly rules flagged (``supervision.rules``), newest first, for supervisors only (401 anonymous,
403 any other role). Each carries its rule's reason and legal basis and the evidence that triggered it."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.generics import GenericAPIView

from hall.models import Department
from hall.schema import CursorPagination
from hall.serializers import DepartmentRefSerializer
from supervision.anomalies import anomaly_list, evidence
from supervision.api import ERRORS, IsSupervisor
from supervision.models import Anomaly
from supervision.rules import BY_CODE


class AnomalyFilterSerializer(serializers.Serializer):
    rule = serializers.ChoiceField(choices=Anomaly.Rule.choices, required=False, allow_blank=True)
    department = serializers.CharField(required=False, allow_blank=True, max_length=20, help_text="department code")
    # ``from`` is a Python keyword: the field is declared under its query-parameter name below.
    to = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="detected on or before (YYYY-MM-DD)"
    )

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = serializers.DateField(
            required=False, allow_null=True, default=None, help_text="detected on or after (YYYY-MM-DD, hall time)"
        )
        return fields

    def validate_department(self, code: str) -> str:
        if code and not Department.objects.filter(code=code).exists():
            raise serializers.ValidationError("没有这个部门。")
        return code

    def validate(self, data):
        if data.get("from") and data.get("to") and data["from"] > data["to"]:
            raise serializers.ValidationError({"to": ["结束日期不能早于开始日期。"]})
        return data


class EvidenceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["event", "payment", "assessment", "notice", "rating", "case"])
    kind_label = serializers.CharField()
    id = serializers.IntegerField(allow_null=True)
    at = serializers.DateTimeField(allow_null=True)
    summary = serializers.CharField()
    case_number = serializers.CharField(allow_null=True)
    amount_fen = serializers.IntegerField(allow_null=True, help_text="payments and assessed lines")
    standard_fen = serializers.IntegerField(allow_null=True, help_text="assessed lines: the published standard")
    quantity = serializers.IntegerField(allow_null=True)


class WindowRefSerializer(serializers.Serializer):
    number = serializers.CharField()
    name = serializers.CharField()


class AnomalySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    rule = serializers.ChoiceField(choices=Anomaly.Rule.choices)
    rule_label = serializers.CharField(source="get_rule_display")
    reason = serializers.SerializerMethodField()
    law = serializers.SerializerMethodField()
    case_number = serializers.CharField(source="application.number", allow_null=True, default=None)
    department = DepartmentRefSerializer()
    actor = serializers.CharField(source="actor.real_name", allow_null=True, default=None, help_text="who acted")
    window = WindowRefSerializer(allow_null=True)
    occurred_at = serializers.DateTimeField(help_text="the latest act among the evidence")
    detected_at = serializers.DateTimeField()
    evidence = serializers.SerializerMethodField()

    def get_reason(self, anomaly) -> str:
        return BY_CODE[anomaly.rule].reason

    def get_law(self, anomaly) -> str:
        return BY_CODE[anomaly.rule].law

    @extend_schema_field(EvidenceSerializer(many=True))
    def get_evidence(self, anomaly):
        return EvidenceSerializer(evidence(anomaly), many=True).data


class AnomalyPagination(CursorPagination):
    """Newest first, along the ``(-detected_at, -id)`` indexes."""

    ordering = ("-detected_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class AnomalyListView(GenericAPIView):
    """Anomalies (异常行为): conduct, not a clock — decided too fast, suspended once overdue, handled off
    the system, fees off the standard, bad ratings clustering on a window … (docs/supervision.md,
    "Anomaly rules"). Filters: ``rule``, ``department`` (code), ``from``/``to`` (days detected)."""

    permission_classes = [IsSupervisor]
    pagination_class = AnomalyPagination
    serializer_class = AnomalySerializer

    @extend_schema(parameters=[AnomalyFilterSerializer], responses={200: AnomalySerializer(many=True), **ERRORS})
    def get(self, request):
        filters = AnomalyFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        rows = anomaly_list(rule=data.get("rule", ""), department=data.get("department", ""), start=data.get("from"),
                            end=data.get("to"))  # fmt: skip
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(AnomalySerializer(page, many=True).data)
