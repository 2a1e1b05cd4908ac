"""Celery tasks on a real worker: Redis (as in production) and the server-less filesystem broker."""

import time

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker

from hall.celery import app as celery_app
from hall.models import Heartbeat
from hall.services import record_heartbeat
from hall.tasks import beat_heartbeat


def wait_for(predicate, timeout=15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_beat_heartbeat_task_runs_on_a_worker_over_redis():
    assert celery_app.conf.broker_url.startswith("redis://")
    with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        beat_heartbeat.delay()
        assert wait_for(lambda: Heartbeat.objects.filter(name="beat").exists())


@pytest.mark.django_db(transaction=True)
def test_filesystem_broker_needs_no_server(tmp_path):
    """The embedded default (make run): kombu's filesystem transport under var/."""
    app = Celery("embedded", broker="filesystem://", set_as_current=False)
    app.conf.broker_transport_options = {
        "data_folder_in": str(tmp_path),
        "data_folder_out": str(tmp_path),
        "control_folder": str(tmp_path / "control"),
        "polling_interval": 0.05,
    }
    app.conf.task_ignore_result = True

    @app.task(name="embedded.heartbeat")
    def task():
        record_heartbeat("embedded")

    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            task.delay()
            assert wait_for(lambda: Heartbeat.objects.filter(name="embedded").exists())
    finally:  # start_worker made this app current and default: give the hall its own back
        celery_app.set_current()
        celery_app.set_default()
