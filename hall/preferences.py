"""Display preferences anyone can set, logged in or not: the elderly-friendly mode (适老化, MIIT 2021).

The choice is a cookie (a year), so it is remembered on this device without an account; the toggle is a
plain form POST (no JavaScript needed) that returns to the page it was pressed on.
"""

from django.conf import settings
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

ELDER_COOKIE = "hall_elder"
ONE_YEAR = 365 * 24 * 3600


def elder_mode(request) -> bool:
    return request.COOKIES.get(ELDER_COOKIE) == "1"


@require_POST
def toggle_elder_mode(request):
    """长辈模式 on (``on=1``) or off, then back to ``next`` (a local URL only)."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        target = "/"
    response = redirect(target)
    if request.POST.get("on") == "1":
        response.set_cookie(ELDER_COOKIE, "1", max_age=ONE_YEAR, samesite="Lax", httponly=True,
                            secure=settings.SESSION_COOKIE_SECURE)  # fmt: skip
    else:
        response.delete_cookie(ELDER_COOKIE, samesite="Lax")
    return response
