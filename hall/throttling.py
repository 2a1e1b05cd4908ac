"""API throttles keyed on the client address that hall.net.client_ip decides (issue 12, point 3).

DRF's own throttles key on ``X-Forwarded-For`` as sent unless ``NUM_PROXIES`` is set; these use the
hall's one helper instead, so trusted proxies are configured once (TRUSTED_PROXY_COUNT/NETWORKS).
Settings also set ``NUM_PROXIES`` to the same count for any view that still names DRF's classes.
"""

from rest_framework import throttling

from hall.net import client_ip


class ClientAddressMixin:
    def get_ident(self, request):
        return client_ip(request) or "unknown"


class AnonRateThrottle(ClientAddressMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(ClientAddressMixin, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(ClientAddressMixin, throttling.ScopedRateThrottle):
    pass
