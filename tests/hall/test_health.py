"""GET /healthz: database, broker, cache and the beat heartbeat; 503 when one is down."""

from datetime import timedelta

import pytest
from django.utils import timezone

from hall.celery import app as celery_app
from hall.models import Heartbeat
from hall.services import record_heartbeat

pytestmark = pytest.mark.django_db


def test_healthy_when_everything_answers_and_beat_is_recent(client):
    record_heartbeat("beat")
    response = client.get("/healthz")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "broker", "cache", "beat"}
    assert body["checks"]["beat"]["age_seconds"] < 5


def test_no_heartbeat_yet_is_503(client):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["beat"]["ok"] is False


def test_stale_heartbeat_is_503(client, settings):
    Heartbeat.objects.create(name="beat", at=timezone.now() - timedelta(seconds=settings.BEAT_HEARTBEAT_MAX_AGE + 5))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["beat"]["ok"] is False


def test_unreachable_broker_is_503(client, monkeypatch):
    record_heartbeat("beat")
    monkeypatch.setattr(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["broker"]["ok"] is False
    assert checks["database"]["ok"] is True


def test_liveness_needs_nothing(client):
    assert client.get("/healthz/live").json() == {"status": "ok"}


def test_check_heartbeat_command(db):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError):
        call_command("check_heartbeat", "beat")
    record_heartbeat("beat")
    call_command("check_heartbeat", "beat")
