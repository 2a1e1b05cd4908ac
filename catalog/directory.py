"""The published directory served from cache (issue 22): the catalog API's list and item answers,
rendered once per publication of the catalog and kept in each web process.

The directory changes a few times a day and is read on every visit to the hall's front end, so an
answer is the JSON bytes of its first rendering, kept under the *publication token* and the request's
host and full path (query included). The token is a random string in the shared cache
(``catalog:directory``): every change of the catalog — a save or delete of a catalog model or a
department, a theme or delegation change (``catalog.apps``) — replaces it once its transaction
commits, so every web process stops serving what it rendered before: the process that made the change
at once, the others within ``TOKEN_HOLD_SECONDS`` (each holds the token it read for a second: reading
it was half the cost of a cached answer). A random token, not a counter:
a Redis that restarts empty cannot bring back an old number whose pages a process still holds.

What keeps it honest when Redis is not there:

- while the cache is degraded (``hall.cache``: Redis down, each process answering from its own local
  memory) nothing is served from or stored in the directory cache: a change seen by one process would
  not reach the others. Once Redis is back, ``hall.cache`` drops the keys written locally during the
  outage from Redis — a token replaced then included — so a new token follows;
- the token lives ``TOKEN_SECONDS`` (10 minutes): a missed invalidation cannot outlive that;
- the answers of a day are keyed by the local date too (form fields' date limits say "today").

Each process keeps at most ``MAX_ANSWERS`` answers (least recently used dropped first), so a crawler
varying ``q`` cannot grow it without bound. Only 200 answers of the JSON renderer are kept.
"""

import threading
import time
import uuid
from collections import OrderedDict

from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.utils import timezone

TOKEN_KEY = "catalog:directory"
TOKEN_SECONDS = 600
# A process reads the token again after this long: the round trip to Redis was half the cost of a
# cached answer (issue 22). Other processes see a publication within this second.
TOKEN_HOLD_SECONDS = 1.0
MAX_ANSWERS = 512

_held: tuple[str | None, float] = (None, 0.0)

_answers: OrderedDict = OrderedDict()
_lock = threading.Lock()


def publication_token() -> str | None:
    """The current publication token; None while the shared cache is degraded (serve uncached). Read
    from the shared cache at most once per ``TOKEN_HOLD_SECONDS`` per process (``_held``)."""
    global _held
    if getattr(cache, "degraded", False):
        _held = (None, 0.0)  # after the outage, read it again
        return None
    held_token, held_at = _held
    if held_token is not None and time.monotonic() - held_at < TOKEN_HOLD_SECONDS:
        return held_token
    token = cache.get(TOKEN_KEY)
    if token is None:
        cache.add(TOKEN_KEY, uuid.uuid4().hex, TOKEN_SECONDS)
        token = cache.get(TOKEN_KEY)
    if getattr(cache, "degraded", False):
        return None
    _held = (token, time.monotonic())
    return token


def changed() -> None:
    """The catalog changed: a new token once the current transaction commits (at once outside one).
    This process forgets its answers and its held token at once too (a test's transaction never commits)."""
    forget_answers()
    transaction.on_commit(_new_token, robust=True)


def _new_token() -> None:
    forget_token()
    cache.set(TOKEN_KEY, uuid.uuid4().hex, TOKEN_SECONDS)


def forget_token() -> None:
    """Read the token from the shared cache on the next request (a change committed here)."""
    global _held
    _held = (None, 0.0)


def cached_json(request, build) -> HttpResponse:
    """The answer to ``request`` from this process's directory cache, or ``build()`` (a DRF ``Response``
    with data, or raising an API error) rendered once and kept."""
    token = publication_token()
    key = (token, timezone.localdate(), request.get_host(), request.get_full_path())
    if token is not None:
        with _lock:
            body = _answers.get(key)
            if body is not None:
                _answers.move_to_end(key)
        if body is not None:
            return _json(body)
    response = build()
    if token is None or response.status_code != 200 or request.accepted_renderer.format != "json":
        return response
    body = request.accepted_renderer.render(response.data, request.accepted_media_type, {"request": request})
    with _lock:
        _answers[key] = body
        while len(_answers) > MAX_ANSWERS:
            _answers.popitem(last=False)
    return _json(body)


def _json(body: bytes) -> HttpResponse:
    return HttpResponse(body, content_type="application/json")


def forget_answers() -> None:
    """Empty this process's answers and forget the token it holds."""
    forget_token()
    with _lock:
        _answers.clear()
