"""Applications API (DESIGN.md, API): file, upload, move through the workflow, read, follow progress.

Views parse and shape; ``approvals.services`` decides. Every case is looked up through the caller's
scope, so a case that is not theirs answers 404 like one that does not exist.
"""

import ipaddress

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from approvals import notices, selectors, services, workflow
from approvals import serializers as s
from approvals.models import Application, IdempotencyKey
from approvals.scope import case_for, case_id_for
from approvals.serializers_bundles import PROGRESS_RESPONSE
from hall.audit import client_ip
from hall.errors import NotPermitted, OutsideScope
from hall.roles import Role
from hall.schema import AnyOfSerializer, CursorPagination, error, errors
from hall.throttling import QueryCodeThrottle, ScopedRateThrottle

# 400, 401, 403, 404, 415 and 429 are added to every operation by hall.schema.AutoSchema as they apply.
ERRORS = errors(409)


def _ip(request) -> str | None:
    """The client address for the audit Event, or None when the forwarded header is not an address."""
    address = client_ip(request)
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None


def _case_response(request, number: str, status_code=status.HTTP_200_OK) -> Response:
    case = selectors.case_detail(request.user, number)
    return Response(s.CaseSerializer(case, context={"request": request}).data, status=status_code)


class CasePagination(CursorPagination):
    """Newest first: ``-created_at`` then ``-id``, the one stable order of every list (owner index)."""

    ordering = ("-created_at", "-id")
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class ApplicationsView(GenericAPIView):
    """GET: the caller's cases (applicants, agents) or department queue (staff). POST: file an application."""

    pagination_class = CasePagination
    serializer_class = s.CaseRowSerializer

    @extend_schema(parameters=[s.CaseFilterSerializer], responses={200: s.CaseRowSerializer(many=True), **ERRORS})
    def get(self, request):
        filters = s.CaseFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        page = self.paginate_queryset(selectors.case_rows(request.user, **filters.validated_data))
        return self.get_paginated_response(s.case_rows(page, timezone.now()))

    @extend_schema(
        request=s.ApplicationCreateSerializer,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
                                     description="the same key from the same user returns the same case (≤100)")],
        responses={201: s.CreatedSerializer, 200: s.CreatedSerializer, **ERRORS},
    )  # fmt: skip
    def post(self, request):
        body = s.ApplicationCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        roles = request.user.role_names
        party = roles & {Role.APPLICANT, Role.AGENT}
        clerk = Role.CLERK in roles
        channel = data.setdefault(
            "channel", Application.Channel.WINDOW if clerk and not party else Application.Channel.ONLINE
        )
        # Applicants and agents file for themselves; staff only as the window clerk taking a walk-in.
        if roles and not party and not (clerk and channel == Application.Channel.WINDOW):
            raise NotPermitted("只有申请人、代办员或窗口工作人员（窗口申报）可以申报。")
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > 100:
            raise serializers.ValidationError({"Idempotency-Key": ["不超过 100 个字符。"]})
        replay = bool(key) and IdempotencyKey.objects.filter(user=request.user, key=key).exists()
        case = services.file_application(by=request.user, idempotency_key=key, ip=_ip(request), **data)
        body = s.CreatedSerializer(case).data
        headers = {"Location": reverse("api-application", args=[case.number])}
        return Response(body, status=status.HTTP_200_OK if replay else status.HTTP_201_CREATED, headers=headers)


class ApplicationDetailView(APIView):
    """The case shape: state, deadlines, materials (one row per requirement), timeline, fees."""

    @extend_schema(responses={200: s.CaseSerializer})
    def get(self, request, number: str):
        return _case_response(request, number)


class MaterialUploadView(APIView):
    """Upload a file for one material requirement (PDF, JPEG, PNG or OFD by content), or reuse (复用)
    a material of an earlier case of the same account with ``material_id``."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        request={"multipart/form-data": s.MaterialUploadSerializer, "application/json": s.MaterialUploadSerializer},
        responses={
            201: s.MaterialRowSerializer,
            413: error(413),
            415: error(415, "not PDF, JPEG, PNG or OFD by content, or a PDF with scripts or launch actions"),
            **ERRORS,
        },
    )
    def post(self, request, number: str):
        case = case_for(request.user, number, queryset=selectors.scoped_cases(request.user))
        body = s.MaterialUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        common = {"case_id": case.pk, "by": request.user, "requirement_id": data["requirement_id"], "ip": _ip(request)}
        if "file" in data:
            material = services.upload_material(upload=data["file"], **common)
        elif "licence_number" in data:
            material = services.use_licence(licence_number=data["licence_number"], consent=data["consent"], **common)
        else:
            material = services.reuse_material(material_id=data["material_id"], **common)
        case.refresh_from_db(fields=["state", "correction_round"])
        row = s.material_row(case, material.requirement, material)
        return Response(s.MaterialRowSerializer(row).data, status=status.HTTP_201_CREATED)


class DeliveryChoiceView(APIView):
    """The applicant (or agent) chooses how to receive the result; changeable until delivery."""

    @extend_schema(request=s.DeliveryChoiceSerializer, responses={200: s.CaseSerializer, **ERRORS})
    def post(self, request, number: str):
        case = case_for(request.user, number, queryset=selectors.scoped_cases(request.user))
        body = s.DeliveryChoiceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.choose_delivery(case_id=case.pk, by=request.user, ip=_ip(request), **body.validated_data)
        return _case_response(request, number)


# One shape per body class of the workflow table (approvals.workflow.STEPS); which one applies is
# chosen by the transition's name in the path.
TRANSITION_BODY = AnyOfSerializer(
    "TransitionBody",
    list(dict.fromkeys(step.body_class() for step in workflow.STEPS if step.body != workflow.NO_BODY)),
)


class TransitionView(APIView):
    """Move a case through the workflow (``approvals.workflow.STEPS``; docs/workflow.md). Bodies:
    ``reason`` wherever one is needed; recommend ``{recommendation: approve|deny, opinion}``;
    request_correction ``{items: [{requirement_id, reason}], reason}``; suspend ``{procedure, reason}``;
    extend ``{days, reason}``; deliver ``{method, tracking_number?}``; reject_intake ``{reason, remedy?}``."""

    @extend_schema(
        parameters=[
            OpenApiParameter("name", str, OpenApiParameter.PATH, enum=list(workflow.BY_NAME)),
            OpenApiParameter("expand", str, enum=["case"], required=False,
                             description="`case`: answer with the whole case shape instead of its new state"),
        ],
        request=TRANSITION_BODY,
        responses={200: OpenApiResponse(s.TransitionResultSerializer, description="the case's new state and due "
                                        "instants; with `?expand=case` the case shape (CaseSerializer)"), **ERRORS},
    )  # fmt: skip
    def post(self, request, number: str, name: str):
        step = workflow.step(name)
        if step is None:
            raise OutsideScope(f"没有“{name[:30]}”这个办理操作。")
        expand = request.query_params.get("expand", "")
        if expand not in ("", "case"):
            raise serializers.ValidationError({"expand": ["只能为 case。"]})
        case_id = case_id_for(request.user, number)
        body = step.body_class()(data=request.data)
        body.is_valid(raise_exception=True)
        case = step.perform()(case_id=case_id, by=request.user, ip=_ip(request), **body.validated_data)
        if expand == "case":
            return _case_response(request, number)
        # every service returns the case it moved (submit: after 秒批, if that followed); read it otherwise
        moved = isinstance(case, Application) and case.pk == case_id
        state = selectors.saved_state(case) if moved else selectors.case_state(case_id)
        return Response(s.transition_result(state, timezone.now()))


class ProgressView(APIView):
    """Public progress by case number and query code (查询码), without any personal data.

    A wrong number and a wrong code answer the same 404, so numbers cannot be enumerated."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [ScopedRateThrottle, QueryCodeThrottle]  # per address, per number (THROTTLE_PROGRESS*)
    throttle_scope = "progress"

    @extend_schema(
        parameters=[OpenApiParameter("number", str, required=True), OpenApiParameter("query_code", str, required=True)],
        responses={200: PROGRESS_RESPONSE, 404: error(404, "no such number and query code")},
    )  # fmt: skip
    def get(self, request):
        case = selectors.case_by_query_code(
            request.query_params.get("number", ""), request.query_params.get("query_code", "")
        )
        if case is None:
            # 一件事: a bundle number with the bundle's query code answers with the bundle's progress
            from approvals.bundle_api import public_bundle_progress
            from approvals.bundle_selectors import bundle_by_query_code

            bundle_case = bundle_by_query_code(
                request.query_params.get("number", ""), request.query_params.get("query_code", "")
            )
            if bundle_case is None:
                raise OutsideScope("办件编号或查询码不正确。")
            return Response(public_bundle_progress(bundle_case))
        data = s.ProgressSerializer(case).data
        if case.bundle_id is not None:  # a sub-case: the progress of its bundle across departments
            from approvals.bundle_api import bundle_summary

            data["bundle"] = bundle_summary(case.bundle_id)
        return Response(data)


class NoticeView(APIView):
    """The PDF of a notice (受理通知书 acceptance, 补正材料通知书 correction, 决定书 decision …) for the
    owner or staff in scope; 404 while the case has not produced that notice."""

    @extend_schema(
        parameters=[OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=list(notices.TITLES))],
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="PDF")},
    )
    def get(self, request, number: str, kind: str):
        from approvals.views import notice_response

        return notice_response(request, number, kind)
