"""The client's address: the one place that decides it, for the audit trail, API throttles and axes.

``X-Forwarded-For`` is whatever the client wrote into it, plus one entry per proxy that forwarded the
request. So it is read only when settings say that proxies stand in front of the hall:

- ``TRUSTED_PROXY_COUNT`` (env, default 0; 1 when ``TRUST_X_FORWARDED_PROTO`` is on): how many proxies
  append to the header. With N proxies the client is the N-th entry from the right — the address the
  outermost proxy saw; entries further left were written by the client and are ignored.
- ``TRUSTED_PROXY_NETWORKS`` (env, optional): the proxies' addresses or networks. When set, the header
  is read only on connections from one of them, so a client reaching the app port directly cannot
  choose its own address.

Without trusted proxies the socket address (``REMOTE_ADDR``) is the client. Before issue 12 the API
throttles keyed on the raw header, and one request per forged address bypassed every rate limit.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings


def _address(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in spec if item.strip())


def _from_trusted_proxy(remote: str | None) -> bool:
    networks = _networks(tuple(getattr(settings, "TRUSTED_PROXY_NETWORKS", ())))
    if not networks:
        return True
    return remote is not None and any(ipaddress.ip_address(remote) in network for network in networks)


def client_ip(request) -> str | None:
    """The client's IP address, or None when the connection gives none (e.g. a Unix socket).

    Anything that is not an IP address falls back to the socket address, never to the header text."""
    remote = _address(request.META.get("REMOTE_ADDR"))
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies <= 0 or not _from_trusted_proxy(remote):
        return remote
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if not hops:
        return remote
    return _address(hops[-min(proxies, len(hops))]) or remote
