"""Public catalog API: the published directory for integrations and the applicant front end, served
from the directory cache (``catalog.directory``) between publications."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog import directory, selectors
from catalog.serializers import ItemFilterSerializer, ItemSerializer, ItemSummarySerializer, VersionQuerySerializer
from hall.errors import OutsideScope
from hall.schema import PageNumberPagination, errors


class ItemPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class ItemListView(GenericAPIView):
    """Published items, filtered by ``q`` (Chinese text or pinyin initials), department, type, theme."""

    permission_classes = [permissions.AllowAny]
    pagination_class = ItemPagination
    serializer_class = ItemSummarySerializer

    @extend_schema(parameters=[ItemFilterSerializer], responses={200: ItemSummarySerializer(many=True), **errors(404)})
    def get(self, request):
        return directory.cached_json(request, lambda: self._page(request))

    def _page(self, request):
        filters = ItemFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        items = selectors.search_items(**filters.validated_data)
        page = self.paginate_queryset(items)
        return self.get_paginated_response(ItemSummarySerializer(page, many=True).data)


class ItemDetailView(APIView):
    """The current published version of an item, or ``?version=N`` for a historic one."""

    permission_classes = [permissions.AllowAny]

    @extend_schema(parameters=[OpenApiParameter("version", int, required=False)], responses={200: ItemSerializer})
    def get(self, request, code: str):
        return directory.cached_json(request, lambda: self._item(request, code))

    def _item(self, request, code: str):
        query = VersionQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        version = selectors.item_version(code, query.validated_data.get("version"))
        if version is None:
            raise OutsideScope("没有这个事项或版本。")
        return Response(ItemSerializer(version).data)
