"""API throttles: one counter per client and window, one cache round trip per check (issue 22, point 4)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from django.conf import settings
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from hall import cache as hall_cache
from hall import throttling


def _packets_sent(monkeypatch) -> list:
    """The packets sent to Redis from now on (one per round trip)."""
    sent = []
    original = redis.connection.Connection.send_packed_command

    def send(connection, command, check_health=True):
        sent.append(command)
        return original(connection, command, check_health)

    monkeypatch.setattr(redis.connection.Connection, "send_packed_command", send)
    return sent


@pytest.mark.redis
def test_the_window_counter_is_one_round_trip_to_redis(monkeypatch):
    cache = hall_cache.FallbackRedisCache(settings.REDIS_URL, {"KEY_PREFIX": "throttle-test"})
    cache.delete("k")
    sent = _packets_sent(monkeypatch)
    assert [hall_cache.count_in_window(cache, "k", 60) for _ in range(3)] == [1, 2, 3]
    assert len(sent) == 3  # one packet (SET NX EX + INCR) per check
    monkeypatch.undo()
    key = cache.primary.make_and_validate_key("k")
    ttl = cache.primary._cache.get_client(key).ttl(key)
    assert 0 < ttl <= 60  # the window opened with the first hit; INCR kept its expiry
    cache.delete("k")


@pytest.mark.redis
def test_the_default_cache_proxy_counts_in_one_round_trip_with_one_reused_client(monkeypatch):
    """``django.core.cache.cache`` (what DRF's throttles hold) is a proxy: the counter still takes the
    pipelined path, and every operation reuses one ``redis.Redis`` per pool (issue 22)."""
    from django.core.cache import cache

    built = []
    original = redis.Redis.__init__
    monkeypatch.setattr(redis.Redis, "__init__", lambda self, *a, **kw: built.append(1) or original(self, *a, **kw))
    sent = _packets_sent(monkeypatch)
    cache.get("warm")
    built.clear()
    sent.clear()
    assert [hall_cache.count_in_window(cache, "proxy-k", 60) for _ in range(2)] == [1, 2]
    cache.get("proxy-other")
    assert len(sent) == 3 and not built


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


# --- sized for a hall (issue 22, point 4; docs/operations.md, "Throttles") ----------------------------------


def _lookup(number: str, address: str, code: str = "WRONG123"):
    """A progress lookup through the hall's proxy (TRUSTED_PROXY_COUNT=1), as if from ``address``."""
    api = APIClient(REMOTE_ADDR="10.0.0.1")
    return api.get("/api/v1/progress", {"number": number, "query_code": code}, HTTP_X_FORWARDED_FOR=address)


@pytest.fixture
def rates(monkeypatch, settings):
    """Behind one trusted proxy; the rates of the test on top of the configured ones."""
    settings.TRUSTED_PROXY_COUNT = 1

    def set_rates(**changed):
        monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, **changed})

    return set_rates


@pytest.mark.django_db
def test_a_numbers_lookups_are_capped_whatever_the_addresses_they_come_from(rates):
    """Rotating addresses does not buy guesses at one number's query code."""
    rates(progress="1000/min", progress_number="3/hour")
    statuses = [_lookup("ZRZYJ-20260930-0001", f"203.0.113.{n}").status_code for n in range(1, 5)]
    assert statuses == [404, 404, 404, 429]
    refused = _lookup(" zrzyj-20260930-0001 ", "198.51.100.1")  # the same number spelt differently
    assert refused.status_code == 429 and refused.json()["error"] == "throttled"
    assert int(refused["Retry-After"]) == 3600
    # another number, from the very address that was just refused: its own budget
    assert _lookup("ZRZYJ-20260930-0002", "198.51.100.1").status_code == 404


@pytest.mark.django_db
def test_a_halls_wifi_full_of_citizens_checking_their_own_cases_is_not_blocked(settings):
    """The configured rates: one address (the hall's Wi-Fi), 300 citizens, one lookup each of their own number."""
    settings.TRUSTED_PROXY_COUNT = 1
    statuses = {_lookup(f"ZRZYJ-20260930-{n:04d}", "203.0.113.200").status_code for n in range(300)}
    assert statuses == {404}


@pytest.mark.django_db
def test_accounts_behind_one_address_are_counted_each_on_their_own(rates, django_user_model):
    """A hall's Wi-Fi or a department's NAT: 20 accounts on one address, each up to the user rate; their
    requests do not use up the address's budget for visitors either."""
    rates(user="3/min", anon="3/min")
    users = [django_user_model.objects.create_user(username=f"wifi{n}") for n in range(20)]
    statuses = []
    for user in users:
        api = APIClient(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.200")
        api.force_authenticate(user)
        statuses += [api.get("/api/v1/catalog/items").status_code for _ in range(3)]
    assert statuses == [200] * 60
    assert api.get("/api/v1/catalog/items").status_code == 429  # the last account's fourth request
    visitor = APIClient(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.200")
    assert visitor.get("/api/v1/catalog/items").status_code == 200


SETTINGS = Path(__file__).resolve().parents[2] / "hall" / "settings.py"
ENV_EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "env.example"
READ_RATES = "\n".join(
    [
        "import json",
        "from hall.settings import REST_FRAMEWORK",
        "print(json.dumps(REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']))",
    ]
)


def _rates_read(env: dict) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("THROTTLE_", "DJANGO_SETTINGS"))}
    out = subprocess.run([sys.executable, "-c", READ_RATES], env={**clean, **env}, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_every_rate_comes_from_the_environment_with_the_default_the_docs_list():
    """docs/env.example lists every THROTTLE_* variable with its default; the settings read each."""
    found = re.findall(r'"(\w+)": env\.str\("(THROTTLE_\w+)", default="([^"]+)"\)', SETTINGS.read_text())
    variables = {name: scope for scope, name, _ in found}
    defaults = {name: default for _, name, default in found}
    assert {"THROTTLE_ANON", "THROTTLE_USER", "THROTTLE_PROGRESS", "THROTTLE_PROGRESS_NUMBER"} <= set(defaults)
    assert dict(re.findall(r"^# (THROTTLE_\w+)=(\S+)$", ENV_EXAMPLE.read_text(), re.MULTILINE)) == defaults
    assert _rates_read({}) == {variables[name]: default for name, default in defaults.items()}
    changed = {name: f"{n + 7}/hour" for n, name in enumerate(defaults)}
    assert _rates_read(changed) == {variables[name]: rate for name, rate in changed.items()}


def test_the_throttles_use_the_configured_rates():
    configured = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    for throttle in (throttling.AnonRateThrottle, throttling.ScopedRateThrottle, throttling.QueryCodeThrottle):
        assert configured == throttle.THROTTLE_RATES
    assert throttling.AnonRateThrottle().rate == configured["anon"]
    assert throttling.UserRateThrottle().rate == configured["user"]
