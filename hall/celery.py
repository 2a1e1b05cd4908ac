"""The Celery app: worker and beat for notifications and the supervision scans."""

import os

from celery import Celery
from celery.signals import beat_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hall.settings")

app = Celery("hall")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["hall"], related_name="audit_tasks")


@beat_init.connect
def send_first_heartbeat(sender=None, **kwargs):
    """Beat's first interval would leave /healthz red for a minute after start: beat once now."""
    app.send_task("hall.tasks.beat_heartbeat")
