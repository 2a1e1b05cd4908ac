"""Redis stopped: caches and API throttles degrade to local memory, requests still work, /healthz says so
(issue 12, point 1 — the request side; CONVENTIONS §4).

Each test starts its own redis-server on a free port (tests/reliability/conftest.py) and stops it.
"""

import logging
import time

import pytest
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from hall.services import record_heartbeat

pytestmark = [pytest.mark.redis, pytest.mark.django_db]


def test_cache_calls_succeed_while_redis_is_stopped_and_the_outage_is_logged_once(fallback_cache, redis_server, caplog):
    cache = fallback_cache
    cache.set("before", "kept in redis", 60)
    assert redis_server.client().get("hall:1:before") is not None

    redis_server.stop()
    caplog.set_level(logging.WARNING, logger="hall.cache")
    started = time.perf_counter()
    for n in range(200):
        cache.set(f"k{n}", n, 60)
        assert cache.get(f"k{n}") == n
    elapsed = time.perf_counter() - started
    assert cache.add("counter", 1) is True
    assert cache.incr("counter") == 2
    assert cache.get_many(["k1", "k2"]) == {"k1": 1, "k2": 2}
    cache.delete("k1")
    assert cache.get("k1") is None
    assert cache.get_or_set("lazy", lambda: "computed") == "computed"

    assert cache.degraded
    outage_logs = [r for r in caplog.records if r.name == "hall.cache"]
    assert len(outage_logs) == 1, [r.getMessage() for r in outage_logs]
    # 400 set/get pairs without Redis: local memory plus a refused connection every RETRY_SECONDS.
    assert elapsed < 5, elapsed


def test_throttled_api_requests_answer_while_redis_is_stopped(fallback_cache, redis_server, monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "anon": "20/min"})
    redis_server.stop()
    api = APIClient()
    statuses = [api.get("/api/v1/catalog/items").status_code for _ in range(22)]
    assert statuses[:20] == [200] * 20  # the anonymous throttle still counts, in local memory
    assert statuses[20:] == [429, 429]

    token = APIClient().post("/api/v1/auth/token", {"username": "nobody", "password": "x"}, format="json")
    assert token.status_code == 400  # the login throttle works too; no 500
    assert token.json()["error"] == "invalid_credentials"


def test_healthz_shows_the_cache_degraded_and_then_recovered(fallback_cache, redis_server, client):
    record_heartbeat("beat")
    redis_server.stop()
    fallback_cache.set("written-during-outage", "local", 60)

    body = client.get("/healthz").json()
    cache_check = body["checks"]["cache"]
    assert cache_check["ok"] is True  # requests are served
    assert cache_check["degraded"] is True
    assert cache_check["fallback"] == "locmem"
    assert "ConnectionError" in cache_check["detail"]
    assert body["status"] == "degraded"

    # Redis had an older copy of the key; after recovery it must not be served.
    redis_server.start()
    redis_server.client().set("hall:1:written-during-outage", b"stale")
    time.sleep(0.25)  # RETRY_SECONDS in the test configuration
    response = client.get("/healthz")
    assert response.status_code == 200, response.json()
    assert response.json()["checks"]["cache"]["degraded"] is False
    assert response.json()["status"] == "ok"
    assert redis_server.client().get("hall:1:written-during-outage") is None
    assert fallback_cache.get("written-during-outage") is None
