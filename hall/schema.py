"""The OpenAPI schema says what the API really answers (issue 12, point 7), so a generated client works.

``AutoSchema`` (REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]) adds to every operation the error responses it
can produce, each with the one error shape ``Error`` (``hall.errors``): 400 when it takes parameters or
a body, 401 when it authenticates, 403 when a permission decides, 404 when its path names something,
415 when it takes a body (DRF refuses other media types), 429 when it is throttled (every view is).
Statuses an operation documents itself (409, 413, 415 …) get the same shape.

The paginators here validate ``page_size`` and ``cursor``/``page`` as the schema declares them: a value
that is not a whole number in range is a 400 with ``fields``, never silently another page size.
"""

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer
from rest_framework import pagination, permissions, serializers

ERROR_TEXT = {
    400: "bad input: the fields at fault in `fields`",
    401: "not logged in, or an unknown token",
    403: "logged in, but this role may not do this",
    404: "absent, or not yours (the two read the same)",
    405: "method not allowed",
    409: "conflict: not allowed in the case's current state, or someone acted first",
    413: "file larger than UPLOAD_MAX_MB",
    415: "unsupported media type, or a file that is not an acceptable PDF, JPEG, PNG or OFD",
    429: "throttled: try again later (Retry-After)",
}


class ErrorSerializer(serializers.Serializer):
    """Every API error (DESIGN.md, API): a code, a message in Chinese, and the fields at fault."""

    error = serializers.CharField(help_text="machine-readable code: invalid, not_found, conflict, throttled …")
    detail = serializers.CharField(help_text="human message (Chinese)")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text='messages by field, e.g. {"applicant.id_number": ["…"]}; empty unless the input is at fault',
    )


def error(status: int, text: str | None = None) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=text or ERROR_TEXT.get(status, "error"))


def errors(*statuses: int) -> dict[int, OpenApiResponse]:
    """``responses={200: …, **errors(409)}`` for statuses the automatic rules do not infer."""
    return {status: error(status) for status in statuses}


class AutoSchema(SpectacularAutoSchema):
    def _error_statuses(self) -> set[int]:
        view = self.view
        statuses = set()
        has_body = self.method in ("POST", "PUT", "PATCH")
        path_parameters = "{" in self.path
        query_parameters = any(p.get("in") in ("query", "header") for p in self._get_parameters())
        if has_body or query_parameters or path_parameters:
            statuses.add(400)
        if has_body:
            statuses.add(415)
        if view.get_authenticators():
            statuses.add(401)
        if not all(isinstance(p, permissions.AllowAny) for p in view.get_permissions()):
            statuses |= {401, 403}
        if path_parameters:
            statuses.add(404)
        if view.get_throttles():
            statuses.add(429)
        return statuses

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for status in sorted(self._error_statuses()):
            responses.setdefault(str(status), {"description": ERROR_TEXT[status]})
        for status, response in responses.items():
            if status.startswith("4") and "content" not in response:
                shaped = self._get_response_for_code(error(int(status), response.get("description")), status)
                responses[status] = shaped
        return dict(sorted(responses.items()))


def _page_size_parameter(paginator) -> dict:
    return {
        "name": paginator.page_size_query_param,
        "required": False,
        "in": "query",
        "description": f"results per page, 1 to {paginator.max_page_size} (default {paginator.page_size})",
        "schema": {"type": "integer", "minimum": 1, "maximum": paginator.max_page_size},
    }


def _strict_page_size(paginator, request) -> int:
    raw = request.query_params.get(paginator.page_size_query_param)
    if raw is None:
        return paginator.page_size
    if not raw.isascii() or not raw.isdecimal() or not 1 <= int(raw) <= paginator.max_page_size:
        raise serializers.ValidationError(
            {paginator.page_size_query_param: [f"须为 1 至 {paginator.max_page_size} 的整数。"]}
        )
    return int(raw)


class CursorPagination(pagination.CursorPagination):
    """DRF's cursor pagination with ``page_size`` validated and a bad ``cursor`` a 400, not a 404."""

    def get_page_size(self, request):
        return _strict_page_size(self, request)

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except Exception as exc:  # DRF raises NotFound("Invalid cursor") for any undecodable cursor
            if getattr(exc, "status_code", None) != 404:
                raise
            raise serializers.ValidationError({self.cursor_query_param: ["不是有效的分页游标。"]}) from None

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        return [_page_size_parameter(self) if p["name"] == self.page_size_query_param else p for p in parameters]


class PageNumberPagination(pagination.PageNumberPagination):
    """DRF's page-number pagination with ``page`` and ``page_size`` validated (400); a page past the end
    is still a 404 (documented)."""

    def get_page_size(self, request):
        return _strict_page_size(self, request)

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param, 1)
        if raw in self.last_page_strings:
            return raw
        raw = str(raw)
        if not raw.isascii() or not raw.isdecimal() or not 1 <= int(raw) <= 1_000_000:
            raise serializers.ValidationError({self.page_query_param: ["须为正整数。"]})
        return int(raw)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        out = []
        for p in parameters:
            if p["name"] == self.page_size_query_param:
                p = _page_size_parameter(self)
            elif p["name"] == self.page_query_param:
                p = {**p, "schema": {"type": "integer", "minimum": 1, "maximum": 1_000_000}}
            out.append(p)
        return out


class AnyOfSerializer(PolymorphicProxySerializer):
    """A body that is one of several shapes chosen by something outside it (the transition's name in the
    path). The shapes overlap (``{"reason": …}`` fits several), so the schema says ``anyOf``: with
    ``oneOf`` a body matching two of them would be invalid JSON Schema-wise, though the API takes it."""

    def __init__(self, component_name: str, serializers: list):
        super().__init__(component_name=component_name, serializers=serializers, resource_type_field_name=None)


class AnyOfSerializerExtension(OpenApiSerializerExtension):
    target_class = AnyOfSerializer
    match_subclasses = True

    def get_name(self, auto_schema, direction):
        return self.target.component_name

    def map_serializer(self, auto_schema, direction):
        refs = [auto_schema.resolve_serializer(sub, direction).ref for sub in self.target.serializers]
        return {"anyOf": refs}
