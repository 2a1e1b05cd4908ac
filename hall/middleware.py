"""Reject NUL characters in user input before any view runs (404 in a path, 400 in a query or body).

PostgreSQL text cannot hold U+0000: a NUL in a URL, a query string or a form/JSON field would reach
the database and raise, a 500 for something a user can send. One check here covers every view.

Only real NULs are refused, looked for where each format encodes them: the decoded path, the decoded
query and form fields, a raw NUL byte, and the JSON escape ``\\u0000``. The text ``%00`` in a JSON
string (``"进度100%00完成"``) or a query value sent as ``%2500`` is ordinary text (issue 12, point 4).

``DatabaseUnavailableMiddleware`` answers a lost database connection with a clean 503.
"""

import logging
import re

from django.http import HttpResponse, JsonResponse

from hall.views import bad_request, page_not_found

logger = logging.getLogger(__name__)

# A JSON \u0000 escape: an odd number of backslashes before "u0000" (an even number is the text "\u0000").
JSON_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _has_nul_field(query_dict) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in query_dict.lists())


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path:  # no object has such a name: 404 like any unknown address
            return page_not_found(request)
        if self._has_nul(request):
            return bad_request(request)
        return self.get_response(request)

    @staticmethod
    def _has_nul(request) -> bool:
        if _has_nul_field(request.GET):
            return True
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return False
        if request.content_type in FORM_TYPES:  # decoded fields; uploaded files may contain NUL bytes
            return _has_nul_field(request.POST)
        body = request.body
        return b"\x00" in body or JSON_NUL_ESCAPE.search(body) is not None


class DatabaseUnavailableMiddleware:
    """The database connection dropped or refused mid-request: 503, JSON under ``/api/`` and a plain
    Chinese page elsewhere, never a 500 — and nothing half-written, since every state change is one
    transaction that the lost connection rolls back. ``Retry-After`` tells clients when to try again."""

    RETRY_AFTER_SECONDS = 5

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.db import InterfaceError, OperationalError

        if not isinstance(exception, InterfaceError | OperationalError):
            return None
        logger.error("database unavailable during %s %s", request.method, request.path, exc_info=exception)
        return database_unavailable(request)


def database_unavailable(request) -> HttpResponse:
    detail = "数据库暂时不可用，本次操作未生效，请稍后重试。"
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"error": "service_unavailable", "detail": detail, "fields": {}}, status=503,
            json_dumps_params={"ensure_ascii": False},
        )  # fmt: skip
    else:
        response = HttpResponse(
            f'<!DOCTYPE html><html lang="zh-Hans"><meta charset="utf-8"><title>暂时无法办理</title>'
            f"<h1>暂时无法办理</h1><p>{detail}</p>",
            status=503,
        )
    response["Retry-After"] = str(DatabaseUnavailableMiddleware.RETRY_AFTER_SECONDS)
    return response
