"""督办 API (DESIGN.md, "More of the contract"): supervisors issue, list, close and return orders; the
ordered department answers. Views parse and shape; ``supervision.orders`` decides."""

from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from hall.audit import client_ip
from hall.errors import NotPermitted, OutsideScope
from hall.roles import DEPARTMENT_ROLES, Role
from hall.schema import CursorPagination, errors
from hall.serializers import DepartmentRefSerializer
from supervision import orders
from supervision.models import Order


class OrderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.CharField()
    state_name = serializers.CharField(source="get_state_display")
    attachments = serializers.SerializerMethodField(help_text="the answer's files: [{id, name, size, sha256, url}]")
    level = serializers.IntegerField(help_text="1; 2 once escalated (逾期未答复，约谈)")
    case_number = serializers.CharField(source="application.number", allow_null=True, default=None)
    warning_id = serializers.IntegerField(allow_null=True)
    anomaly_id = serializers.IntegerField(allow_null=True, help_text="the anomaly (异常行为) it is about, if any")
    department = DepartmentRefSerializer()
    text = serializers.CharField()
    due_days = serializers.IntegerField()
    due = serializers.DateTimeField()
    created_at = serializers.DateTimeField()
    response = serializers.CharField()
    responded_at = serializers.DateTimeField(allow_null=True)
    returned_reason = serializers.CharField()
    escalated_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)

    def get_attachments(self, order) -> list[dict]:
        return [
            {"id": a.pk, "name": a.original_name, "size": a.size, "sha256": a.sha256,
             "url": reverse("supervision:order_attachment", args=[order.pk, a.pk])}
            for a in order.attachments.all()
        ]  # fmt: skip


class OrderCreateSerializer(serializers.Serializer):
    case_number = serializers.CharField(required=False, allow_blank=True, default="", max_length=40)
    warning_id = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    anomaly_id = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1,
        help_text="an anomaly (GET /api/v1/supervision/anomalies); its case becomes the order's case",
    )  # fmt: skip
    department_code = serializers.CharField(max_length=20)
    text = serializers.CharField(max_length=2000)
    due_days = serializers.IntegerField(min_value=1, max_value=orders.MAX_DUE_DAYS)


class TextSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=2000)


class ResponseSerializer(TextSerializer):
    """The answer; as ``multipart/form-data`` it may carry up to 5 ``files`` (整改材料: PDF, JPEG, PNG or
    OFD by content, 415/413 otherwise, like case materials)."""

    files = serializers.ListField(child=serializers.FileField(), required=False, max_length=5)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class OrderPagination(CursorPagination):
    ordering = ("-created_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class OrdersView(GenericAPIView):
    """GET: the orders the caller may see (supervisors all, department staff their departments').
    POST (supervisors): issue an order."""

    pagination_class = OrderPagination
    serializer_class = OrderSerializer

    def get_queryset(self):
        return orders.visible_orders(self.request.user).prefetch_related("attachments")

    @extend_schema(responses={200: OrderSerializer(many=True)})
    def get(self, request):
        if not request.user.role_names & {Role.SUPERVISOR, *DEPARTMENT_ROLES}:
            raise NotPermitted("督办仅供监察人员和被督办部门查看。")
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(OrderSerializer(page, many=True).data)

    @extend_schema(request=OrderCreateSerializer, responses={201: OrderSerializer})
    def post(self, request):
        body = OrderCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        order = orders.issue_order(by=request.user, ip=client_ip(request), **body.validated_data)
        return Response(OrderSerializer(order).data, status=status.HTTP_201_CREATED)


class OrderActionView(APIView):
    """One act on an order: ``response`` (its department, ``{text}``), ``close`` and ``return``
    (supervisors; return ``{reason}``)."""

    ACTS = {
        "response": (orders.answer_order, ResponseSerializer),
        "close": (orders.close_order, None),
        "return": (orders.return_order, ReasonSerializer),
    }

    @extend_schema(
        operation_id="v1_supervision_orders_act",
        parameters=[OpenApiParameter("act", str, OpenApiParameter.PATH, enum=["response", "close", "return"])],
        request={"application/json": TextSerializer, "multipart/form-data": ResponseSerializer},
        responses={200: OrderSerializer, **errors(409, 413, 415)},
    )  # fmt: skip
    def post(self, request, order_id: int, act: str):
        if act not in self.ACTS:
            raise OutsideScope("没有这个督办操作。")
        service, body_class = self.ACTS[act]
        data = {}
        if body_class is not None:
            data = request.data
            if hasattr(request.data, "getlist"):  # a form: its repeated ``files`` as a list
                data = {**request.data.dict(), "files": request.FILES.getlist("files")}
            body = body_class(data=data)
            body.is_valid(raise_exception=True)
            data = body.validated_data
        order = service(order_id=order_id, by=request.user, ip=client_ip(request), **data)
        return Response(
            OrderSerializer(Order.objects.select_related("department", "application").get(pk=order.pk)).data
        )
