"""Supervision reacts to what the other apps announce (nothing imports supervision)."""

from django.dispatch import receiver

from approvals.signals import regulator_finding
from fees import signals as fees_signals
from hall.signals import audit_digest_written
from supervision import feed
from supervision.models import ChainDigest, FeedEntry


@receiver(audit_digest_written, dispatch_uid="supervision.chain_digest_to_feed")
def put_digest_in_the_feed(sender, entry, **kwargs):
    """The digest joins the event feed in the transaction that wrote it (issue 12, point 6), right
    after the last event it covers."""
    families = entry.detail["families"]
    upto = families["event"]["upto_id"]
    ChainDigest.objects.create(
        audit_entry=entry, at=entry.at, after_event_id=upto, digest=entry.row_hash, families=families
    )
    feed.publish(
        FeedEntry.Kind.DIGEST, "audit.digest", at=entry.at, ref_id=entry.pk, after_event_id=upto,
        data={"hash": entry.row_hash, "audit_entry_id": entry.pk, "families": families},
    )  # fmt: skip


@receiver(fees_signals.paid, dispatch_uid="supervision.payment_to_feed")
def put_payment_in_the_feed(sender, application, at, payment=None, **kwargs):
    """缴费 in the event feed, in the transaction that booked it (issue 13, point 6)."""
    if payment is None:
        return
    feed.publish(
        FeedEntry.Kind.PAYMENT, "payment.booked", at=at, case_number=application.number, ref_id=payment.pk,
        data={"amount_fen": payment.amount_fen, "channel": payment.channel, "receipt_number": payment.receipt_number,
              "department": {"code": application.department.code, "name": application.department.name}},
    )  # fmt: skip


@receiver(regulator_finding, dispatch_uid="supervision.finding_to_feed")
def put_finding_in_the_feed(sender, finding, **kwargs):
    """监管反馈 (审批与监管信息双向推送): a regulator's finding on a decided case reaches supervision in the
    event feed, in the transaction that recorded it (issue 17)."""
    case = finding.application
    feed.publish(
        FeedEntry.Kind.FINDING, "regulator.finding", at=finding.at, case_number=case.number, ref_id=finding.pk,
        data={"text": finding.text, "actor_role": "regulator",
              "regulator": {"code": finding.department.code, "name": finding.department.name},
              "department": {"code": case.department.code, "name": case.department.name}},
    )  # fmt: skip
