"""Public catalog API for 一件事 bundles: ``GET /api/v1/catalog/bundles`` and ``…/bundles/{code}``.

The detail is the merged guide (``catalog.bundles``): one material list in which a material several
items need appears once (``key``; ``requirements`` names the member items' requirement ids it stands
for), the longest committed limit, the merged form. docs/bundles.md documents the shapes.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import bundles
from catalog.serializers import FieldSerializer
from hall.errors import OutsideScope
from hall.schema import PageNumberPagination, errors
from hall.serializers import DepartmentRefSerializer


class ThemeRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class MemberSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    department = DepartmentRefSerializer()
    version = serializers.IntegerField(allow_null=True)
    committed_days = serializers.IntegerField(allow_null=True)
    statutory_days = serializers.IntegerField(allow_null=True)
    accepts_filings = serializers.BooleanField()


class RequirementRefSerializer(serializers.Serializer):
    item_code = serializers.CharField()
    requirement_id = serializers.IntegerField()


class MergedMaterialSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="the merged material's key: upload it once with this key")
    name = serializers.CharField()
    required = serializers.BooleanField(help_text="required by at least one member item")
    condition = serializers.CharField()
    copies = serializers.IntegerField()
    form = serializers.CharField()
    e_licence = serializers.BooleanField()
    shared = serializers.BooleanField(help_text="needed by more than one member item (asked once)")
    requirements = RequirementRefSerializer(many=True)


class ConditionsSerializer(serializers.Serializer):
    item_code = serializers.CharField()
    item_name = serializers.CharField()
    conditions = serializers.CharField()


class BundleSummarySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    theme = ThemeRefSerializer()
    lead_department = DepartmentRefSerializer()
    version = serializers.IntegerField()
    committed_days = serializers.IntegerField(help_text="the longest committed limit of the member items")
    statutory_days = serializers.IntegerField(help_text="the longest statutory limit of the member items")
    online = serializers.BooleanField(help_text="every member item may be filed online")
    accepts_filings = serializers.BooleanField()
    items = MemberSerializer(many=True)

    def to_representation(self, guide: bundles.Guide):
        bundle = guide.bundle
        return {
            "code": bundle.code,
            "name": bundle.name,
            "theme": {"code": bundle.theme.code, "name": bundle.theme.name},
            "lead_department": {"code": bundle.lead_department.code, "name": bundle.lead_department.name},
            "version": guide.version.number,
            "committed_days": guide.committed_days,
            "statutory_days": guide.statutory_days,
            "online": guide.online,
            "accepts_filings": guide.accepts_filings,
            "items": [
                {
                    "code": item.code, "name": item.name,
                    "department": {"code": item.department.code, "name": item.department.name},
                    "version": version.number if version else None,
                    "committed_days": version.committed_days if version else None,
                    "statutory_days": version.statutory_days if version else None,
                    "accepts_filings": version is not None,
                }
                for item, version in guide.members
            ],
        }  # fmt: skip


class BundleSerializer(BundleSummarySerializer):
    summary = serializers.CharField()
    extra_conditions = serializers.CharField()
    conditions = ConditionsSerializer(many=True)
    materials = MergedMaterialSerializer(many=True)
    form_fields = FieldSerializer(many=True)

    def to_representation(self, guide: bundles.Guide):
        data = super().to_representation(guide)
        data.update(
            summary=guide.version.summary,
            extra_conditions=guide.version.extra_conditions,
            conditions=[
                {"item_code": item.code, "item_name": item.name, "conditions": version.conditions}
                for item, version in guide.members
                if version is not None
            ],
            materials=[
                {
                    "key": m.key,
                    "name": m.name,
                    "required": m.required,
                    "condition": m.condition,
                    "copies": m.copies,
                    "form": m.form,
                    "e_licence": m.e_licence,
                    "shared": m.shared,
                    "requirements": [{"item_code": item.code, "requirement_id": r.pk} for item, r in m.requirements],
                }
                for m in guide.materials
            ],
            form_fields=FieldSerializer(guide.fields, many=True).data,
        )
        return data


class BundlePagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class BundleListView(GenericAPIView):
    """Published 一件事 bundles with their member items and the longest committed limit."""

    permission_classes = [permissions.AllowAny]
    pagination_class = BundlePagination
    serializer_class = BundleSummarySerializer

    @extend_schema(responses={200: BundleSummarySerializer(many=True), **errors(404)})
    def get(self, request):
        page = self.paginate_queryset(bundles.public_bundles())
        guides = [bundles.guide_for(bundle) for bundle in page]
        return self.get_paginated_response(BundleSummarySerializer(guides, many=True).data)


class BundleDetailView(APIView):
    """One published bundle's merged guide: conditions, one material list, one form."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: BundleSerializer})
    def get(self, request, code: str):
        guide = bundles.guide(code)
        if guide is None:
            raise OutsideScope("没有这个一件事。")
        return Response(BundleSerializer(guide).data)
