"""One helper decides the client address for the audit trail, API throttles and login lockout (issue 12, point 3).

Without trusted proxies the socket address is the client, whatever X-Forwarded-For says; with
TRUSTED_PROXY_COUNT=N the N-th entry from the right; with TRUSTED_PROXY_NETWORKS only on connections
from those proxies.
"""

import pytest
from django.test import RequestFactory
from rest_framework.test import APIClient

from hall.net import client_ip

pytestmark = pytest.mark.django_db


def _request(xff: str | None = None, remote: str = "198.51.100.7"):
    extra = {"HTTP_X_FORWARDED_FOR": xff} if xff is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


def test_without_trusted_proxies_the_socket_address_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request("203.0.113.9")) == "198.51.100.7"
    assert client_ip(_request("not-an-ip", remote="10.1.2.3")) == "10.1.2.3"
    assert client_ip(_request(remote="garbage")) is None


def test_one_trusted_proxy_reads_the_entry_it_appended(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client wrote "1.1.1.1"; the proxy appended the address it saw, 203.0.113.9.
    assert client_ip(_request("1.1.1.1, 203.0.113.9", remote="10.0.0.1")) == "203.0.113.9"
    assert client_ip(_request(remote="10.0.0.1")) == "10.0.0.1"
    assert client_ip(_request("not-an-ip", remote="10.0.0.1")) == "10.0.0.1"


def test_two_trusted_proxies_read_the_second_entry_from_the_right(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_ip(_request("1.1.1.1, 203.0.113.9, 10.0.0.2", remote="10.0.0.1")) == "203.0.113.9"


def test_trusted_proxy_networks_ignore_the_header_from_anyone_else(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_NETWORKS = ["10.0.0.0/8"]
    assert client_ip(_request("203.0.113.9", remote="10.0.0.1")) == "203.0.113.9"
    assert client_ip(_request("203.0.113.9", remote="198.51.100.7")) == "198.51.100.7"


@pytest.mark.parametrize(
    ("env", "count"),
    [
        ({}, "0"),
        ({"TRUST_X_FORWARDED_PROTO": "true"}, "1"),
        ({"TRUST_X_FORWARDED_PROTO": "true", "TRUSTED_PROXY_COUNT": "2"}, "2"),
    ],
)
def test_proxy_count_comes_from_the_environment(env, count):
    """TRUST_X_FORWARDED_PROTO, the setting deployments already had, alone means one proxy in front."""
    import os
    import subprocess
    import sys

    clean = {k: v for k, v in os.environ.items() if not k.startswith(("TRUST", "DJANGO_SETTINGS"))}
    code = "from hall import settings; print(settings.TRUSTED_PROXY_COUNT, settings.REST_FRAMEWORK['NUM_PROXIES'])"
    out = subprocess.run([sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True, check=True)
    assert out.stdout.split() == [count, count]


def _hammer(path: str, times: int, method: str = "get", body: bool = False) -> list[int]:
    """``times`` anonymous requests from one socket address, each with a new X-Forwarded-For (and a new
    username, so that django-axes' per-user lockout does not answer 429 first)."""
    api = APIClient(REMOTE_ADDR="198.51.100.7")
    statuses = []
    for n in range(times):
        forged = f"203.0.113.{n % 250 + 1}, 10.{n}.0.1"
        kwargs = {"data": {"username": f"u{n}", "password": "y"}, "format": "json"} if body else {}
        statuses.append(getattr(api, method)(path, HTTP_X_FORWARDED_FOR=forged, **kwargs).status_code)
    return statuses


def test_forged_forwarded_for_does_not_bypass_the_login_throttle(settings):
    """THROTTLE_LOGIN (20/min): 25 anonymous token requests, each with a new X-Forwarded-For, from one socket."""
    settings.TRUSTED_PROXY_COUNT = 0
    statuses = _hammer("/api/v1/auth/token", 25, "post", body=True)
    assert statuses[:20] == [400] * 20
    assert statuses[20:] == [429] * 5


def test_forged_forwarded_for_does_not_bypass_the_anonymous_throttle(settings, monkeypatch):
    """The default anonymous throttle, lowered to 20/min for the test, on a public endpoint."""
    from rest_framework.throttling import SimpleRateThrottle

    settings.TRUSTED_PROXY_COUNT = 0
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "anon": "20/min"})
    statuses = _hammer("/api/v1/catalog/items", 24)
    assert statuses.count(200) == 20
    assert statuses[20:] == [429] * 4


def test_behind_a_trusted_proxy_each_client_has_its_own_budget(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    statuses = _hammer("/api/v1/auth/token", 25, "post", body=True)
    assert 429 not in statuses
