"""Joint cases in the API (联合审批; DESIGN.md, "More of the contract"):

- ``GET /api/v1/applications/{number}/tasks`` — the case's tasks (anyone who sees the case);
- ``POST /api/v1/applications/{number}/tasks/{id}/opinion`` — the task's department gives its opinion
  (JSON, or multipart with ``attachments``) → 201 the task;
- ``POST /api/v1/applications/{number}/meetings`` and ``…/meetings/{id}/minutes`` — the lead's 集中会审;
- ``GET /api/v1/me/tasks?status=open|done|all`` — the tasks of the caller's departments, with counts.

Views parse and shape; ``approvals.joint`` decides. A case outside the caller's scope answers 404.
"""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from approvals import joint, selectors
from approvals.api import ERRORS, _ip
from approvals.scope import case_for
from approvals.serializers_joint import (
    DepartmentTaskSerializer,
    MeetingInSerializer,
    MeetingSerializer,
    MinutesInSerializer,
    OpinionInSerializer,
    TaskSerializer,
)
from hall.errors import OutsideScope
from hall.models import User
from hall.schema import error

MAX_LIST = 200


def _case(request, number: str):
    return case_for(request.user, number, queryset=selectors.scoped_cases(request.user).select_related("item_version"))


class TasksView(APIView):
    """The joint tasks of a case (an empty list for an ordinary case)."""

    @extend_schema(responses={200: TaskSerializer(many=True), **ERRORS})
    def get(self, request, number: str):
        case = _case(request, number)
        return Response(TaskSerializer(joint.tasks_of(case), many=True, context={"now": timezone.now()}).data)


class OpinionView(APIView):
    """A participating department's opinion on its task: reviewers and approvers of that department;
    given once (409 afterwards); attachments checked by content (413, 415)."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        request={"application/json": OpinionInSerializer, "multipart/form-data": OpinionInSerializer},
        responses={201: TaskSerializer, 413: error(413), 415: error(415), **ERRORS},
    )
    def post(self, request, number: str, task_id: int):
        case = _case(request, number)
        data = request.data
        if hasattr(data, "getlist"):  # multipart: several files under one name
            data = {"opinion": data.get("opinion", ""), "reason": data.get("reason", ""),
                    "attachments": request.FILES.getlist("attachments")}  # fmt: skip
        body = OpinionInSerializer(data=data)
        body.is_valid(raise_exception=True)
        joint.give_opinion(case_id=case.pk, task_id=task_id, by=request.user, ip=_ip(request), **body.validated_data)
        task = next(t for t in joint.tasks_of(case) if t.pk == task_id)
        return Response(TaskSerializer(task).data, status=status.HTTP_201_CREATED)


class MeetingsView(APIView):
    """集中会审: the lead's reviewer or approver schedules one; the participants are notified."""

    @extend_schema(responses={200: MeetingSerializer(many=True), **ERRORS})
    def get(self, request, number: str):
        case = _case(request, number)
        meetings = case.joint_meetings.prefetch_related("participants").order_by("scheduled_at", "id")
        return Response(MeetingSerializer(meetings, many=True).data)

    @extend_schema(request=MeetingInSerializer, responses={201: MeetingSerializer, **ERRORS})
    def post(self, request, number: str):
        case = _case(request, number)
        body = MeetingInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        names = list(dict.fromkeys(data["participants"]))
        ids = dict(User.objects.filter(username__in=names).values_list("username", "pk"))
        if unknown := [n for n in names if n not in ids]:
            raise serializers.ValidationError({"participants": [f"没有这些工作人员：{'、'.join(unknown[:5])}"]})
        meeting = joint.schedule_meeting(
            case_id=case.pk, by=request.user, scheduled_at=data["scheduled_at"], place=data["place"],
            participants=list(ids.values()), ip=_ip(request),
        )  # fmt: skip
        return Response(MeetingSerializer(meeting).data, status=status.HTTP_201_CREATED)


class MinutesView(APIView):
    """The minutes and outcome of a held meeting, once (409 afterwards or before the meeting's time);
    issued as the case's 会审纪要 (``/notices/joint_minutes``)."""

    @extend_schema(request=MinutesInSerializer, responses={200: MeetingSerializer, **ERRORS})
    def post(self, request, number: str, meeting_id: int):
        case = _case(request, number)
        body = MinutesInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        meeting = joint.record_minutes(case_id=case.pk, meeting_id=meeting_id, by=request.user, ip=_ip(request),
                                       **body.validated_data)  # fmt: skip
        return Response(MeetingSerializer(meeting).data)


class MyTasksView(APIView):
    """The joint tasks of the caller's departments (reviewers and approvers): open ones by due date,
    answered ones newest first, or all; with the tab's counts."""

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=["open", "done", "all"])],
        responses={200: inline_serializer("MyTasks", {
            "counts": inline_serializer("TaskCounts", {k: serializers.IntegerField() for k in
                                                       ("open", "overdue", "due_soon", "done")}),
            "tasks": DepartmentTaskSerializer(many=True),
        }), **ERRORS},
    )  # fmt: skip
    def get(self, request):
        if not request.user.is_authenticated:
            raise OutsideScope("没有联办任务。")
        wanted = request.query_params.get("status", "open")
        if wanted not in ("open", "done", "all"):
            raise serializers.ValidationError({"status": ["须为 open、done 或 all。"]})
        now = timezone.now()
        tasks = joint.department_tasks(request.user, status=wanted).prefetch_related("attachments")[:MAX_LIST]
        return Response({
            "counts": joint.task_counts(request.user, now),
            "tasks": DepartmentTaskSerializer(tasks, many=True, context={"now": now}).data,
        })  # fmt: skip
