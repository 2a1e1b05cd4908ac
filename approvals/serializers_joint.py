"""The joint-case shapes of the approvals API (联合审批; DESIGN.md, "More of the contract").

A task: ``{id, department: {code, name}, due, opinion, opinion_name, reason, opinion_at, overdue,
attachments: [{id, name, size, content_type}], lead_response}``; ``opinion`` is null while the
department has not answered. Request bodies check types only; ``approvals.joint`` decides (400 with
``fields`` from there).
"""

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from approvals.models import JointMeeting, Opinion
from hall.serializers import DepartmentRefSerializer


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="original_name")
    size = serializers.IntegerField()
    content_type = serializers.CharField()


class TaskSerializer(serializers.Serializer):
    """One participating department's task on a joint case (分头承办)."""

    id = serializers.IntegerField()
    department = DepartmentRefSerializer()
    due = serializers.DateTimeField(help_text="the opinion's due instant (inside the case's period)")
    opinion = serializers.SerializerMethodField()
    opinion_name = serializers.CharField(source="get_opinion_display")
    reason = serializers.CharField()
    opinion_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.SerializerMethodField()
    attachments = AttachmentSerializer(many=True)
    lead_response = serializers.CharField(help_text="the lead's answer to a disagreeing opinion, in its recommendation")

    @extend_schema_field(serializers.ChoiceField(choices=Opinion.choices, allow_null=True))
    def get_opinion(self, task):
        return task.opinion or None

    @extend_schema_field(serializers.BooleanField())
    def get_overdue(self, task) -> bool:
        now = self.context.get("now") or timezone.now()
        return task.is_open and task.due < now


class DepartmentTaskSerializer(TaskSerializer):
    """A task in a department's list (the workbench tab, ``/api/v1/me/tasks``), with its case."""

    case_number = serializers.CharField(source="application.number")
    item_name = serializers.CharField(source="application.item.name")
    lead = DepartmentRefSerializer(source="application.department")
    case_state = serializers.CharField(source="application.state")


class OpinionInSerializer(serializers.Serializer):
    """``{opinion: agree|agree_with_conditions|disagree, reason}``; as multipart also ``attachments``
    (files, PDF/JPEG/PNG/OFD by content, at most 10)."""

    opinion = serializers.CharField(max_length=30, help_text="agree, agree_with_conditions or disagree")
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text="required for agree_with_conditions (the conditions) and disagree",
    )
    attachments = serializers.ListField(child=serializers.FileField(), required=False, default=list, max_length=10)


class MeetingInSerializer(serializers.Serializer):
    """集中会审: ``{scheduled_at, place, participants: [username, …]}`` (staff of the lead and the
    participating departments)."""

    scheduled_at = serializers.DateTimeField()
    place = serializers.CharField(max_length=200)
    participants = serializers.ListField(child=serializers.CharField(max_length=150), min_length=1, max_length=50)


class MinutesInSerializer(serializers.Serializer):
    minutes = serializers.CharField(max_length=10000)
    outcome = serializers.ChoiceField(choices=JointMeeting.Outcome.choices)


class MeetingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    scheduled_at = serializers.DateTimeField()
    place = serializers.CharField()
    participants = serializers.SerializerMethodField()
    minutes = serializers.CharField()
    outcome = serializers.SerializerMethodField()
    recorded_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_participants(self, meeting):
        return [u.username for u in meeting.participants.all()]

    @extend_schema_field(serializers.ChoiceField(choices=JointMeeting.Outcome.choices, allow_null=True))
    def get_outcome(self, meeting):
        return meeting.outcome or None
