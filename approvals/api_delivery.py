"""Delivery API (issue 18): the courier's signed tracking callbacks, the case's tracking, and the scan of
the hand-signed 送达回证."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.parsers import BaseParser, FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from approvals import carriers, selectors, services
from approvals.api import ERRORS, _ip
from approvals.models import Shipment
from approvals.scope import case_for
from hall.audit import client_ip
from hall.schema import error


class RawBodyParser(BaseParser):
    """Keeps the raw bytes: the signature is over the body exactly as sent."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read() if stream is not None else b""


class ShipmentEventSerializer(serializers.Serializer):
    kind = serializers.CharField()
    at = serializers.DateTimeField()
    location = serializers.CharField()


class ShipmentSerializer(serializers.Serializer):
    carrier = serializers.CharField()
    waybill = serializers.CharField()
    status = serializers.CharField(help_text="created, in_transit, delivered or failed")
    created_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True, help_text="the courier's signing time (art. 44)")
    events = ShipmentEventSerializer(many=True)


class ReceiptScanSerializer(serializers.Serializer):
    recipient_name = serializers.CharField(max_length=50)
    file = serializers.FileField()


class CarrierCallbackView(APIView):
    """``POST /api/v1/delivery/callback/{carrier}`` with ``{waybill, event_id, status, at, location?,
    signed_by?}`` and ``X-Signature: <hex HMAC-SHA256 of the raw body>`` keyed by
    ``DELIVERY_CALLBACK_SECRET``. 201 kept; 200 the same event again (nothing changes); 400 forged or
    invalid (nothing kept); 404 unknown carrier. ``delivered`` delivers the case, dated by ``at``."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    parser_classes = [RawBodyParser]

    @extend_schema(
        parameters=[OpenApiParameter("X-Signature", str, OpenApiParameter.HEADER, required=True)],
        request={"application/json": OpenApiTypes.OBJECT},
        responses={201: ShipmentEventSerializer, 200: ShipmentEventSerializer,
                   400: error(400, "bad signature, bad body, unknown waybill"), 404: error(404, "unknown carrier")},
    )  # fmt: skip
    def post(self, request, carrier: str):
        body = request.data if isinstance(request.data, bytes) else b""
        event, created = carriers.receive(
            carrier=carrier, body=body, signature=request.headers.get("X-Signature", ""), ip=client_ip(request)
        )
        return Response(ShipmentEventSerializer(event).data, status=status.HTTP_201_CREATED if created else 200)


class TrackingView(APIView):
    """The case's waybills with the courier's events (owner and staff in scope)."""

    @extend_schema(responses={200: ShipmentSerializer(many=True)})
    def get(self, request, number: str):
        case = case_for(request.user, number, queryset=selectors.scoped_cases(request.user))
        rows = Shipment.objects.filter(application=case).prefetch_related("events").order_by("created_at", "id")
        return Response(ShipmentSerializer(rows, many=True).data)


class ReceiptScanView(APIView):
    """送达回证 scan (multipart ``recipient_name`` + ``file``: PDF, JPEG, PNG or OFD) by a clerk of the
    case's department after delivery."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": ReceiptScanSerializer}, responses={201: None, **ERRORS})
    def post(self, request, number: str):
        case = case_for(request.user, number, queryset=selectors.scoped_cases(request.user))
        body = ReceiptScanSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        proof = services.record_delivery_receipt(case_id=case.pk, by=request.user, ip=_ip(request),
                                                 upload=body.validated_data["file"],
                                                 recipient_name=body.validated_data["recipient_name"])  # fmt: skip
        return Response({"id": proof.pk, "kind": proof.kind, "sha256": proof.sha256}, status=status.HTTP_201_CREATED)
