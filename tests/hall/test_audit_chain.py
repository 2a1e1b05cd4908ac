"""The tamper-evident audit trail (issue 12, point 6): events, audit entries and payments are hash
chains (one per case, per case, per local day), ``verify_audit`` names the first broken link, a daily
digest seals them, and PostgreSQL refuses UPDATE, DELETE and TRUNCATE."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from approvals.models import Event
from fees import services as fees
from fees.models import Payment
from hall import audit
from hall.chain import FAMILIES, GENESIS, ChainHead, hash_values
from hall.chain_verify import verify
from hall.digest import write_digest
from hall.models import AuditEntry
from supervision.models import ChainDigest
from tests.approvals import helpers
from tests.fees.helpers import assessed_case


def verify_audit() -> str:
    """Run the command; its output when intact, else raise the CommandError it exits with."""
    from io import StringIO

    out = StringIO()
    call_command("verify_audit", stdout=out, stderr=StringIO())
    return out.getvalue()


def raw(sql: str, params=None, *, replica: bool = False) -> None:
    """SQL as an insider with superuser rights: ``replica`` switches every trigger off first."""
    with connection.cursor() as cursor:
        if replica:
            cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(sql, params)
        finally:
            if replica:
                cursor.execute("SET session_replication_role = DEFAULT")


@pytest.fixture
def paid_case(people):
    case, assessment = assessed_case(people)
    fees.collect_at_window(payment_code=assessment.payment_code, by=people.cashier, amount_fen=8000, channel="cash")
    return case


def test_every_event_audit_entry_and_payment_is_linked_to_the_previous_row_of_its_chain(paid_case):
    events = list(Event.objects.filter(application=paid_case).order_by("id"))
    assert len(events) >= 4 and events[0].prev_hash == GENESIS
    assert [e.prev_hash for e in events[1:]] == [e.row_hash for e in events[:-1]]
    head = ChainHead.objects.get(family="event", key=f"{paid_case.pk:012d}")
    assert (head.length, head.row_hash) == (len(events), events[-1].row_hash)

    payment = Payment.objects.get(assessment__application=paid_case)
    assert payment.prev_hash == GENESIS and len(payment.row_hash) == 64
    entry = AuditEntry.objects.filter(action="fees.pay").latest("id")
    day_head = ChainHead.objects.get(family="audit", key="2026-09-30")
    assert day_head.row_hash == AuditEntry.objects.filter(pk__lte=entry.pk).order_by("-id").first().row_hash

    report = verify()
    assert report.broken is None and report.counts["payment"] == {"rows": 1, "chains": 1}
    assert "audit chains intact" in verify_audit()


def test_a_saved_row_cannot_be_changed_or_deleted_through_the_models(paid_case):
    event = Event.objects.filter(application=paid_case).first()
    event.reason = "事后补写"
    with pytest.raises(DatabaseError, match="append-only"):
        event.save()
    with pytest.raises(DatabaseError, match="append-only"):
        Payment.objects.get(assessment__application=paid_case).delete()


@pytest.mark.postgres
def test_forged_event_with_triggers_disabled_is_named_by_verify_audit(paid_case):
    event = Event.objects.filter(application=paid_case, action="accept").get()
    raw("UPDATE approvals_event SET reason = '伪造的理由' WHERE id = %s", [event.pk], replica=True)

    with pytest.raises(CommandError) as failure:
        verify_audit()
    message = str(failure.value)
    assert f"approvals.Event id={event.pk}" in message and f"event:{paid_case.pk:012d}" in message
    assert "content changed" in message


@pytest.mark.postgres
def test_payment_amount_forged_with_replication_role_is_named(paid_case):
    payment = Payment.objects.get(assessment__application=paid_case)
    with pytest.raises(DatabaseError, match="fees_payment is append-only: UPDATE"), transaction.atomic():
        raw("UPDATE fees_payment SET amount_fen = 1 WHERE id = %s", [payment.pk])
    raw("UPDATE fees_payment SET amount_fen = 1 WHERE id = %s", [payment.pk], replica=True)

    broken = verify().broken
    assert (broken.model, broken.id) == ("fees.Payment", payment.pk) and "content changed" in broken.what


@pytest.mark.postgres
def test_a_deleted_row_breaks_the_link_of_the_next_one(paid_case):
    first, second, *_ = Event.objects.filter(application=paid_case).order_by("id")
    raw("DELETE FROM approvals_event WHERE id = %s", [first.pk], replica=True)
    broken = verify().broken
    assert (broken.model, broken.id) == ("approvals.Event", second.pk) and "link broken" in broken.what


@pytest.mark.postgres
def test_a_deleted_last_row_contradicts_the_chain_head(paid_case):
    entry = audit.record("calendar.edit", "2026-10-08", note="将被删除")
    raw("DELETE FROM hall_auditentry WHERE id = %s", [entry.pk], replica=True)
    broken = verify().broken
    assert (broken.model, broken.chain) == ("hall.AuditEntry", "audit:2026-09-30") and "head says" in broken.what


@pytest.mark.postgres
@pytest.mark.parametrize("table", ["approvals_event", "hall_auditentry", "fees_payment"])
def test_truncate_is_refused(paid_case, table):
    with pytest.raises(DatabaseError, match=f"{table} is append-only: TRUNCATE"), transaction.atomic():
        raw("SET CONSTRAINTS ALL IMMEDIATE")  # the test's own pending FK checks first
        raw(f"TRUNCATE {table} CASCADE")


@pytest.mark.postgres
def test_audit_entries_cannot_be_updated_or_deleted(paid_case):
    for sql in ("UPDATE hall_auditentry SET target = 'x'", "DELETE FROM hall_auditentry"):
        with pytest.raises(DatabaseError, match="hall_auditentry is append-only"), transaction.atomic():
            raw(sql)


def forge_audit_entry(*, at, action="calendar.edit", target="2026-09-01") -> int:
    """An insider's INSERT with correct hashes: the day's head read and moved on, as the code would."""
    family = FAMILIES["audit"]
    values = {"at": at, "actor_id": None, "action": action, "target": target, "detail": {}, "ip": None}
    key = family.key_of(values)
    head = ChainHead.objects.filter(family="audit", key=key).first()
    prev = head.row_hash if head else GENESIS
    digest = hash_values(family, values, prev, AuditEntry)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO hall_auditentry (at, action, target, detail, prev_hash, row_hash) "
            "VALUES (%s, %s, %s, '{}', %s, %s) RETURNING id", [at, action, target, prev, digest],
        )  # fmt: skip
        row_id = cursor.fetchone()[0]
    if head:
        ChainHead.objects.filter(pk=head.pk).update(length=head.length + 1, row_hash=digest)
    else:
        ChainHead.objects.create(family="audit", key=key, length=1, row_hash=digest)
    return row_id


def test_a_backdated_forged_insert_is_detected_even_with_correct_hashes(people):
    audit.record("calendar.edit", "2026-10-01", actor=people.catalog_admin)
    write_digest()
    assert verify().broken is None

    forged = forge_audit_entry(at=helpers.at(2026, 9, 1))  # a month before the digest sealed the log
    broken = verify().broken
    assert (broken.model, broken.id, broken.chain) == ("hall.AuditEntry", forged, "audit:2026-09-01")
    assert "backdated" in broken.what


@pytest.mark.postgres
def test_a_forged_insert_without_the_chain_is_named(paid_case):
    event = Event.objects.filter(application=paid_case).last()
    raw("INSERT INTO approvals_event (application_id, at, action, from_state, to_state, actor_role, reason, data, "
        "prev_hash, row_hash) VALUES (%s, %s, 'approve', 'awaiting_decision', 'decided', 'approver', '', '{}', "
        "'', '')", [paid_case.pk, event.at - timedelta(days=3)])  # fmt: skip
    broken = verify().broken
    assert broken.model == "approvals.Event" and broken.id > event.pk and "link broken" in broken.what


@pytest.mark.postgres
def test_history_rewritten_with_recomputed_links_is_caught_by_the_digest(paid_case):
    write_digest()
    last = Event.objects.filter(application=paid_case).order_by("id").last()
    family = FAMILIES["event"]
    values = {name: getattr(last, name) for name in family.fields} | {"reason": "改写的理由"}
    digest = hash_values(family, values, last.prev_hash, Event)
    raw("UPDATE approvals_event SET reason = %s, row_hash = %s WHERE id = %s", ["改写的理由", digest, last.pk],
        replica=True)  # fmt: skip
    ChainHead.objects.filter(family="event", key=f"{paid_case.pk:012d}").update(row_hash=digest)

    broken = verify().broken
    assert broken.model == "hall.AuditEntry" and broken.chain.startswith("digest:")
    assert "history before the digest was rewritten" in broken.what


def test_the_digest_is_an_audit_entry_and_joins_the_supervision_feed(paid_case):
    first = write_digest()
    audit.record("calendar.edit", "2026-10-08")
    second = write_digest()

    assert first.action == second.action == "audit.digest"
    assert second.detail["previous"] == first.row_hash
    events = second.detail["families"]["event"]
    assert events["since_id"] == first.detail["families"]["event"]["upto_id"] and events["rows"] == 0
    assert second.detail["families"]["audit"]["rows"] >= 2  # the first digest's entry and the edit
    feed = list(ChainDigest.objects.order_by("id").values_list("audit_entry_id", "digest"))
    assert feed == [(first.pk, first.row_hash), (second.pk, second.row_hash)]
    assert verify().digests == 2 and verify().broken is None


def test_beat_writes_the_digest_daily():
    from hall.celery import app

    app.loader.import_default_modules()  # what a worker does at start (autodiscovery)
    entry = app.conf.beat_schedule["audit-digest"]
    assert entry["task"] == "hall.audit_tasks.audit_digest" and "hall.audit_tasks.audit_digest" in app.tasks
    assert entry["schedule"].hour == {0} and entry["schedule"].minute == {5}


@pytest.mark.postgres
def test_the_app_role_writes_the_chains_but_cannot_change_truncate_or_unguard_them(paid_case):
    """The full stack runs as a role that owns no table (manage.py grant_app_role, docs/operations.md)."""
    from io import StringIO

    raw("CREATE ROLE hall_test_app NOLOGIN")
    call_command("grant_app_role", "hall_test_app", stdout=StringIO())
    raw("SET ROLE hall_test_app")
    try:
        audit.record("calendar.edit", "2026-10-08")
        write_digest()  # the barrier goes through the owner's SECURITY DEFINER function
        for sql in (
            "UPDATE hall_auditentry SET target = 'x'",
            "DELETE FROM fees_payment",
            "TRUNCATE approvals_event",
            "ALTER TABLE approvals_event DISABLE TRIGGER ALL",
            "SET session_replication_role = replica",
        ):
            with pytest.raises(DatabaseError, match=r"permission denied|must be owner"), transaction.atomic():
                raw(sql)
    finally:
        raw("RESET ROLE")
    assert verify().broken is None
