"""E-monitoring API (DESIGN.md, API): open warnings, the figures, the event stream — supervisors only.

Supervisors (监察人员) read every department and change nothing in a case; anonymous callers get
401, any other role 403.
"""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from hall.roles import Role
from hall.schema import CursorPagination, error
from supervision import feed, selectors
from supervision import serializers as s

# 400, 401, 403 and 429 come from hall.schema.AutoSchema, with the error shape.
ERRORS = {403: error(403, "not a supervisor")}


class IsSupervisor(permissions.BasePermission):
    message = "仅监察人员可以查看电子监察数据。"

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.has_role(Role.SUPERVISOR))


class WarningPagination(CursorPagination):
    """Newest first, by the open-warnings index (``-raised_at, -id``)."""

    ordering = ("-raised_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class WarningListView(GenericAPIView):
    """Deadline warnings (预警): 黄牌 when the last fifth of the decision period starts, 红牌 once a
    legal period has passed (行政许可法 arts. 32, 42, 44). Open ones by default."""

    permission_classes = [IsSupervisor]
    pagination_class = WarningPagination
    serializer_class = s.WarningSerializer

    @extend_schema(parameters=[s.WarningFilterSerializer], responses={200: s.WarningSerializer(many=True), **ERRORS})
    def get(self, request):
        filters = s.WarningFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        page = self.paginate_queryset(selectors.warning_list(**filters.filters()))
        return self.get_paginated_response(s.WarningSerializer(page, many=True).data)


class SummaryView(APIView):
    """The figures: open cases by state, open warnings by kind and level, overdue cases, per department,
    and the supervision alarms (the scheduler stopped)."""

    permission_classes = [IsSupervisor]

    @extend_schema(parameters=[s.TierFilterSerializer], responses={200: s.SummarySerializer, **ERRORS})
    def get(self, request):
        filters = s.TierFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        now = timezone.now()
        alarm = selectors.scheduler_alarm(now, selectors.last_scan())
        figures = selectors.summary(now, tier=filters.validated_data["tier"])
        return Response(s.SummarySerializer({**figures, "alarms": [alarm] if alarm else []}).data)


class EventFeedView(APIView):
    """One ordered stream (办件日志), oldest first: case events, and after the last event that existed
    when they happened, the daily audit-chain digests, 督办 acts, anomalies and payments (``kind``:
    ``event``, ``digest``, ``order``, ``anomaly``, ``payment``; ``data`` has the details).
    ``after=<cursor>`` returns the items strictly after it, at most 100; ``next`` is the cursor of the
    following page, null at the end (keep the last item's cursor to poll for newer ones)."""

    permission_classes = [IsSupervisor]

    @extend_schema(parameters=[s.EventFilterSerializer], responses={200: s.EventPageSerializer, **ERRORS})
    def get(self, request):
        filters = s.EventFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        after = filters.validated_data.get("after", "")
        position = feed.parse_event_cursor(after) if after else (0, 0)
        if position is None:
            raise serializers.ValidationError({"after": ["不是有效的游标。"]})
        items, more = feed.page(position)
        next_cursor = items[-1].cursor if more else None
        return Response({"results": s.EventSerializer(items, many=True).data, "next": next_cursor})
