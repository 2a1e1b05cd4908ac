"""The cache backend with REDIS_URL set: Redis, degrading to a local-memory cache while Redis is down.

CONVENTIONS §4: nothing a request needs may fail because Redis is down. The cache holds throttle
counters (DRF), the calendar's version stamp and the portal's progress-query counter; all of them are
worth keeping across processes but none is worth a 500. So every operation tries Redis and, on a
Redis or socket error, is answered by this process's local-memory cache instead:

1. The first failure marks the shared state *degraded* (per process, shared by its threads, since
   Django builds one cache object per thread), logs a warning, and the answer comes from local memory.
2. While degraded, Redis is not asked again for ``RETRY_SECONDS`` (default 5), so a request does not
   pay a connect timeout per cache call; then one operation tries Redis again.
3. Still down: the warning is repeated at most once per ``LOG_SECONDS`` (default 60), with the
   number of operations answered locally.
4. Back up: the keys written locally during the outage are deleted from Redis (its copies may be
   stale), the local cache is emptied, and recovery is logged.

Degraded, throttles count per process instead of per hall (a client may get N× the rate with N
processes) — a looser limit for minutes beats refusing every request. ``/healthz`` shows the state
(``hall.health``).
"""

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

FAILURES = (RedisError, OSError)
MAX_DIRTY_KEYS = 10_000


@dataclass
class _State:
    """Degradation of one Redis location, shared by every thread's cache object in this process."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    degraded_since: float | None = None
    last_error: str = ""
    retry_at: float = 0.0
    logged_at: float = 0.0
    local_ops: int = 0
    dirty: set = field(default_factory=set)
    dirty_overflow: bool = False


def count_in_window(cache, key: str, seconds: int) -> int:
    """Count one more hit of ``key`` in a window of ``seconds`` that opened with its first hit; the
    count so far. Redis: one round trip (``SET NX EX`` + ``INCR`` in a pipeline, atomic per command);
    other backends: ``add`` then ``incr`` (dev and tests)."""
    counter = getattr(cache, "count_in_window", None)  # ``django.core.cache.cache`` is a proxy: no isinstance
    if counter is not None:
        return counter(key, seconds)
    cache.add(key, 0, seconds)
    try:
        return cache.incr(key)
    except ValueError:  # expired between the two calls: a new window
        cache.add(key, 1, seconds)
        return 1


class _ReusedClient(RedisCacheClient):
    """Django's client builds a new ``redis.Redis`` for every operation (its constructor registers ~170
    response callbacks: 0.15 ms, as much as the round trip itself, twice per API request). A ``Redis``
    over a connection pool is thread-safe, so one per pool is kept and reused (issue 22)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class _Redis(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusedClient

    def count_in_window(self, key, seconds, version=None) -> int:
        key = self.make_and_validate_key(key, version=version)
        pipe = self._cache.get_client(key, write=True).pipeline(transaction=False)
        pipe.set(key, 0, ex=int(seconds), nx=True)
        pipe.incr(key)
        return pipe.execute()[1]


class _LocMem(LocMemCache):
    def count_in_window(self, key, seconds, version=None) -> int:
        self.add(key, 0, seconds, version=version)
        return self.incr(key, version=version)


_states: dict[str, _State] = {}
_states_lock = threading.Lock()


def _iso(epoch: float | None) -> str | None:
    return datetime.fromtimestamp(epoch, tz=UTC).isoformat() if epoch is not None else None


def _state_for(location: str) -> _State:
    with _states_lock:
        return _states.setdefault(location, _State())


class FallbackRedisCache(BaseCache):
    """``django.core.cache.backends.redis.RedisCache`` with a local-memory fallback (see module doc).

    OPTIONS: ``RETRY_SECONDS``, ``LOG_SECONDS``; every other option goes to the Redis client
    (set ``socket_connect_timeout``/``socket_timeout`` so an unreachable host fails fast)."""

    def __init__(self, server, params):
        super().__init__(params)
        options = dict(params.get("OPTIONS") or {})
        self.retry_seconds = float(options.pop("RETRY_SECONDS", 5))
        self.log_seconds = float(options.pop("LOG_SECONDS", 60))
        self.location = server if isinstance(server, str) else ",".join(server)
        self.primary = _Redis(server, {**params, "OPTIONS": options})
        self.fallback = _LocMem(f"hall-fallback:{self.location}", {**params, "OPTIONS": {}})
        self.state = _state_for(self.location)

    # --- the degradation machinery -------------------------------------------------------------
    @property
    def degraded(self) -> bool:
        return self.state.degraded_since is not None

    def _call(self, name: str, *args, keys=(), **kwargs):
        state = self.state
        if state.degraded_since is not None and time.monotonic() >= state.retry_at:
            self._probe()
        if state.degraded_since is None:
            try:
                return getattr(self.primary, name)(*args, **kwargs)
            except FAILURES as exc:
                self._fail(exc)
        self._note_local(name, keys, kwargs.get("version"))
        return getattr(self.fallback, name)(*args, **kwargs)

    def _probe(self) -> None:
        """One round trip to Redis: recover when it answers, stay degraded (retry later) when not."""
        try:
            self.primary.has_key("hall:cache-probe")
        except FAILURES as exc:
            self._fail(exc)
        else:
            self._recover()

    def _fail(self, exc: Exception) -> None:
        state, now = self.state, time.monotonic()
        with state.lock:
            first = state.degraded_since is None
            if first:
                state.degraded_since, state.local_ops = time.time(), 0
            state.last_error = f"{type(exc).__name__}: {exc}"[:300]
            state.retry_at = now + self.retry_seconds
            should_log = first or now - state.logged_at >= self.log_seconds
            if should_log:
                state.logged_at = now
        if should_log:
            what = "serving from local memory" if first else f"still degraded, {state.local_ops} operations local"
            logger.warning("cache: Redis at %s unavailable (%s); %s", self.location, state.last_error, what)

    def _note_local(self, name: str, keys, version) -> None:
        state = self.state
        with state.lock:
            state.local_ops += 1
            if name in ("get", "get_many", "has_key"):
                return
            for key in keys:
                if len(state.dirty) >= MAX_DIRTY_KEYS:
                    state.dirty_overflow = True
                    break
                state.dirty.add((key, version))

    def _recover(self) -> None:
        state = self.state
        with state.lock:
            if state.degraded_since is None:
                return
            dirty, overflow = state.dirty, state.dirty_overflow
            outage = time.time() - state.degraded_since
            state.degraded_since, state.dirty, state.dirty_overflow, state.last_error = None, set(), False, ""
        try:
            for key, version in dirty:
                self.primary.delete(key, version=version)
        except FAILURES as exc:
            self._fail(exc)
            return
        self.fallback.clear()
        logger.warning(
            "cache: Redis at %s is back after %.0f s; %d keys written locally were dropped from Redis%s",
            self.location,
            outage,
            len(dirty),
            " (more were written; they expire by their timeouts)" if overflow else "",
        )

    def status(self) -> dict:
        """For /healthz: whether Redis answers now (one probe) and, if not, since when and why."""
        self._probe()
        state = self.state
        return {
            "primary": "redis",
            "degraded": self.degraded,
            "fallback": "locmem" if self.degraded else None,
            "degraded_since": _iso(state.degraded_since),
            "detail": state.last_error or None,
            "local_ops": state.local_ops if self.degraded else 0,
        }

    # --- the cache API, each call through _call ------------------------------------------------
    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout, version=version, keys=[key])

    def get(self, key, default=None, version=None):
        return self._call("get", key, default, version=version, keys=[key])

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", key, value, timeout, version=version, keys=[key])

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout, version=version, keys=[key])

    def delete(self, key, version=None):
        return self._call("delete", key, version=version, keys=[key])

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version=version, keys=list(keys))

    def has_key(self, key, version=None):
        return self._call("has_key", key, version=version, keys=[key])

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta, version=version, keys=[key])

    def count_in_window(self, key, seconds, version=None) -> int:
        return self._call("count_in_window", key, seconds, version=version, keys=[key])

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", data, timeout, version=version, keys=list(data))

    def delete_many(self, keys, version=None):
        return self._call("delete_many", keys, version=version, keys=list(keys))

    def clear(self):
        self.fallback.clear()
        return self._call("clear")

    def close(self, **kwargs):
        self.primary.close(**kwargs)
