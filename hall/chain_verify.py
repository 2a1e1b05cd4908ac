"""``verify_audit``: walk every chain, recompute every hash, stop at the first broken link.

Checked, in one REPEATABLE READ snapshot, streamed in chunks (server-side cursors on PostgreSQL), so
memory stays flat whatever the number of rows: events and payments are read in (case, id) order,
one chain at a time; audit entries in id order with one running head per day.

1. Each row links to the previous row of its chain (64 zeros for the first): else *link broken*.
2. Each row's content hashes to its stored ``row_hash``: else *content changed*.
3. Each chain ends where its ``ChainHead`` says (length and hash), and no head lacks rows: else rows
   were deleted from the end, or inserted past the application.
4. A row written after a digest (id above that digest's ``upto_id``) is not dated before it (minus
   ``AUDIT_BACKDATE_TOLERANCE_SECONDS``, default 600): else *backdated* — a forged row may carry
   correct hashes, but not a date the upper level has already sealed.
5. Every digest's intervals hash again to what it published (``hall.digest``): else history before
   that digest was rewritten, even if every link was recomputed.
"""

import bisect
import hashlib
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction

from hall.chain import FAMILIES, GENESIS, ChainHead, Family, hash_values
from hall.digest import DIGEST_ACTION, model_of


@dataclass
class Broken:
    model: str
    id: int | None
    chain: str
    what: str

    def __str__(self):
        where = f"{self.model} id={self.id}" if self.id is not None else self.model
        return f"{where}, chain {self.chain}: {self.what}"


class _Stop(Exception):
    def __init__(self, broken: Broken):
        self.broken = broken


@dataclass
class Report:
    counts: dict = field(default_factory=dict)  # family → {"rows": n, "chains": n}
    digests: int = 0
    broken: Broken | None = None


def _short(value: str) -> str:
    return (value or "∅")[:16]


class _Intervals:
    """Per digest interval of one family: the ``key hash`` lines of the chains' heads as of its end."""

    def __init__(self, family: Family, digests: list[dict]):
        self.family = family
        self.digests = digests
        self.uptos = [d["detail"]["families"].get(family.name, {}).get("upto_id", 0) for d in digests]
        self.hashers = [hashlib.sha256() for _ in digests]
        self.chains = [0] * len(digests)
        self.rows = [0] * len(digests)
        tolerance = timedelta(seconds=getattr(settings, "AUDIT_BACKDATE_TOLERANCE_SECONDS", 600))
        self.not_before = [d["at"] - tolerance for d in digests]

    def index(self, row_id: int) -> int:
        return bisect.bisect_left(self.uptos, row_id)  # == len(digests): after the last digest

    def line(self, i: int, key: str, head: str) -> None:
        if i < len(self.digests):
            self.hashers[i].update(f"{key} {head}\n".encode())
            self.chains[i] += 1

    def check_date(self, i: int, row: dict, model: str, key: str) -> None:
        if i > 0 and row[self.family.time_field] < self.not_before[i - 1]:
            sealed = self.digests[i - 1]
            raise _Stop(Broken(model, row["id"], f"{self.family.name}:{key}",
                               f"backdated: dated {row[self.family.time_field].isoformat()} but written after the "
                               f"digest of {sealed['at'].isoformat()} (audit entry {sealed['id']}, upto_id "
                               f"{self.uptos[i - 1]})"))  # fmt: skip

    def compare(self) -> None:
        for i, digest in enumerate(self.digests):
            published = digest["detail"]["families"].get(self.family.name)
            if published is None:
                continue
            found = {"hash": self.hashers[i].hexdigest(), "chains": self.chains[i], "rows": self.rows[i]}
            for name, value in found.items():
                if published.get(name) != value:
                    raise _Stop(Broken(
                        "hall.AuditEntry", digest["id"], f"digest:{digest['detail'].get('date', digest['at'].date())}",
                        f"{self.family.model} rows {published.get('since_id')}…{published.get('upto_id')} no longer "
                        f"match what this digest published ({name}: published {published.get(name)}, now {value}): "
                        "history before the digest was rewritten",
                    ))  # fmt: skip


class _Chain:
    __slots__ = ("interval", "key", "last_id", "length", "prev")

    def __init__(self, key: str):
        self.key, self.prev, self.length, self.interval, self.last_id = key, GENESIS, 0, None, None


def _check_row(family: Family, model, chain: _Chain, row: dict, intervals: _Intervals) -> tuple[str, int]:
    """Checks 1, 2 and 4 for one row; returns its hash and its digest interval."""
    name = f"{family.name}:{chain.key}"
    if row["prev_hash"] != chain.prev:
        previous = f"row {chain.last_id}" if chain.last_id else "the chain's start (64 zeros)"
        what = (
            f"link broken: prev_hash {_short(row['prev_hash'])}… is not the hash of {previous} ({_short(chain.prev)}…)"
        )
        raise _Stop(Broken(family.model, row["id"], name, what))
    computed = hash_values(family, row, chain.prev, model)
    if row["row_hash"] != computed:
        what = f"content changed: stored row_hash {_short(row['row_hash'])}…, its content hashes to {_short(computed)}…"
        raise _Stop(Broken(family.model, row["id"], name, what))
    i = intervals.index(row["id"])
    intervals.check_date(i, row, family.model, chain.key)
    if i < len(intervals.rows):
        intervals.rows[i] += 1
    return computed, i


def _head_mismatch(family: Family, chain: _Chain, head: tuple | None) -> Broken | None:
    name = f"{family.name}:{chain.key}"
    if head is None:
        return Broken(family.model, chain.last_id, name, "no chain head: rows were inserted past the application")
    _, length, row_hash = head
    if (length, row_hash) != (chain.length, chain.prev):
        return Broken(family.model, chain.last_id, name,
                      f"the chain has {chain.length} rows ending in {_short(chain.prev)}…, its head says {length} "
                      f"ending in {_short(row_hash)}…: rows deleted from its end or the head rewritten")  # fmt: skip
    return None


def _orphan_head(family: Family, head: tuple) -> Broken:
    return Broken(family.model, None, f"{family.name}:{head[0]}",
                  f"the chain head says {head[1]} rows but the chain has none: its rows were deleted")  # fmt: skip


def _walk_keyed(family: Family, intervals: _Intervals, chunk: int) -> dict:
    """Events and payments: chains one after the other in (key, id) order, merged with their heads."""
    model = model_of(family)
    rows = (model.objects.order_by(family.key_field, "id")
            .values("id", "prev_hash", "row_hash", *family.fields).iterator(chunk_size=chunk))  # fmt: skip
    heads = (ChainHead.objects.filter(family=family.name).order_by("key")
             .values_list("key", "length", "row_hash").iterator(chunk_size=chunk))  # fmt: skip
    head = next(heads, None)
    counts = {"rows": 0, "chains": 0}

    def finish(chain: _Chain):
        nonlocal head
        while head is not None and head[0] < chain.key:
            raise _Stop(_orphan_head(family, head))
        mine = head if head is not None and head[0] == chain.key else None
        if broken := _head_mismatch(family, chain, mine):
            raise _Stop(broken)
        head = next(heads, None)
        intervals.line(chain.interval, chain.key, chain.prev)
        counts["chains"] += 1

    chain = None
    for row in rows:
        key = family.key_of(row)
        if chain is None or key != chain.key:
            if chain is not None:
                finish(chain)
            chain = _Chain(key)
        computed, i = _check_row(family, model, chain, row, intervals)
        if chain.interval is not None and chain.interval != i:
            intervals.line(chain.interval, chain.key, chain.prev)  # the chain's head as of that digest
        chain.prev, chain.length, chain.interval, chain.last_id = computed, chain.length + 1, i, row["id"]
        counts["rows"] += 1
    if chain is not None:
        finish(chain)
    if head is not None:
        raise _Stop(_orphan_head(family, head))
    return counts


def _walk_days(family: Family, intervals: _Intervals, chunk: int) -> dict:
    """Audit entries: id order, one running chain per local day (few at a time)."""
    model = model_of(family)
    rows = model.objects.order_by("id").values("id", "prev_hash", "row_hash", *family.fields).iterator(chunk_size=chunk)
    chains: dict[str, _Chain] = {}
    last: dict[tuple[int, str], str] = {}  # (interval, day) → the day's head as of that digest
    for row in rows:
        key = family.key_of(row)
        chain = chains.get(key) or chains.setdefault(key, _Chain(key))
        computed, i = _check_row(family, model, chain, row, intervals)
        chain.prev, chain.length, chain.interval, chain.last_id = computed, chain.length + 1, i, row["id"]
        last[(i, key)] = computed
    heads = {h[0]: h for h in ChainHead.objects.filter(family=family.name).values_list("key", "length", "row_hash")}
    for key in sorted(chains):
        if broken := _head_mismatch(family, chains[key], heads.pop(key, None)):
            raise _Stop(broken)
    if heads:
        raise _Stop(_orphan_head(family, heads[min(heads)]))
    for i, key in sorted(last):
        intervals.line(i, key, last[(i, key)])
    return {"rows": sum(c.length for c in chains.values()), "chains": len(chains)}


def verify(*, chunk: int = 5000) -> Report:
    """Walk the event, payment and audit chains and the digests (see the module docstring)."""
    from hall.models import AuditEntry

    report = Report()
    snapshot = connection.vendor == "postgresql" and not connection.in_atomic_block  # else: the caller's
    with transaction.atomic():
        if snapshot:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        digests = list(AuditEntry.objects.filter(action=DIGEST_ACTION).order_by("id").values("id", "at", "detail"))
        report.digests = len(digests)
        try:
            for family in FAMILIES.values():
                intervals = _Intervals(family, digests)
                walk = _walk_days if family.key_field == "at" else _walk_keyed
                report.counts[family.name] = walk(family, intervals, chunk)
                intervals.compare()
        except _Stop as stop:
            report.broken = stop.broken
    return report
