"""Throttles of the API and of the public lookup pages: keyed on the client address that hall.net.client_ip
decides (issue 12, point 3), one cache round trip per counter (issue 22, point 4).

DRF's own throttles key on ``X-Forwarded-For`` as sent unless ``NUM_PROXIES`` is set; these use the
hall's one helper instead, so trusted proxies are configured once (TRUSTED_PROXY_COUNT/NETWORKS).
Settings also set ``NUM_PROXIES`` to the same count for any view that still names DRF's classes.

DRF's ``SimpleRateThrottle`` keeps a list of timestamps per client: a ``get`` and a ``set`` of the whole
list on every request (two Redis round trips, a list as long as the rate), and the default pair
(anon + user) checked an anonymous request twice. Here a check is one counter per client and window —
the window opens with the client's first request and lasts the rate's period (``SET NX EX`` + ``INCR``,
one pipelined round trip; ``hall.cache.count_in_window``) — and each request meets one of the default
pair: ``AnonRateThrottle`` for visitors, ``UserRateThrottle`` for accounts (per user, not per address:
a hall's public Wi-Fi puts many citizens behind one address, staff behind one NAT). A fixed window
lets a client reach at most twice the rate across a window's edge; for abuse limits that is fine.

Public lookups by number and query code (查询码: a case's or bundle's progress, a complaint's) meet two
counters: the scope's rate per address (``ScopedRateThrottle``, generous: a hall's Wi-Fi) and the
``<scope>_number`` rate per looked-up number whatever the address (``QueryCodeThrottle``, tight: guesses
at one number's code, so rotating addresses does not help). API and pages share both counters
(``refused_lookup``). The rates and their sizing: docs/operations.md, "Throttles".
"""

import hashlib
from dataclasses import dataclass, field

from rest_framework import throttling

from hall.cache import count_in_window
from hall.net import client_ip


class ClientAddressMixin:
    def get_ident(self, request):
        return client_ip(request) or "unknown"


class CountingMixin(throttling.SimpleRateThrottle):
    """``allow_request`` of DRF's ``SimpleRateThrottle`` with a window counter instead of a timestamp list
    (placed after DRF's class in the bases, so ``ScopedRateThrottle`` still resolves its scope first)."""

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        # its own key space: DRF's timestamp lists under the plain key (before an upgrade) are not counters
        return count_in_window(self.cache, f"window:{self.key}", self.duration) <= self.num_requests

    def wait(self):
        return self.duration  # at most: the window opened with the client's first request


class AnonRateThrottle(ClientAddressMixin, throttling.AnonRateThrottle, CountingMixin):
    pass


class UserRateThrottle(ClientAddressMixin, throttling.UserRateThrottle, CountingMixin):
    def get_cache_key(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return None  # visitors meet AnonRateThrottle only
        return super().get_cache_key(request, view)


class ScopedRateThrottle(ClientAddressMixin, throttling.ScopedRateThrottle, CountingMixin):
    pass


class QueryCodeThrottle(CountingMixin):
    """Lookups of one number (办件编号, 投诉编号) by its query code, from any address: the view's
    ``throttle_scope`` + ``_number`` rate (``THROTTLE_PROGRESS_NUMBER``).

    Every lookup counts, the right code too: the check has to come before the lookup, because a limit that
    still let the right code through would tell it apart from the wrong ones (429 against 200) and cap
    nothing; refused, the lookup costs one ``INCR`` and no query. So the owner's own lookups count as well,
    and the rate is sized above a citizen's real use. The number is read from ``view.kwargs`` under
    ``throttle_number_kwarg`` when the view names one, else from the ``number`` query parameter."""

    def __init__(self):
        pass  # the rate depends on the view's scope (as in DRF's ScopedRateThrottle)

    def allow_request(self, request, view):
        scope = getattr(view, "throttle_scope", None)
        if not scope or not looked_up_number(request, view):
            return True
        self.scope = f"{scope}_number"
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        # a digest: the number is whatever the caller typed (any length, spaces, any script)
        digest = hashlib.blake2b(looked_up_number(request, view).encode(), digest_size=16).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": digest}


def looked_up_number(request, view) -> str:
    """The number as the lookups normalise it (stripped, at most 40 characters), upper-cased on top: one
    number spelt differently gets no fresh budget."""
    kwarg = getattr(view, "throttle_number_kwarg", None)
    raw = view.kwargs.get(kwarg, "") if kwarg else request.query_params.get("number", "")
    return str(raw or "").strip()[:40].upper()


@dataclass
class _PageLookup:
    """What the throttles read from a view, for a page that is not a DRF view."""

    throttle_scope: str
    kwargs: dict = field(default_factory=dict)
    throttle_number_kwarg: str = "number"


def refused_lookup(request, *, scope: str, number: str = "") -> int | None:
    """For a page's lookup: the API's counters under the same keys (one budget per address and one per
    number, whichever door is used). None when allowed, else the seconds to wait."""
    view = _PageLookup(throttle_scope=scope, kwargs={"number": number})
    for throttle in (ScopedRateThrottle(), QueryCodeThrottle()):
        if not throttle.allow_request(request, view):
            return throttle.wait()
    return None


def refused_page(request, template: str, context: dict, wait: int):
    """A lookup page answered 429 with its wait (``context`` says it to the visitor) and ``Retry-After``."""
    from django.shortcuts import render

    response = render(request, template, context, status=429)
    response["Retry-After"] = str(wait)
    return response


def wait_text(seconds: int) -> str:
    """The wait as a page says it: “1 分钟”, “1 小时”."""
    return f"{seconds // 3600} 小时" if seconds >= 3600 else f"{max(1, seconds // 60)} 分钟"
