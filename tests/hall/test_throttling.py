"""API throttles: one counter per client and window, one cache round trip per check (issue 22, point 4)."""

import pytest
import redis
from django.conf import settings
from rest_framework.test import APIClient

from hall import cache as hall_cache
from hall import throttling


@pytest.mark.redis
def test_the_window_counter_is_one_round_trip_to_redis(monkeypatch):
    cache = hall_cache.FallbackRedisCache(settings.REDIS_URL, {"KEY_PREFIX": "throttle-test"})
    cache.delete("k")
    sent = []
    original = redis.connection.Connection.send_packed_command

    def send(connection, command, check_health=True):
        sent.append(command)
        return original(connection, command, check_health)

    monkeypatch.setattr(redis.connection.Connection, "send_packed_command", send)
    assert [hall_cache.count_in_window(cache, "k", 60) for _ in range(3)] == [1, 2, 3]
    assert len(sent) == 3  # one packet (SET NX EX + INCR) per check
    monkeypatch.undo()
    key = cache.primary.make_and_validate_key("k")
    ttl = cache.primary._cache.get_client(key).ttl(key)
    assert 0 < ttl <= 60  # the window opened with the first hit; INCR kept its expiry
    cache.delete("k")


def test_other_backends_count_with_add_and_incr():
    from django.core.cache.backends.locmem import LocMemCache

    local = LocMemCache("throttle-test", {})
    assert [hall_cache.count_in_window(local, "k", 60) for _ in range(3)] == [1, 2, 3]


@pytest.mark.django_db
def test_a_visitor_meets_one_throttle_and_an_account_is_counted_per_user(monkeypatch, django_user_model):
    counted = []
    original = throttling.count_in_window
    monkeypatch.setattr(throttling, "count_in_window", lambda c, key, s: counted.append(key) or original(c, key, s))
    api = APIClient(REMOTE_ADDR="203.0.113.9")
    assert api.get("/api/v1/catalog/items").status_code == 200
    assert counted == ["window:throttle_anon_203.0.113.9"]
    user = django_user_model.objects.create_user(username="u1", password="x" * 12)
    counted.clear()
    api.force_authenticate(user)
    assert api.get("/api/v1/catalog/items").status_code == 200
    assert counted == [f"window:throttle_user_{user.pk}"]


@pytest.mark.django_db
def test_past_the_rate_the_answer_is_429_with_retry_after(monkeypatch):
    monkeypatch.setattr(throttling.AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/min"})
    api = APIClient(REMOTE_ADDR="203.0.113.10")
    assert [api.get("/api/v1/catalog/items").status_code for _ in range(4)] == [200, 200, 200, 429]
    response = api.get("/api/v1/catalog/items")
    assert response.status_code == 429 and 0 < int(response["Retry-After"]) <= 60
    assert response.json()["error"] == "throttled"
    assert APIClient(REMOTE_ADDR="203.0.113.11").get("/api/v1/catalog/items").status_code == 200  # per address


def test_with_redis_down_the_count_goes_on_in_local_memory():
    unreachable = hall_cache.FallbackRedisCache(
        "redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.2, "RETRY_SECONDS": 60}}
    )
    assert [hall_cache.count_in_window(unreachable, "k", 60) for _ in range(2)] == [1, 2]
    assert unreachable.degraded
