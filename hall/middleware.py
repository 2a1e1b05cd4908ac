"""Reject NUL characters in user input before any view runs (404 in a path, 400 in a query or body).

PostgreSQL text cannot hold U+0000: a NUL in a URL, a query string or a form/JSON field would reach
the database and raise, a 500 for something a user can send. One check here covers every view.
"""

from hall.views import bad_request, page_not_found

NUL_MARKERS = (b"\x00", b"\\u0000", b"%00")


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
        if "%00" in request.META.get("QUERY_STRING", "") or "\x00" in str(request.GET):
            return True
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return False
        if request.content_type == "multipart/form-data":  # uploaded files may contain NUL bytes
            return any("\x00" in value for values in request.POST.lists() for value in values[1])
        return any(marker in request.body for marker in NUL_MARKERS)
