"""Run the outbox's due messages in this process: an operator's tool when no Celery worker runs
(hall.outbox; the beat sweep does the same through the workers)."""

from django.core.management.base import BaseCommand

from hall import outbox
from hall.models import OutboxMessage


class Command(BaseCommand):
    help = "Carry out every due outbox message here (notifications, notice renders) and report what is left."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=10_000)

    def handle(self, *args, limit: int, **options):
        done = outbox.drain(limit=limit)
        left = OutboxMessage.objects.filter(done_at__isnull=True).count()
        self.stdout.write(f"done {done}; not done {left}")
