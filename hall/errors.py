"""Domain exceptions and the one place that shapes every API error.

Services raise these; views never build error bodies by hand. Every JSON error reads
``{"error": code, "detail": human message, "fields": {...}}`` (DESIGN.md, API).
"""

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)


class DomainError(Exception):
    """A user-facing failure of a service call. Subclasses fix the HTTP status and error code."""

    status_code = status.HTTP_400_BAD_REQUEST
    code = "invalid"

    def __init__(self, detail: str, *, fields: dict | None = None, code: str | None = None):
        super().__init__(detail)
        self.detail = detail
        self.fields = fields or {}
        if code:
            self.code = code


class OutsideScope(DomainError):
    """The object is not the caller's to see. Answers 404, never 403 (no enumeration)."""

    status_code = status.HTTP_404_NOT_FOUND
    code = "not_found"


class NotPermitted(DomainError):
    """The caller sees the object but may not perform this action on it."""

    status_code = status.HTTP_403_FORBIDDEN
    code = "permission_denied"


class Conflict(DomainError):
    status_code = status.HTTP_409_CONFLICT
    code = "conflict"


class TransitionNotAllowed(Conflict):
    code = "transition_not_allowed"


class UploadTooLarge(DomainError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    code = "too_large"


class InvalidUpload(DomainError):
    status_code = status.HTTP_415_UNSUPPORTED_MEDIA_TYPE
    code = "unsupported_media_type"


def error_body(code: str, detail: str, fields: dict | None = None) -> dict:
    return {"error": code, "detail": detail, "fields": fields or {}}


def json_error(code: str, detail: str, status_code: int, fields: dict | None = None) -> JsonResponse:
    return JsonResponse(error_body(code, detail, fields), status=status_code, json_dumps_params={"ensure_ascii": False})


def _flatten(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested validation detail as ``{"applicant.id_number": ["..."]}``."""
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = key if key != "non_field_errors" else "__all__"
            out.update(_flatten(value, f"{prefix}.{name}" if prefix else str(name)))
        return out
    if isinstance(detail, list) and detail and all(isinstance(x, dict) for x in detail):
        out = {}
        for index, value in enumerate(detail):
            out.update(_flatten(value, f"{prefix}[{index}]"))
        return out
    items = detail if isinstance(detail, list) else [detail]
    return {prefix or "__all__": [str(x) for x in items]}


def _drf_code(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    if isinstance(codes, str):
        return codes
    return exc.default_code


def api_exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: domain, Django and DRF exceptions as one JSON shape."""
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.detail, exc.fields), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return Response(error_body("invalid", "提交的数据有误。", fields), status=400)
    if isinstance(exc, RecursionError):
        # A parser that recursed through deeply nested input (a view with DRF's own JSONParser
        # rather than hall.parsers.JSONParser): the input is at fault, so 400, but logged in full.
        logger.error("RecursionError in an API view answered as 400", exc_info=exc)
        exc = exceptions.ParseError("请求数据嵌套层数过多。")
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("未找到。")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None  # a bug: Django's handler500 answers with JSON under /api/ and logs it
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        first = next(iter(fields.values()), ["提交的数据有误。"])[0]
        response.data = error_body("invalid", f"提交的数据有误：{first}", fields)
    else:
        response.data = error_body(_drf_code(exc), str(exc.detail))
    return response


def error_texts(exc: Exception) -> list[str]:
    """The user-facing texts of a refused service call, for a page's messages: a ``DomainError``'s detail,
    or every message of a ``ValidationError``."""
    return [exc.detail] if isinstance(exc, DomainError) else list(exc.messages)
