"""Shapes of the e-monitoring API (DESIGN.md, API: "warning" and "event feed item")."""

from rest_framework import serializers

from approvals.models import OPEN_STATES
from hall.models import Department
from hall.serializers import DepartmentRefSerializer
from supervision.models import Warning
from supervision.selectors import WARNING_KEYS


class WarningFilterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Warning.Kind.choices, required=False, allow_blank=True)
    level = serializers.ChoiceField(choices=Warning.Level.choices, required=False, allow_blank=True)
    department = serializers.CharField(required=False, allow_blank=True, max_length=20, help_text="department code")
    tier = serializers.ChoiceField(
        choices=Department.Level.choices, required=False, allow_blank=True,
        help_text="两级大厅: the level of the department (GB/T 39046 A.2): 4 district, 5 township",
    )  # fmt: skip
    open = serializers.ChoiceField(
        choices=["true", "false", "all"], required=False, allow_blank=True, default="true",
        help_text="true: open warnings (default, also when empty); false: resolved ones; all: both",
    )  # fmt: skip

    def validate_open(self, value: str) -> str:
        """``open=`` (empty, as a form leaves it) reads as the default: it is accepted, so it is documented."""
        return value or "true"

    def validate(self, attrs):
        if attrs.get("from") and attrs.get("to") and attrs["from"] > attrs["to"]:
            raise serializers.ValidationError({"to": ["结束日期不能早于开始日期。"]})
        return attrs

    def filters(self) -> dict:
        """``selectors.warning_list`` keyword arguments from the validated query."""
        data = dict(self.validated_data)
        since, until = data.pop("from", None), data.pop("to", None)
        return {**data, "since": since, "until": until}


# ``from`` and ``to`` (the day a warning was raised, as the statistics API names its range) are
# Python keywords: declared after the class.
WarningFilterSerializer._declared_fields["from"] = serializers.DateField(
    required=False, allow_null=True, help_text="raised on or after this day (YYYY-MM-DD, Asia/Shanghai)"
)
WarningFilterSerializer._declared_fields["to"] = serializers.DateField(
    required=False, allow_null=True, help_text="raised on or before this day (YYYY-MM-DD, Asia/Shanghai)"
)


class WarningSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case_number = serializers.CharField(source="application.number", allow_null=True, default=None)
    follow_up_id = serializers.IntegerField(allow_null=True, help_text="差评整改 of a follow_up card (no case)")
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


class TierFilterSerializer(serializers.Serializer):
    tier = serializers.ChoiceField(
        choices=Department.Level.choices, required=False, allow_blank=True, default="",
        help_text="两级大厅: only departments of this level (GB/T 39046 A.2): 4 district, 5 township",
    )  # fmt: skip


class DepartmentFiguresSerializer(serializers.Serializer):
    department = DepartmentRefSerializer()
    level = serializers.CharField(help_text="GB/T 39046 A.2: 4 district department, 5 township hall")
    open_cases = serializers.IntegerField()
    overdue = serializers.IntegerField(help_text="open cases past their running legal period")
    yellow = serializers.IntegerField(help_text="open yellow warnings")
    red = serializers.IntegerField(help_text="open red warnings")


class AlarmSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["scheduler_stopped"])
    since = serializers.DateTimeField(allow_null=True, help_text="the last scan; null when none ever ran")
    detail = serializers.CharField()


class SummarySerializer(serializers.Serializer):
    as_of = serializers.DateTimeField()
    alarms = AlarmSerializer(many=True, help_text="监察告警: the scheduler has not scanned for 5 minutes")
    open_cases = OpenCasesSerializer()
    open_warnings = OpenWarningsSerializer()
    overdue = serializers.IntegerField(help_text="open cases past their running legal period (not suspended)")
    due_today = serializers.IntegerField(help_text="not yet overdue; the running period ends today")
    due_within_3_working_days = serializers.IntegerField(
        help_text="not yet overdue; the running period ends by the 3rd working day after today (today included)"
    )
    departments = DepartmentFiguresSerializer(many=True)


class EventFilterSerializer(serializers.Serializer):
    after = serializers.CharField(
        required=False, allow_blank=True, max_length=40, help_text="a cursor: feed items strictly after it"
    )


class DigestSerializer(serializers.Serializer):
    """The daily digest of the audit chains (docs/operations.md, "Audit chains")."""

    hash = serializers.CharField(help_text="SHA-256: the digest's own audit entry hash")
    audit_entry_id = serializers.IntegerField()
    families = serializers.JSONField(
        help_text="per chain family (event, payment, audit): since_id, upto_id, rows, chains, hash, total_*"
    )


FEED_KINDS = ["event", "digest", "order", "anomaly", "payment", "finding"]


class EventSerializer(serializers.Serializer):
    """A feed item: a case event (``kind: event``), or an entry (``digest``, ``order``, ``anomaly``,
    ``payment``) whose details are in ``data`` (the digest also in ``digest``); case fields are empty
    where an entry concerns no case or no state change."""

    cursor = serializers.CharField()
    kind = serializers.ChoiceField(choices=FEED_KINDS)
    at = serializers.DateTimeField()
    case_number = serializers.CharField(allow_null=True)
    action = serializers.CharField(
        help_text="events: the transition; entries: audit.digest, order.issue|answer|return|close|escalate, "
        "anomaly.detected, payment.booked"
    )
    from_state = serializers.CharField()
    to_state = serializers.CharField()
    actor_role = serializers.CharField()
    digest = DigestSerializer(allow_null=True)
    data = serializers.JSONField(
        allow_null=True,
        help_text="order: {id, department, state, level, due}; anomaly: {id, rule, rule_label, department}; "
        "payment: {amount_fen, channel, receipt_number}; null for events",
    )

    def to_representation(self, item):
        row, at = item.row, self.fields["at"].to_representation(item.row.at)
        if item.kind == "event":
            return {"cursor": item.cursor, "kind": "event", "at": at, "case_number": row.application.number,
                    "action": row.action, "from_state": row.from_state, "to_state": row.to_state,
                    "actor_role": row.actor_role, "digest": None, "data": None}  # fmt: skip
        return {"cursor": item.cursor, "kind": row.kind, "at": at, "case_number": row.case_number or None,
                "action": row.action, "from_state": "", "to_state": "", "actor_role": row.data.get("actor_role", ""),
                "digest": row.data if row.kind == "digest" else None, "data": row.data}  # fmt: skip


class EventPageSerializer(serializers.Serializer):
    results = EventSerializer(many=True)
    next = serializers.CharField(allow_null=True, help_text="cursor of the next page; null at the end")
