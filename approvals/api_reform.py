"""API of the reform modes (issue 17): sign a 告知承诺书, the department's 事后核查 tasks and their results."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from approvals import commitments, selectors
from approvals.api import ERRORS, _ip
from approvals.scope import case_for
from approvals.serializers_reform import (
    CommitmentBodySerializer,
    CommitmentSerializer,
    VerificationResultSerializer,
    VerificationSerializer,
)
from hall.errors import NotPermitted

MAX_VERIFICATIONS = 200


class CommitmentView(APIView):
    """签署告知承诺书 on a draft: ``{requirement_ids, agree: true}`` → 201 the signed commitment. 400 when
    the item has no tell-and-commit, a material may not be replaced, or the applicant is restricted
    (信用约束 after a false commitment); 409 once submitted."""

    @extend_schema(request=CommitmentBodySerializer, responses={201: CommitmentSerializer, **ERRORS})
    def post(self, request, number: str):
        case = case_for(request.user, number, queryset=selectors.scoped_cases(request.user))
        body = CommitmentBodySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        commitment = commitments.sign_commitment(
            case_id=case.pk, by=request.user, requirement_ids=body.validated_data["requirement_ids"], ip=_ip(request)
        )
        return Response(CommitmentSerializer(commitment).data, status=status.HTTP_201_CREATED)


class VerificationsView(APIView):
    """事后核查 tasks of the caller's departments (reviewers and approvers), pending first, by due."""

    @extend_schema(responses={200: VerificationSerializer(many=True), **ERRORS})
    def get(self, request):
        if not request.user.role_names & set(commitments.VERIFIERS):
            raise NotPermitted("只有审查或审批人员可以查看核查任务。")
        rows = commitments.open_verifications_for(request.user)[:MAX_VERIFICATIONS]
        return Response(VerificationSerializer(rows, many=True).data)


class VerificationResultView(APIView):
    """核查结论 ``{outcome: true|false, finding}``; false leaves the case for the approver's ``revoke``."""

    @extend_schema(request=VerificationResultSerializer, responses={200: VerificationSerializer, **ERRORS})
    def post(self, request, verification_id: int):
        body = VerificationResultSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        verification = commitments.record_verification(
            verification_id=verification_id, by=request.user, ip=_ip(request), **body.validated_data
        )
        return Response(VerificationSerializer(verification).data)
