"""Complaints API (DESIGN.md, "More of the contract"): file and follow a complaint; the 12345 hotline.

- ``POST /api/v1/complaints`` — anyone (anonymous allowed, throttled per client address):
  ``{text, case_number?, department_code?, window_number?, contact?: {name, phone}}`` as JSON, or the same
  fields as multipart with ``files`` (PDF, JPEG, PNG, OFD; 413/415 like materials) → 201
  ``{tracking_number, query_code, state, merged}``.
- ``GET /api/v1/complaints/{tracking_number}?query_code=`` — anyone: state and answer, no personal data;
  a wrong query code answers 404 like an unknown number.
- ``POST /api/v1/hotline/work-orders`` — the 12345 hotline, signed (``supervision.hotline``).
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from fees.api import RawBodyParser
from hall import throttling
from hall.net import client_ip
from hall.schema import error
from supervision import complaints, hotline


class AnonymousComplaintThrottle(throttling.AnonRateThrottle):
    """Anonymous complaints per client address (``THROTTLE_COMPLAINTS_ANON``, default 5/hour); a logged-in
    complainant has the ordinary user rate."""

    scope = "complaints_anon"


class ContactSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=50)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=20)


class ComplaintInSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000, help_text="投诉内容")
    case_number = serializers.CharField(required=False, allow_blank=True, max_length=40)
    department_code = serializers.CharField(required=False, allow_blank=True, max_length=20)
    window_number = serializers.CharField(required=False, allow_blank=True, max_length=10)
    contact = ContactSerializer(required=False, help_text="optional: anonymous complaints are allowed")
    contact_name = serializers.CharField(required=False, allow_blank=True, max_length=50, help_text="multipart form")
    contact_phone = serializers.CharField(required=False, allow_blank=True, max_length=20, help_text="multipart form")


FILED = inline_serializer("ComplaintFiled", {
    "tracking_number": serializers.CharField(), "query_code": serializers.CharField(),
    "state": serializers.CharField(), "merged": serializers.BooleanField(),
})  # fmt: skip


class ComplaintPublicSerializer(serializers.Serializer):
    tracking_number = serializers.CharField()
    state = serializers.CharField(help_text="received, assigned, answered, closed or merged")
    state_label = serializers.CharField()
    merged = serializers.BooleanField(help_text="merged into an open complaint about the same matter")
    handling_state = serializers.CharField(help_text="the state of the complaint that is handled")
    handling_state_label = serializers.CharField()
    received_at = serializers.DateTimeField()
    department = inline_serializer(
        "ComplaintDepartment", {"code": serializers.CharField(), "name": serializers.CharField()}, allow_null=True
    )
    due = serializers.DateTimeField(allow_null=True)
    answer = serializers.CharField()
    answered_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    finding = serializers.CharField(help_text="核查结论 at closing: upheld, partly, not_upheld, or empty while open")


class ComplaintsView(APIView):
    """File a complaint (投诉): anyone, with or without an account or contact details."""

    permission_classes = [permissions.AllowAny]

    def get_throttles(self):
        if self.request.user.is_authenticated:
            return [throttling.UserRateThrottle()]
        return [AnonymousComplaintThrottle()]

    @extend_schema(request=ComplaintInSerializer, responses={201: FILED, 429: error(429, "too many complaints")})
    def post(self, request):
        body = ComplaintInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        contact = data.get("contact") or {}
        complaint = complaints.file_complaint(
            text=data["text"], case_number=data.get("case_number", ""), department_code=data.get("department_code", ""),
            window_number=data.get("window_number", ""),
            contact_name=contact.get("name") or data.get("contact_name", ""),
            contact_phone=contact.get("phone") or data.get("contact_phone", ""),
            files=request.FILES.getlist("files"), by=request.user, ip=client_ip(request),
        )  # fmt: skip
        return Response(
            {"tracking_number": complaint.tracking_number, "query_code": complaint.query_code,
             "state": complaint.state, "merged": complaint.merged_into_id is not None},
            status=status.HTTP_201_CREATED,
        )  # fmt: skip


class ComplaintDetailView(APIView):
    """Follow a complaint by tracking number and query code; no personal data."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    # per address and per tracking number, one budget with the case lookups (THROTTLE_PROGRESS*)
    throttle_classes = [throttling.ScopedRateThrottle, throttling.QueryCodeThrottle]
    throttle_scope = "progress"
    throttle_number_kwarg = "tracking_number"

    @extend_schema(
        parameters=[OpenApiParameter("query_code", str, required=True)],
        responses={200: ComplaintPublicSerializer, 404: error(404, "no such tracking number and query code")},
    )
    def get(self, request, tracking_number: str):
        view = complaints.public_view(tracking_number, request.query_params.get("query_code", ""))
        return Response(ComplaintPublicSerializer(view).data)


WORK_ORDER = inline_serializer("HotlineWorkOrder", {
    "work_order_number": serializers.CharField(), "text": serializers.CharField(),
    "contact": ContactSerializer(), "department_code": serializers.CharField(),
    "case_number": serializers.CharField(required=False),
})  # fmt: skip


class HotlineWorkOrderView(APIView):
    """``POST /api/v1/hotline/work-orders``: a 12345 work order, signed with ``X-Signature`` (HMAC-SHA256 of
    the raw body, ``HOTLINE_SECRET``). 201 new; 200 the same work order again; 400 bad signature or body."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    parser_classes = [RawBodyParser]
    # the hotline platform posts from one address in bursts: its own, larger rate (THROTTLE_HOTLINE)
    throttle_classes = [throttling.ScopedRateThrottle]
    throttle_scope = "hotline"

    @extend_schema(
        parameters=[OpenApiParameter("X-Signature", str, OpenApiParameter.HEADER, required=True)],
        request={"application/json": WORK_ORDER},
        responses={201: FILED, 200: FILED, 400: error(400, "bad signature (nothing stored) or bad body")},
    )
    def post(self, request):
        body = request.data if isinstance(request.data, bytes) else b""
        complaint, created = hotline.receive(
            body=body, signature=request.headers.get("X-Signature", ""), ip=client_ip(request)
        )
        return Response(
            {"tracking_number": complaint.tracking_number, "query_code": complaint.query_code,
             "state": complaint.state, "merged": complaint.merged_into_id is not None},
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )  # fmt: skip
