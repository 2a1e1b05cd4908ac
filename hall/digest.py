"""The daily digest of the audit chains (issue 12, point 6): what the upper level keeps, so that a
rewrite of history here must also rewrite what it already holds.

A digest covers, for each chain family (``hall.chain.FAMILIES``), the rows with ``since_id < id ≤
upto_id`` (``since_id``: the previous digest's ``upto_id``): for every chain with rows in that
interval its head as of ``upto_id`` (``key hash`` lines in key order, hashed with SHA-256), how many
rows and chains. Digest *k* with digests 1…k−1 thus fixes every chain head as of its ``upto_id``
without listing a million heads each day; ``verify_audit`` recomputes every interval. The digest is
itself an audit entry (action ``audit.digest``, chained into its day) naming the previous digest's
hash, and ``hall.signals.audit_digest_written`` hands it to the supervision event feed.

``upto_id`` is taken behind a barrier: ``LOCK TABLE … IN SHARE MODE`` waits until every transaction
inserting into the table has finished and holds new inserts back for the moment of ``max(id)`` —
so no row with an id at or below ``upto_id`` can commit afterwards (once a day, milliseconds). On
PostgreSQL it is the owner's SECURITY DEFINER function ``hall_chain_barrier`` (the app role may not
lock these tables itself); SQLite has one writer at a time anyway.
"""

import hashlib
from collections.abc import Iterable

from django.apps import apps
from django.db import connections, router, transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone

from hall import audit, signals
from hall.chain import FAMILIES, GENESIS, ChainHead, Family, _locked_head

DIGEST_ACTION = "audit.digest"


def lines_hash(lines: Iterable[tuple[str, str]]) -> tuple[str, int]:
    """SHA-256 of ``key hash\\n`` lines (in key order) and how many there were."""
    h, n = hashlib.sha256(), 0
    for key, head in lines:
        h.update(f"{key} {head}\n".encode())
        n += 1
    return h.hexdigest(), n


def model_of(family: Family):
    return apps.get_model(family.model)


def _barrier(family: Family) -> int:
    model = model_of(family)
    using = router.db_for_write(model)
    with transaction.atomic(using=using):
        if connections[using].vendor == "postgresql":  # hall/migrations/0006_chain_barrier.py
            with connections[using].cursor() as cursor:
                cursor.execute("SELECT hall_chain_barrier(%s::regclass)", [model._meta.db_table])
                return cursor.fetchone()[0]
        return model.objects.using(using).aggregate(m=Max("id"))["m"] or 0


def interval_heads(family: Family, since_id: int, upto_id: int) -> Iterable[tuple[str, str]]:
    """(key, stored row_hash of the chain's last row in the interval), in key order, streamed."""
    rows = model_of(family).objects.filter(id__gt=since_id, id__lte=upto_id)
    if family.key_field == "at":  # audit: a few days per interval
        last: dict[str, str] = {}
        for at, row_hash in rows.order_by("id").values_list("at", "row_hash").iterator(chunk_size=5000):
            last[family.key_of({"at": at})] = row_hash
        yield from sorted(last.items())
        return
    key, head = None, None
    ordered = rows.order_by(family.key_field, "id").values_list(family.key_field, "row_hash")
    for value, row_hash in ordered.iterator(chunk_size=5000):
        this = family.key_of({family.key_field: value})
        if key is not None and this != key:
            yield key, head
        key, head = this, row_hash
    if key is not None:
        yield key, head


def last_digest():
    AuditEntry = apps.get_model("hall", "AuditEntry")
    return AuditEntry.objects.filter(action=DIGEST_ACTION).order_by("-id").first()


def write_digest(*, by=None):
    """Write one digest of everything chained since the previous one (the beat task, daily, and
    ``manage.py audit_digest``). Two at once queue on a lock; the second covers what came between."""
    uptos = {name: _barrier(family) for name, family in FAMILIES.items()}
    with transaction.atomic():
        _locked_head("digest", "", router.db_for_write(ChainHead))  # one digest writer at a time
        previous = last_digest()
        before = previous.detail["families"] if previous else {}
        families = {}
        for name, family in FAMILIES.items():
            since = before.get(name, {}).get("upto_id", 0)
            upto = max(uptos[name], since)
            digest, chains = lines_hash(interval_heads(family, since, upto))
            rows = model_of(family).objects.filter(id__gt=since, id__lte=upto).count()
            totals = ChainHead.objects.filter(family=name).aggregate(chains=Count("id"), rows=Sum("length"))
            families[name] = {"since_id": since, "upto_id": upto, "rows": rows, "chains": chains, "hash": digest,
                              "total_chains": totals["chains"], "total_rows": totals["rows"] or 0}  # fmt: skip
        entry = audit.record(
            DIGEST_ACTION, timezone.localdate().isoformat(), actor=by,
            previous=previous.row_hash if previous else GENESIS, families=families,
        )  # fmt: skip
        signals.audit_digest_written.send(sender=type(entry), entry=entry)
    return entry
