"""The event feed (办件日志, DESIGN.md API): one ordered stream for the upper-level system.

Case events come from ``approvals.Event`` (by id). Everything else the upper level must see — the
daily audit-chain digests, 督办 acts, anomalies, payments — is a ``FeedEntry`` written in the
transaction of the act (or, for the scan's set-based anomalies, right after them in the scan's), and
placed after the last case event that existed then (``after_event_id``). An item's position is
``(event id, 0)`` for an event and ``(after_event_id, entry id)`` for an entry; the cursor encodes it.
"""

import re
from dataclasses import dataclass

from django.db.models import Max, Q

from approvals.models import Event
from supervision.models import FeedEntry

FEED_PAGE = 100
_FEED_CURSOR = re.compile(r"(\d{1,18})(?:\.(\d{10}))?")


def event_cursor(event_id: int, entry_id: int = 0) -> str:
    """Opaque to clients but ordered, also as strings: ``<event id, 16 digits>`` for an event,
    ``<event id>.<entry id, 10 digits>`` for an entry after that event."""
    return f"{event_id:016d}.{entry_id:010d}" if entry_id else f"{event_id:016d}"


def parse_event_cursor(token: str) -> tuple[int, int] | None:
    match = _FEED_CURSOR.fullmatch((token or "").strip())
    return (int(match[1]), int(match[2] or 0)) if match else None


def last_event_id() -> int:
    """The newest case event's id (the primary key's index: one row read)."""
    return Event.objects.aggregate(last=Max("id"))["last"] or 0


def publish(kind: str, action: str, *, at, case_number: str = "", ref_id=None, data=None, after_event_id=None):
    """Put one item in the feed; call it inside the act's transaction, so the item exists exactly when
    the act does."""
    return FeedEntry.objects.create(
        kind=kind, action=action, at=at, case_number=case_number or "", ref_id=ref_id, data=data or {},
        after_event_id=last_event_id() if after_event_id is None else after_event_id,
    )  # fmt: skip


def publish_many(entries: list[FeedEntry]) -> int:
    """Several items at once (the scan's escalations and anomalies), all after the same last event."""
    if not entries:
        return 0
    after = last_event_id()
    for entry in entries:
        entry.after_event_id = after
    FeedEntry.objects.bulk_create(entries, batch_size=1000)
    return len(entries)


@dataclass
class FeedItem:
    kind: str  # "event" or FeedEntry.kind
    position: tuple[int, int]
    row: object

    @property
    def cursor(self) -> str:
        return event_cursor(*self.position)


def page(after: tuple[int, int] | int) -> tuple[list[FeedItem], bool]:
    """Feed items strictly after the position ``after``, oldest first: two queries of
    ``FEED_PAGE + 1`` rows (events by id, entries by ``(after_event_id, id)``), merged."""
    after_id, after_entry = (after, 0) if isinstance(after, int) else after
    events = (
        Event.objects.filter(pk__gt=after_id)
        .select_related("application")
        .only("id", "at", "action", "from_state", "to_state", "actor_role", "application__number", "application__state")
        .order_by("id")
    )
    entries = FeedEntry.objects.filter(
        Q(after_event_id__gt=after_id) | Q(after_event_id=after_id, pk__gt=after_entry)
    ).order_by("after_event_id", "id")
    items = [FeedItem("event", (e.pk, 0), e) for e in events[: FEED_PAGE + 1]]
    items += [FeedItem(e.kind, (e.after_event_id, e.pk), e) for e in entries[: FEED_PAGE + 1]]
    items.sort(key=lambda item: item.position)
    return items[:FEED_PAGE], len(items) > FEED_PAGE


def publish_new_anomalies() -> int:
    """After the scan's anomaly rules (set-based ``INSERT … SELECT``): every anomaly not yet in the
    feed joins it — those with an id above the last one published, in id order. Called in the scan's
    transaction, so a lost run publishes nothing twice and misses nothing."""
    from supervision.models import Anomaly

    last = FeedEntry.objects.filter(kind=FeedEntry.Kind.ANOMALY).aggregate(last=Max("ref_id"))["last"] or 0
    found = Anomaly.objects.filter(pk__gt=last).select_related("application", "department").order_by("id")
    return publish_many([
        FeedEntry(
            kind=FeedEntry.Kind.ANOMALY, action="anomaly.detected", at=a.detected_at, ref_id=a.pk,
            case_number=a.application.number if a.application_id else "",
            data={"id": a.pk, "rule": a.rule, "rule_label": a.get_rule_display(),
                  "department": {"code": a.department.code, "name": a.department.name}, "actor_role": "system"},
        )
        for a in found.iterator(chunk_size=1000)
    ])  # fmt: skip
