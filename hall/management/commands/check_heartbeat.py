"""``manage.py check_heartbeat NAME``: exit 1 when a periodic process's heartbeat is missing or stale."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from hall.models import Heartbeat


class Command(BaseCommand):
    help = "Container healthcheck for beat: fails when its last heartbeat is older than BEAT_HEARTBEAT_MAX_AGE."

    def add_arguments(self, parser):
        parser.add_argument("name", help="heartbeat name, e.g. beat")
        parser.add_argument("--max-age", type=int, default=settings.BEAT_HEARTBEAT_MAX_AGE, help="seconds")

    def handle(self, *args, name, max_age, **options):
        beat = Heartbeat.objects.filter(name=name).first()
        if beat is None:
            raise CommandError(f"no heartbeat {name!r} recorded yet")
        age = timezone.now() - beat.at
        if age > timedelta(seconds=max_age):
            raise CommandError(f"heartbeat {name!r} is {int(age.total_seconds())} s old (max {max_age} s)")
        self.stdout.write(f"{name}: ok ({int(age.total_seconds())} s ago)")
