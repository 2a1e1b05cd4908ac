"""Shapes of the e-monitoring API (DESIGN.md, API: "warning" and "event feed item")."""

from rest_framework import serializers

from approvals.models import OPEN_STATES
from hall.serializers import DepartmentRefSerializer
from supervision.models import Warning
from supervision.selectors import WARNING_KEYS, event_cursor


class WarningFilterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Warning.Kind.choices, required=False, allow_blank=True)
    level = serializers.ChoiceField(choices=Warning.Level.choices, required=False, allow_blank=True)
    department = serializers.CharField(required=False, allow_blank=True, max_length=20, help_text="department code")
    open = serializers.ChoiceField(
        choices=["true", "false", "all"], required=False, default="true",
        help_text="true: open warnings (default); false: resolved ones; all: both",
    )  # fmt: skip


class WarningSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case_number = serializers.CharField(source="application.number")
    department = DepartmentRefSerializer()
    kind = serializers.ChoiceField(choices=Warning.Kind.choices)
    kind_label = serializers.CharField(source="get_kind_display")
    level = serializers.ChoiceField(choices=Warning.Level.choices)
    level_label = serializers.CharField(source="get_level_display")
    due_at = serializers.DateTimeField()
    raised_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)


class OpenCasesSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_state = type("OpenCasesByState", (serializers.Serializer,),
                    {str(s): serializers.IntegerField() for s in OPEN_STATES})()  # fmt: skip


class OpenWarningsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_kind_level = type("OpenWarningsByKindLevel", (serializers.Serializer,),
                         {f"{k}_{lv}": serializers.IntegerField() for k, lv in WARNING_KEYS})()  # fmt: skip


class DepartmentFiguresSerializer(serializers.Serializer):
    department = DepartmentRefSerializer()
    open_cases = serializers.IntegerField()
    overdue = serializers.IntegerField(help_text="open cases past their running legal period")
    yellow = serializers.IntegerField(help_text="open yellow warnings")
    red = serializers.IntegerField(help_text="open red warnings")


class SummarySerializer(serializers.Serializer):
    as_of = serializers.DateTimeField()
    open_cases = OpenCasesSerializer()
    open_warnings = OpenWarningsSerializer()
    overdue = serializers.IntegerField(help_text="open cases past their running legal period (not suspended)")
    departments = DepartmentFiguresSerializer(many=True)


class EventFilterSerializer(serializers.Serializer):
    after = serializers.CharField(
        required=False, allow_blank=True, max_length=18, help_text="a cursor: events strictly after it"
    )


class EventSerializer(serializers.Serializer):
    cursor = serializers.SerializerMethodField()
    at = serializers.DateTimeField()
    case_number = serializers.CharField(source="application.number")
    action = serializers.CharField()
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    actor_role = serializers.CharField()

    def get_cursor(self, event) -> str:
        return event_cursor(event.pk)


class EventPageSerializer(serializers.Serializer):
    results = EventSerializer(many=True)
    next = serializers.CharField(allow_null=True, help_text="cursor of the next page; null at the end")
