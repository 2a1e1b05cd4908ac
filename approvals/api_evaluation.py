"""好差评 API: the applicant (or its filing agent) rates a delivered case once ("一事一评").

``POST /api/v1/applications/{number}/evaluation`` → 201 with the rating. Others' cases answer 404
like absent ones; a case not yet delivered or already rated 409; a bad body 400 with ``fields``.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from approvals import selectors, services
from approvals.api import ERRORS, _ip
from approvals.evaluation import is_rater
from approvals.scope import case_for
from approvals.serializers_evaluation import EvaluationInSerializer, EvaluationSerializer
from hall.errors import OutsideScope


class EvaluationView(APIView):
    """Rate the service of a delivered case: ``{level: 1..5, comment?, channel?}``; a comment is required
    for 2 不满意 and 1 非常不满意, which are sent to the department to follow up (差评整改)."""

    @extend_schema(request=EvaluationInSerializer, responses={201: EvaluationSerializer, **ERRORS})
    def post(self, request, number: str):
        cases = selectors.scoped_cases(request.user).only("pk", "number", "owner", "filed_by")
        case = case_for(request.user, number, queryset=cases)
        if not is_rater(request.user, case):  # staff in scope too: rating is the applicant's (the service agrees)
            raise OutsideScope("没有这个办件。")
        body = EvaluationInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        evaluation = services.evaluate_service(case_id=case.pk, by=request.user, ip=_ip(request), **body.validated_data)
        return Response(EvaluationSerializer(evaluation).data, status=status.HTTP_201_CREATED)
