"""API of 审批与监管信息双向推送 for the regulating departments' staff: their inbox of pushed decisions,
the acknowledgement, and a finding pushed back on a decided case."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from approvals import regulators
from approvals.api import ERRORS, _ip
from hall.errors import NotPermitted

INBOX_ROWS = 100


class DeliverySerializer(serializers.Serializer):
    attempt = serializers.IntegerField()
    at = serializers.DateTimeField()
    status_code = serializers.IntegerField(allow_null=True)
    error = serializers.CharField()
    ok = serializers.BooleanField()


class PushSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case_number = serializers.CharField(source="application.number")
    action = serializers.CharField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)
    webhook = serializers.CharField(help_text="none, pending, delivered or failed")
    attempts = serializers.IntegerField()
    payload = serializers.JSONField(help_text="what the webhook receives (signed with X-Signature)")


class PushDetailSerializer(PushSerializer):
    deliveries = DeliverySerializer(many=True, help_text="the delivery log of the webhook")


class FindingBodySerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000, allow_blank=True)


class FindingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case_number = serializers.CharField(source="application.number")
    text = serializers.CharField()
    at = serializers.DateTimeField()


def _staff(request) -> None:
    if not regulators.is_regulator_staff(request.user):
        raise NotPermitted("监管推送仅供部门工作人员查看。")


class PushInboxView(APIView):
    """The decisions pushed to the caller's departments (as regulator), newest first (at most 100)."""

    @extend_schema(responses={200: PushSerializer(many=True), **ERRORS})
    def get(self, request):
        _staff(request)
        return Response(PushSerializer(regulators.inbox_for(request.user)[:INBOX_ROWS], many=True).data)


class PushDetailView(APIView):
    """One push with its delivery log; POST acknowledges it (阅知)."""

    @extend_schema(responses={200: PushDetailSerializer, **ERRORS})
    def get(self, request, push_id: int):
        _staff(request)
        row = regulators.inbox_for(request.user).prefetch_related("deliveries").filter(pk=push_id).first()
        if row is None:
            from hall.errors import OutsideScope

            raise OutsideScope("没有这条推送。")
        return Response(PushDetailSerializer(row).data)

    @extend_schema(request=None, responses={200: PushSerializer, **ERRORS})
    def post(self, request, push_id: int):
        _staff(request)
        return Response(PushSerializer(regulators.mark_read(push_id=push_id, by=request.user, ip=_ip(request))).data)


class FindingView(APIView):
    """监管反馈 ``{text}`` on the pushed case → 201; reaches the deciding department and supervision."""

    @extend_schema(request=FindingBodySerializer, responses={201: FindingSerializer, **ERRORS})
    def post(self, request, push_id: int):
        _staff(request)
        body = FindingBodySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        finding = regulators.record_finding(push_id=push_id, by=request.user, ip=_ip(request), **body.validated_data)
        return Response(FindingSerializer(finding).data, status=status.HTTP_201_CREATED)
