"""Payment platform callback (DESIGN.md, Payments): signed, idempotent, amounts checked."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.parsers import BaseParser
from rest_framework.response import Response
from rest_framework.views import APIView

from fees import services
from hall.net import client_ip
from hall.schema import error


class RawBodyParser(BaseParser):
    """Keeps the raw bytes: the signature is over the body exactly as sent."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream.read() if stream is not None else b""


NOTIFICATION = inline_serializer("PaymentNotification", {
    "payment_code": serializers.CharField(), "amount_fen": serializers.IntegerField(),
    "transaction_id": serializers.CharField(), "paid_at": serializers.DateTimeField(),
})  # fmt: skip
PAYMENT = inline_serializer("PaymentBooked", {
    "receipt_number": serializers.CharField(), "amount_fen": serializers.IntegerField(),
    "payment_code": serializers.CharField(), "transaction_id": serializers.CharField(),
    "created": serializers.BooleanField(),
})  # fmt: skip


class PaymentCallbackView(APIView):
    """``POST /api/v1/fees/callback/{gateway}`` with ``{payment_code, amount_fen, transaction_id, paid_at}``
    and ``X-Signature: <hex HMAC-SHA256 of the raw body>``. 201 booked; 200 the same transaction again;
    400 bad signature (nothing recorded) or wrong amount (recorded as an anomaly). Every call, whatever
    its answer, is kept in the inbound log (``fees.InboundCallback``)."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    parser_classes = [RawBodyParser]

    @extend_schema(
        parameters=[OpenApiParameter("X-Signature", str, OpenApiParameter.HEADER, required=True)],
        request={"application/json": NOTIFICATION},
        responses={
            201: PAYMENT,
            200: PAYMENT,
            400: error(400, "bad signature (nothing recorded), bad body, or wrong amount (an anomaly)"),
            404: error(404, "unknown gateway or payment code"),
        },
    )
    def post(self, request, gateway: str):
        body = request.data if isinstance(request.data, bytes) else b""
        payment, created = services.record_gateway_payment(
            gateway=gateway, body=body, signature=request.headers.get("X-Signature", ""), ip=client_ip(request)
        )
        return Response({
            "receipt_number": payment.receipt_number, "amount_fen": payment.amount_fen,
            "payment_code": payment.assessment.payment_code, "transaction_id": payment.transaction_id,
            "created": created,
        }, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)  # fmt: skip
