"""``manage.py scan_deadlines [--at ISO-8601]``: one supervision scan, as the beat task runs it."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from supervision.orders import escalate_overdue
from supervision.rules import detect_anomalies
from supervision.scan import expire_licences, scan_deadlines, scan_follow_ups


def parse_instant(text: str) -> datetime:
    """ISO-8601; without an offset the hall's time zone (Asia/Shanghai) is meant."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(
            f"--at {text!r} is not an ISO-8601 date-time (e.g. 2026-11-04T09:00:00+08:00 or 2026-11-04T09:00)"
        ) from None
    return timezone.make_aware(value) if timezone.is_naive(value) else value


class Command(BaseCommand):
    help = (
        "Raise and resolve deadline warnings (电子监察 预警) and record anomalies (异常行为) now, or as of --at to"
        " replay a moment."
    )

    def add_arguments(self, parser):
        parser.add_argument("--at", help="scan as of this ISO-8601 instant (default: now)")

    def handle(self, *args, at=None, **options):
        instant = parse_instant(at) if at is not None else timezone.now()
        counts = scan_deadlines(instant)
        escalated = escalate_overdue(instant)  # 督办 past their due: level 2
        anomalies = detect_anomalies(instant)  # the anomaly rules over every act up to the instant
        expired = expire_licences(instant)  # e-licences past their last valid day
        raised = " ".join(f"{key}={n}" for key, n in counts["raised"].items())
        local = timezone.localtime(instant).isoformat(timespec="seconds")
        follow_ups = scan_follow_ups(instant)  # 差评整改 past their due (issue 21)
        follow_ups.pop("resolved")
        overdue = " ".join(f"{key}={n}" for key, n in follow_ups.items())
        self.stdout.write(
            f"scan at {local}: raised {sum(counts['raised'].values())} ({raised}); resolved {counts['resolved']};"
            f" orders escalated {escalated}; anomalies {sum(anomalies.values())}; licences expired {expired}"
            + (f"; follow-ups overdue {sum(follow_ups.values())} ({overdue})" if any(follow_ups.values()) else "")
        )
