"""Tamper-evident audit chains (issue 12, point 6): every case event, administrative audit entry and
payment stores the SHA-256 of its canonical content and the hash of the previous row of its chain.

Chains (so that writers never serialise on one global lock):

- ``event``   — ``approvals.Event``, one chain per case (``application_id``), in id order;
- ``payment`` — ``fees.Payment``, one chain per case (its assessment: one per case), in id order;
- ``audit``   — ``hall.AuditEntry``, one chain per local (Asia/Shanghai) day of ``at``, in id order.

How a row is linked (``link``, called by ``Chained.save`` and ``ChainedQuerySet.bulk_create`` inside the
caller's transaction):

1. Take the chain's ``ChainHead`` row locked, created on first use, in one statement (``INSERT … ON
   CONFLICT DO UPDATE`` with a no-op update, ``RETURNING`` the head). Two writers of one chain queue on this row, so
   the second reads the head the first committed and the chain cannot fork; writers of other chains
   (other cases, other days) never wait. A small head row rather than the case row: the same code
   serves audit days, which have no row of their own, and payments, whose callers hold the
   assessment lock (locking the case from there would invert the case → assessment lock order of
   ``fees.services.assess_fees``). Several chains in one bulk insert are locked in key order.
2. ``prev_hash`` = the head's hash (64 zeros for a new chain); ``row_hash`` = SHA-256 of
   ``hall-chain/1``, the family, the chain key, ``prev_hash`` and the canonical JSON of the row's
   content fields (``FAMILIES``): sorted keys, no spaces, UTF-8; times in UTC with microseconds;
   foreign keys as ids; JSON as it reads back from the database; IPv6 addresses exploded.
3. Insert the row; move the head on (length + 1, hash). The head's length and hash let
   ``verify_audit`` see rows deleted from the end of a chain, which links alone cannot show.

A column added later to one of these models is hashed only once it is listed in ``FAMILIES``
(existing rows then no longer verify: add it with a data migration that re-chains, or leave it out).
``hall.chain_verify`` walks the chains; ``hall.digest`` publishes a daily digest of them.
"""

import hashlib
import ipaddress
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from django.db import DatabaseError, connections, models, router, transaction
from django.utils import timezone

GENESIS = "0" * 64
VERSION = "hall-chain/1"
CHAIN_TZ = ZoneInfo("Asia/Shanghai")  # the hall's legal time zone: audit days are local days


class AppendOnlyError(DatabaseError):
    """A chained row was about to be changed: events, audit entries and payments are append-only."""


@dataclass(frozen=True)
class Family:
    name: str
    model: str  # app_label.ModelName
    key_field: str  # what names the chain: a foreign key, or ``at`` for audit days
    fields: tuple[str, ...]  # attnames whose values are hashed
    time_field: str = "at"  # when the row says it was written (verify_audit's backdating check)

    def key_of(self, values: dict) -> str:
        value = values[self.key_field]
        if self.key_field == "at":
            return _aware(value).astimezone(CHAIN_TZ).date().isoformat()
        return f"{int(value):012d}"  # zero-padded: string order = numeric order (verify merges on it)


FAMILIES = {
    f.name: f
    for f in (
        Family("event", "approvals.Event", "application_id",
               ("application_id", "at", "action", "from_state", "to_state", "actor_id", "actor_role", "reason",
                "data", "ip")),
        Family("payment", "fees.Payment", "assessment_id",
               ("assessment_id", "amount_fen", "channel", "transaction_id", "paid_at", "recorded_by_id",
                "receipt_number", "created_at"), time_field="created_at"),
        Family("refund", "fees.Refund", "assessment_id",
               ("assessment_id", "request_id", "amount_fen", "gateway", "refund_id", "refunded_at", "approved_by_id",
                "receipt_number", "created_at"), time_field="created_at"),
        Family("audit", "hall.AuditEntry", "at", ("at", "actor_id", "action", "target", "detail", "ip")),
    )
}  # fmt: skip
FAMILY_OF_MODEL = {f.model: f for f in FAMILIES.values()}


def _aware(value: datetime) -> datetime:
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def _canonical(value, field: models.Field | None):
    if value is None:
        return None
    if isinstance(field, models.JSONField):
        # What the database will hand back: tuples become lists, dates strings (the field's encoder).
        return json.loads(json.dumps(value, cls=field.encoder))
    if isinstance(field, models.GenericIPAddressField):
        address = ipaddress.ip_address(value)
        return address.exploded if address.version == 6 else str(address)
    if isinstance(value, datetime):
        return _aware(value).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def content(family: Family, values: dict, model=None) -> dict:
    """The canonical content of one row from its attname → value mapping (instance or ``values()``)."""
    fields = {f.attname: f for f in model._meta.concrete_fields} if model is not None else {}
    return {name: _canonical(values[name], fields.get(name)) for name in family.fields}


def row_hash(family: Family, key: str, prev_hash: str, canonical: dict) -> str:
    body = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{VERSION}\n{family.name}\n{key}\n{prev_hash}\n{body}".encode()).hexdigest()


def hash_values(family: Family, values: dict, prev_hash: str, model=None) -> str:
    return row_hash(family, family.key_of(values), prev_hash, content(family, values, model))


class ChainHead(models.Model):
    """The last link of one chain (its length and hash): the row writers lock to append (see module)."""

    family = models.CharField(max_length=10)
    key = models.CharField(max_length=40)
    length = models.PositiveBigIntegerField(default=0)
    row_hash = models.CharField(max_length=64, default=GENESIS)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "hall"
        verbose_name = "审计链头"
        verbose_name_plural = "审计链头"
        constraints = [models.UniqueConstraint(fields=["family", "key"], name="one_head_per_chain")]

    def __str__(self):
        return f"{self.family}:{self.key} #{self.length}"


def _locked_head(family: str, key: str, using: str) -> ChainHead:
    """The chain's head, created on first use, row-locked until commit: one upsert statement whose no-op
    update takes the lock and returns the latest committed head (a concurrent writer of the same chain
    waits for it). It was a locking read, an insert and a second read for every new chain (each case's
    first event)."""
    table = connections[using].ops.quote_name(ChainHead._meta.db_table)
    with connections[using].cursor() as cursor:
        cursor.execute(
            f'INSERT INTO {table} ("family", "key", "length", "row_hash", "updated_at") VALUES (%s, %s, 0, %s, %s) '
            'ON CONFLICT ("family", "key") DO UPDATE SET "family" = EXCLUDED."family" '
            'RETURNING "id", "length", "row_hash"',
            [family, key, GENESIS, timezone.now()],
        )
        pk, length, last = cursor.fetchone()
    return ChainHead(pk=pk, family=family, key=key, length=length, row_hash=last)


def link(objs: list, using: str) -> list[tuple[ChainHead, int, str]]:
    """Fill ``prev_hash``/``row_hash`` of new rows of one model under their chains' locked heads.
    Returns what to move each head on to once the rows are inserted (``advance``)."""
    model = type(objs[0])
    family = FAMILY_OF_MODEL[model._meta.label]
    by_key: dict[str, list] = {}
    for obj in objs:
        values = {name: getattr(obj, name) for name in family.fields}
        by_key.setdefault(family.key_of(values), []).append(obj)
    moves = []
    for key in sorted(by_key):  # one lock order for every writer: no deadlock between bulk inserts
        head = _locked_head(family.name, key, using)
        prev = head.row_hash if head.length else GENESIS
        for obj in by_key[key]:
            obj.prev_hash = prev
            obj.row_hash = prev = hash_values(family, {n: getattr(obj, n) for n in family.fields}, prev, model)
        moves.append((head, len(by_key[key]), prev))
    return moves


def advance(moves: list[tuple[ChainHead, int, str]], using: str) -> None:
    """Move each head on: one ``UPDATE`` by id, written as SQL like ``_locked_head`` (every audited act
    runs it; the ORM's update cost more to build than to run, issue 22)."""
    ops = connections[using].ops
    table = ops.quote_name(ChainHead._meta.db_table)
    with connections[using].cursor() as cursor:
        for head, count, last in moves:
            cursor.execute(
                f'UPDATE {table} SET "length" = "length" + %s, "row_hash" = %s, "updated_at" = %s WHERE "id" = %s',
                [count, last, ops.adapt_datetimefield_value(timezone.now()), head.pk],
            )


class ChainedQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        """Chained too: each row linked in the order given (one head lock per chain touched)."""
        objs = list(objs)
        if not objs:
            return objs
        if kwargs.get("ignore_conflicts") or kwargs.get("update_conflicts"):
            raise AppendOnlyError("chained rows cannot be inserted with ignore/update on conflict")
        with transaction.atomic(using=self.db, savepoint=False):
            moves = link(objs, self.db)
            created = super().bulk_create(objs, *args, **kwargs)
            advance(moves, self.db)
        return created


class Chained(models.Model):
    """An append-only row in a hash chain (see the module docstring)."""

    prev_hash = models.CharField("前一记录哈希", max_length=64, default="", editable=False)
    row_hash = models.CharField("本记录哈希", max_length=64, default="", editable=False)

    objects = ChainedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{self._meta.db_table} is append-only: a saved row cannot be changed")
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using, savepoint=False):
            moves = link([self], using)
            super().save(*args, **kwargs)
            advance(moves, using)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{self._meta.db_table} is append-only: a row cannot be deleted")


# --- migrations: chain rows that existed before the chains, and the PostgreSQL guards -------------

APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION hall_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def guard_sql(table: str, *, rows: bool) -> tuple[str, str]:
    """(create, drop) SQL: TRUNCATE refused on ``table``, and UPDATE/DELETE too when ``rows``."""
    create = [f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
              "FOR EACH STATEMENT EXECUTE FUNCTION hall_append_only();"]  # fmt: skip
    drop = [f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};"]
    if rows:
        create.append(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                      "FOR EACH ROW EXECUTE FUNCTION hall_append_only();")  # fmt: skip
        drop.append(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};")
    return "\n".join(create), "\n".join(drop)


def chain_existing_rows(apps, schema_editor, family_name: str, *, disable_trigger: str = "") -> None:
    """Data migration: link the rows written before the chains existed, in id order per chain, and
    write their heads. ``disable_trigger``: an UPDATE guard already on the table, lifted meanwhile
    (migrations run as the table owner)."""
    family = FAMILIES[family_name]
    model = apps.get_model(family.model)
    heads_model = apps.get_model("hall", "ChainHead")
    db = schema_editor.connection.alias
    table = model._meta.db_table
    postgres = schema_editor.connection.vendor == "postgresql"
    if postgres and disable_trigger:
        schema_editor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {disable_trigger}")
    order = ("id",) if family.key_field == "at" else (family.key_field, "id")
    rows = model.objects.using(db).order_by(*order).values("id", *family.fields)
    heads: dict[str, tuple[int, str]] = {}
    batch = []
    for values in rows.iterator(chunk_size=2000):
        key = family.key_of(values)
        length, prev = heads.get(key, (0, GENESIS))
        digest = hash_values(family, values, prev, model)
        heads[key] = (length + 1, digest)
        batch.append(model(id=values["id"], prev_hash=prev, row_hash=digest))
        if len(batch) >= 2000:
            model.objects.using(db).bulk_update(batch, ["prev_hash", "row_hash"])
            batch = []
    if batch:
        model.objects.using(db).bulk_update(batch, ["prev_hash", "row_hash"])
    heads_model.objects.using(db).bulk_create(
        [heads_model(family=family.name, key=k, length=n, row_hash=h) for k, (n, h) in heads.items()],
        batch_size=2000,
    )
    if postgres and disable_trigger:
        schema_editor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {disable_trigger}")
