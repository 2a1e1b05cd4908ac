"""API throttles: keyed on the client address that hall.net.client_ip decides (issue 12, point 3), one
cache round trip per check (issue 22, point 4).

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
"""

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
