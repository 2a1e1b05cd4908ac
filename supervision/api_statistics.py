"""统计分析 API (DESIGN.md, "More of the contract"): ``GET /api/v1/supervision/statistics`` — supervisors only."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from supervision import scores, statistics
from supervision import serializers_statistics as s
from supervision.api import ERRORS, IsSupervisor


class StatisticsView(APIView):
    """The hall's figures for the days ``from`` to ``to`` (Asia/Shanghai, both included), optionally
    of one department or one level (district / township): received, accepted (deemed acceptance on
    the receipt day), finished, completion and on-time rates, online and 不见面 shares, 即办件,
    corrections, denials, working days used against committed per item, per department and level,
    per day or month, the 3550 figures and — once the front desk records them — visitors."""

    permission_classes = [IsSupervisor]

    @extend_schema(parameters=[s.StatisticsFilterSerializer], responses={200: s.StatisticsSerializer, **ERRORS})
    def get(self, request):
        filters = s.StatisticsFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        period = statistics.Period(data["from"], data["to"])
        figures = statistics.figures(period, department=data.get("department", ""), level=data.get("level", ""))
        return Response(s.StatisticsSerializer(figures).data)


class ScoresView(APIView):
    """绩效评估 of a month (``month=YYYY-MM``): per department and per window, ranked, each part of the
    formula beside the total. A published month answers its frozen snapshot (its latest version);
    a month not yet published answers a live preview (``published: false``)."""

    permission_classes = [IsSupervisor]

    @extend_schema(parameters=[s.MonthSerializer], responses={200: s.ScoresSerializer, **ERRORS})
    def get(self, request):
        query = s.MonthSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(s.ScoresSerializer(scores.month_scores(scores.parse_month(query.validated_data["month"]))).data)
