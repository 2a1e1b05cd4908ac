"""一件事 API (docs/bundles.md): file a bundle, upload each shared material once, submit, answer a
correction, accept at one window, read it; the public progress query answers for a bundle number too.

Views parse and shape; ``approvals.bundles`` decides. A bundle outside the caller's scope is 404.
"""

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from approvals import bundle_selectors as selectors
from approvals import bundles as services
from approvals import serializers as case_serializers
from approvals.api import CasePagination, _ip
from approvals.models import Application, BundleCase, IdempotencyKey
from approvals.selectors import is_overdue
from approvals.serializers_bundles import ProgressDataSerializer, PublicBundleProgressSerializer
from catalog.bundles import material_key, merge_materials
from hall.errors import NotPermitted
from hall.roles import Role
from hall.schema import error, errors
from hall.serializers import DepartmentRefSerializer

ERRORS = errors(409)


# --- shapes ---------------------------------------------------------------------------------------------


def _dept(department) -> dict:
    return {"code": department.code, "name": department.name}


def progress_data(bundle_case) -> dict:
    progress = selectors.progress(bundle_case)
    return {"status": progress.status, "status_name": progress.status_name, "total": progress.total,
            "finished": progress.finished, "decided": progress.decided}  # fmt: skip


def _correction(case, keys: dict) -> dict | None:
    if case.state != "correction_requested":
        return None
    notice = max(case.correction_notices.all(), key=lambda n: n.round, default=None)
    if notice is None:
        return None
    return {
        "round": notice.round, "reason": notice.reason, "issued_at": notice.issued_at,
        "items": [{"requirement_id": i.requirement_id, "key": keys.get(i.requirement_id), "name": i.requirement.name,
                   "reason": i.reason} for i in notice.items.all()],
    }  # fmt: skip


def sub_case_data(case, keys: dict, now) -> dict:
    return {
        "number": case.number, "item_code": case.item.code, "item_name": case.item.name,
        "department": _dept(case.department), "state": case.state, "state_name": case.get_state_display(),
        "accept_due": case.accept_due, "decision_due": case.decision_due, "delivery_due": case.delivery_due,
        "committed_days": case.item_version.committed_days, "accepted_at": case.accepted_at,
        "decided_at": case.decided_at, "decision": case.decision or None, "decision_name": case.decision_label,
        "overdue": is_overdue(case, now), "correction": _correction(case, keys),
    }  # fmt: skip


def materials_data(bundle_case) -> list[dict]:
    """One row per merged material: its shared upload, and the sub-cases that hold it."""
    sub_cases = list(bundle_case.sub_cases.all())
    stored = {m.key: m for m in bundle_case.current}
    rows = []
    for merged in merge_materials([(c.item, c.item_version) for c in sub_cases]):
        upload = stored.get(merged.key)
        holders = []
        for case in sub_cases:
            for material in case.current_materials:
                if upload is not None and material.bundle_material_id == upload.pk:
                    holders.append(case.number)
        rows.append({
            "key": merged.key, "name": merged.name, "required": merged.required, "shared": merged.shared,
            "status": "uploaded" if upload else ("missing" if merged.required else "not_provided"),
            "revision": upload.revision if upload else None, "file_name": upload.original_name if upload else None,
            "sha256": upload.sha256 if upload else None, "sub_cases": holders,
        })  # fmt: skip
    return rows


def bundle_data(bundle_case, user) -> dict:
    keys = {}
    for case in bundle_case.sub_cases.all():
        for requirement in case.item_version.materials.all():
            keys[requirement.pk] = material_key(requirement)
    party = user.pk in (bundle_case.owner_id, bundle_case.filed_by_id)
    now = timezone.now()
    sub_cases = list(bundle_case.sub_cases.all())
    return {
        "number": bundle_case.number, "query_code": bundle_case.query_code if party else None,
        "bundle": {"code": bundle_case.bundle.code, "name": bundle_case.bundle.name,
                   "version": bundle_case.bundle_version.number},
        "lead_department": _dept(bundle_case.lead_department),
        "applicant": {"type": bundle_case.applicant_type,
                      "name": case_serializers.mask_name(bundle_case.applicant_name)},
        "created_at": bundle_case.created_at, "submitted_at": bundle_case.submitted_at,
        "accepted_at": bundle_case.accepted_at, "done_at": bundle_case.done_at,
        "committed_days": max((c.item_version.committed_days for c in sub_cases), default=0),
        "progress": progress_data(bundle_case), "materials": materials_data(bundle_case),
        "sub_cases": [sub_case_data(c, keys, now) for c in sub_cases],
    }  # fmt: skip


class CorrectionItemSerializer(serializers.Serializer):
    requirement_id = serializers.IntegerField()
    key = serializers.CharField(allow_null=True, help_text="the merged material to upload again")
    name = serializers.CharField()
    reason = serializers.CharField()


class CorrectionOutSerializer(serializers.Serializer):
    round = serializers.IntegerField()
    reason = serializers.CharField()
    issued_at = serializers.DateTimeField()
    items = CorrectionItemSerializer(many=True)


class SubCaseSerializer(serializers.Serializer):
    number = serializers.CharField()
    item_code = serializers.CharField()
    item_name = serializers.CharField()
    department = DepartmentRefSerializer()
    state = serializers.CharField()
    state_name = serializers.CharField()
    accept_due = serializers.DateTimeField(allow_null=True)
    decision_due = serializers.DateTimeField(allow_null=True, help_text="this sub-case's own legal clock")
    delivery_due = serializers.DateTimeField(allow_null=True)
    committed_days = serializers.IntegerField()
    accepted_at = serializers.DateTimeField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    decision = serializers.CharField(allow_null=True)
    decision_name = serializers.CharField()
    overdue = serializers.BooleanField()
    correction = CorrectionOutSerializer(allow_null=True, help_text="the open correction notice, if any")


class BundleMaterialRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    required = serializers.BooleanField()
    shared = serializers.BooleanField()
    status = serializers.CharField(help_text="uploaded, missing or not_provided")
    revision = serializers.IntegerField(allow_null=True)
    file_name = serializers.CharField(allow_null=True)
    sha256 = serializers.CharField(allow_null=True)
    sub_cases = serializers.ListField(child=serializers.CharField(), help_text="sub-cases holding this upload")


class BundleCaseSerializer(serializers.Serializer):
    number = serializers.CharField()
    query_code = serializers.CharField(allow_null=True)
    bundle = serializers.JSONField(help_text="{code, name, version}")
    lead_department = DepartmentRefSerializer()
    applicant = serializers.JSONField(help_text="{type, name (masked)}")
    created_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    accepted_at = serializers.DateTimeField(allow_null=True, help_text="一窗受理")
    done_at = serializers.DateTimeField(allow_null=True)
    committed_days = serializers.IntegerField(help_text="the longest committed limit of the sub-cases")
    progress = ProgressDataSerializer()
    materials = BundleMaterialRowSerializer(many=True)
    sub_cases = SubCaseSerializer(many=True)


class BundleCreateSerializer(serializers.Serializer):
    bundle_code = serializers.CharField(max_length=36)
    applicant = case_serializers.PartyInSerializer()
    agent = case_serializers.AgentInSerializer(required=False, allow_null=True)
    form = serializers.DictField(child=case_serializers.FormValueField(), required=False, default=dict)
    channel = serializers.ChoiceField(choices=Application.Channel.choices, required=False)


class BundleCreatedSerializer(serializers.Serializer):
    number = serializers.CharField()
    state = serializers.CharField(help_text="the bundle's progress status (draft)")
    query_code = serializers.CharField()
    sub_cases = serializers.JSONField(help_text="[{number, item_code, state}]")


class BundleUploadSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=250, help_text="a merged material's key (catalog bundle materials[].key)")
    file = serializers.FileField()


class BundleRowSerializer(serializers.Serializer):
    number = serializers.CharField()
    bundle = serializers.JSONField()
    lead_department = DepartmentRefSerializer()
    created_at = serializers.DateTimeField()
    progress = ProgressDataSerializer()


# --- views ---------------------------------------------------------------------------------------------


def _detail(request, number: str, code=status.HTTP_200_OK) -> Response:
    bundle_case = selectors.bundle_case_detail(request.user, number)
    return Response(BundleCaseSerializer(bundle_data(bundle_case, request.user)).data, status=code)


class BundlesView(GenericAPIView):
    """GET: the caller's bundle cases (staff: those their department leads or takes part in). POST: file one."""

    pagination_class = CasePagination
    serializer_class = BundleRowSerializer

    @extend_schema(responses={200: BundleRowSerializer(many=True), **ERRORS})
    def get(self, request):
        page = self.paginate_queryset(selectors.bundle_cases_for(request.user))
        rows = [{"number": b.number, "bundle": {"code": b.bundle.code, "name": b.bundle.name},
                 "lead_department": _dept(b.lead_department), "created_at": b.created_at,
                 "progress": progress_data(b)} for b in page]  # fmt: skip
        return self.get_paginated_response(BundleRowSerializer(rows, many=True).data)

    @extend_schema(
        request=BundleCreateSerializer,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
                                     description="the same key from the same user returns the same bundle (≤100)")],
        responses={201: BundleCreatedSerializer, 200: BundleCreatedSerializer, **ERRORS},
    )  # fmt: skip
    def post(self, request):
        body = BundleCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        roles = request.user.role_names
        party, clerk = roles & {Role.APPLICANT, Role.AGENT}, Role.CLERK in roles
        channel = data.setdefault(
            "channel", Application.Channel.WINDOW if clerk and not party else Application.Channel.ONLINE
        )
        if roles and not party and not (clerk and channel == Application.Channel.WINDOW):
            raise NotPermitted("只有申请人、代办员或窗口工作人员（窗口申报）可以申报。")
        key = request.headers.get("Idempotency-Key", "").strip()
        if len(key) > 100:
            raise serializers.ValidationError({"Idempotency-Key": ["不超过 100 个字符。"]})
        replay = bool(key) and IdempotencyKey.objects.filter(user=request.user, key=key).exists()
        bundle_case = services.file_bundle(by=request.user, idempotency_key=key, **data)
        sub_cases = bundle_case.sub_cases.select_related("item").order_by("pk")
        created = {
            "number": bundle_case.number, "state": selectors.progress(bundle_case).status,
            "query_code": bundle_case.query_code,
            "sub_cases": [{"number": c.number, "item_code": c.item.code, "state": c.state} for c in sub_cases],
        }  # fmt: skip
        headers = {"Location": reverse("api-bundle", args=[bundle_case.number])}
        return Response(created, status=status.HTTP_200_OK if replay else status.HTTP_201_CREATED, headers=headers)


class BundleDetailView(APIView):
    @extend_schema(responses={200: BundleCaseSerializer, **ERRORS})
    def get(self, request, number: str):
        return _detail(request, number)


class BundleMaterialView(APIView):
    """Upload one merged material once (multipart ``key`` + ``file``); every sub-case needing it refers to it."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        request={"multipart/form-data": BundleUploadSerializer},
        responses={201: BundleCaseSerializer, 413: error(413), 415: error(415, "not PDF, JPEG, PNG or OFD by content"),
                   **ERRORS},
    )  # fmt: skip
    def post(self, request, number: str):
        bundle_case = selectors.bundle_case_detail(request.user, number)
        body = BundleUploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        services.upload_bundle_material(bundle_case_id=bundle_case.pk, by=request.user, key=data["key"],
                                        upload=data["file"], ip=_ip(request))  # fmt: skip
        return _detail(request, number, status.HTTP_201_CREATED)


ACTS = {"submit": services.submit_bundle, "resubmit": services.resubmit_bundle, "accept": services.accept_bundle}


class BundleActView(APIView):
    """``submit`` and ``resubmit`` (the applicant), ``accept`` (一窗受理: a clerk of the lead department)."""

    @extend_schema(
        operation_id="v1_bundles_act",
        parameters=[OpenApiParameter("act", str, OpenApiParameter.PATH, enum=list(ACTS))],
        request=None,
        responses={200: BundleCaseSerializer, **ERRORS},
    )
    def post(self, request, number: str, act: str):
        bundle_case = selectors.bundle_case_detail(request.user, number)
        if act not in ACTS:
            raise serializers.ValidationError({"act": [f"须为 {', '.join(ACTS)} 之一。"]})
        ACTS[act](bundle_case_id=bundle_case.pk, by=request.user, ip=_ip(request))
        return _detail(request, number)


def public_bundle_progress(bundle_case) -> dict:
    """Public progress of a bundle (no personal data): its progress and each sub-case's state and timeline."""
    return PublicBundleProgressSerializer({
        "number": bundle_case.number, "kind": "bundle", "bundle_name": bundle_case.bundle.name,
        "submitted_at": bundle_case.submitted_at, "accepted_at": bundle_case.accepted_at,
        "done_at": bundle_case.done_at, "progress": progress_data(bundle_case),
        "sub_cases": list(bundle_case.sub_cases.all()),
    }).data  # fmt: skip


def bundle_summary(bundle_case_id: int) -> dict:
    """What a sub-case's public progress says about its bundle: number, name and one progress."""
    bundle_case = BundleCase.objects.select_related("bundle").prefetch_related("sub_cases").get(pk=bundle_case_id)
    return {"number": bundle_case.number, "name": bundle_case.bundle.name, "progress": progress_data(bundle_case)}
