"""Supervision reacts to what the other apps announce (nothing imports supervision)."""

from django.dispatch import receiver

from hall.signals import audit_digest_written
from supervision.models import ChainDigest


@receiver(audit_digest_written, dispatch_uid="supervision.chain_digest_to_feed")
def put_digest_in_the_feed(sender, entry, **kwargs):
    """The digest joins the event feed in the transaction that wrote it (issue 12, point 6)."""
    families = entry.detail["families"]
    ChainDigest.objects.create(
        audit_entry=entry, at=entry.at, after_event_id=families["event"]["upto_id"], digest=entry.row_hash,
        families=families,
    )  # fmt: skip
