"""Health endpoints: /healthz (readiness of the whole system) and /healthz/live (this process)."""

from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from hall.celery import app as celery_app
from hall.models import Heartbeat


def _check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"ok": True, "vendor": connection.vendor}


def _check_broker() -> dict:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
        return {"ok": True, "transport": conn.transport_cls}


def _check_cache() -> dict:
    """A set/get round trip. With hall.cache.FallbackRedisCache, Redis down is *degraded*, not down:
    requests are served from local memory (throttles per process), so the hall stays in service."""
    key = "healthz:probe"
    cache.set(key, "1", timeout=10)
    result = {"ok": cache.get(key) == "1", "backend": settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]}
    status = getattr(cache, "status", None)
    if callable(status):
        result.update(status())
    return result


def _check_beat() -> dict:
    beat = Heartbeat.objects.filter(name="beat").first()
    if beat is None:
        return {"ok": False, "last": None, "detail": "no heartbeat yet"}
    age = timezone.now() - beat.at
    return {
        "ok": age <= timedelta(seconds=settings.BEAT_HEARTBEAT_MAX_AGE),
        "last": beat.at.isoformat(),
        "age_seconds": int(age.total_seconds()),
    }


CHECKS = {"database": _check_database, "broker": _check_broker, "cache": _check_cache, "beat": _check_beat}


@never_cache
@require_GET
def healthz(request):
    """Database, broker/Redis, cache and the beat heartbeat; 503 when any of them is down.

    ``"status": "degraded"`` (still 200) when a check works on its fallback, e.g. the cache while Redis
    is down: the process can serve requests, and taking it out of the load balancer would not help."""
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:  # a health check reports failures, it must not raise them
            results[name] = {"ok": False, "detail": f"{type(exc).__name__}: {exc}"[:300]}
    healthy = all(r["ok"] for r in results.values())
    degraded = any(r.get("degraded") for r in results.values())
    body = {"status": ("degraded" if degraded else "ok") if healthy else "fail", "checks": results}
    return JsonResponse(body, status=200 if healthy else 503)


@never_cache
@require_GET
def live(request):
    """The process answers (container liveness); says nothing about its dependencies."""
    return JsonResponse({"status": "ok"})
