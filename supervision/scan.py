"""The deadline scan (电子监察 预警): yellow and red cards from the instants stored on the cases.

Set-based (DESIGN.md, Timers): whatever the number of cases, one scan is the same fifteen
statements in one transaction — never a Python loop over open cases:

1. resolve: one UPDATE stamps ``resolved_at`` on every open warning whose rule no longer holds
   (the case moved on, or a due instant moved later after an extension or a calendar change);
2. per rule, re-open: one UPDATE re-opens a resolved warning whose rule holds again (a new receipt
   round overdue, an extended decision period run out again) — one row per (case, kind, level);
3. per rule, raise: one ``INSERT … SELECT … ON CONFLICT DO NOTHING`` from the indexed instants;
4. per fact (``FACTS``), record: a period that ended late (accepted, decided or delivered after its
   due instant) or a yellow window that was entered, even when the case closed between two scans or
   no scan ran for a week — dated when it became true, resolved at the closing act. A resolved card
   carries the closing act's instant too (``CLOSING``), not the scan's.

The rules (行政许可法; docs/supervision.md):

- ``accept`` red — still ``submitted`` after ``accept_due``: neither accepted nor told what to
  correct within 5 working days of receipt (art. 32);
- ``correction_notice`` red — still ``submitted`` after ``correction_notice_due`` **and** a
  required material of the filed version has no current upload: a one-time correction notice was
  owed and not sent, so the case now counts as accepted from the day of receipt (art. 32). The
  round number does not matter: every receipt (submit, resubmit) restarts the 5 days and any
  notice sent in time moves the case to ``correction_requested``;
- ``decision`` yellow — accepted, under review or awaiting the decision, in the last fifth of the period
  (``decision_yellow_at`` ≤ at ≤ ``decision_due``); red — past ``decision_due`` (arts. 42, 82);
- ``delivery`` red — decided, approved, not delivered after ``delivery_due`` (art. 44).

A suspended case's clock stands still (art. 45): no decision warning is raised for it, and the
decision warnings it already has are neither resolved nor re-opened until it resumes.

PostgreSQL and SQLite ≥ 3.24 both accept ``ON CONFLICT … DO NOTHING`` after ``INSERT … SELECT …
WHERE``; the statements are plain SQL through ``django.db.connection``.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from approvals.models import Application, Material, State
from approvals.workflow import DECISION_CLOCK_STATES
from catalog.models import MaterialRequirement
from supervision.models import Warning

Kind, Level = Warning.Kind, Warning.Level


@dataclass(frozen=True)
class Rule:
    kind: str
    level: str
    due_column: str  # the instant the warning is about, copied to Warning.due_at
    where: str  # a condition on the case ``a``; every ``%s`` is the scan instant
    hold_states: tuple[str, ...] = ()  # states in which an open warning is frozen (art. 45)

    @property
    def key(self) -> str:
        return f"{self.kind}_{self.level}"


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _tables() -> dict[str, str]:
    return {
        "case": _q(Application._meta.db_table),
        "warning": _q(Warning._meta.db_table),
        "material": _q(Material._meta.db_table),
        "requirement": _q(MaterialRequirement._meta.db_table),
    }


def _in(states) -> str:
    return "(" + ", ".join(f"'{s}'" for s in states) + ")"  # enum values, not user input


DECISION_STATES = _in(DECISION_CLOCK_STATES)  # approvals.workflow: where the decision period runs
INCOMPLETE = (
    "EXISTS (SELECT 1 FROM {requirement} r WHERE r.version_id = a.item_version_id AND r.required"
    " AND NOT EXISTS (SELECT 1 FROM {material} m WHERE m.application_id = a.id"
    " AND m.requirement_id = r.id AND NOT m.superseded))"
)

RULES = (
    Rule(Kind.ACCEPT, Level.RED, due_column="accept_due", where=f"a.state = '{State.SUBMITTED}' AND a.accept_due < %s"),
    Rule(
        Kind.CORRECTION_NOTICE,
        Level.RED,
        due_column="correction_notice_due",
        where=f"a.state = '{State.SUBMITTED}' AND a.correction_notice_due < %s AND {INCOMPLETE}",
    ),
    Rule(
        Kind.DECISION,
        Level.YELLOW,
        due_column="decision_due",
        where=f"a.state IN {DECISION_STATES} AND a.decision_yellow_at <= %s AND a.decision_due >= %s",
        hold_states=(State.SUSPENDED,),
    ),
    Rule(
        Kind.DECISION,
        Level.RED,
        due_column="decision_due",
        where=f"a.state IN {DECISION_STATES} AND a.decision_due < %s",
        hold_states=(State.SUSPENDED,),
    ),
    Rule(
        Kind.DELIVERY,
        Level.RED,
        due_column="delivery_due",
        where=f"a.state = '{State.DECIDED}' AND a.decision = '{Application.Decision.APPROVED}' AND a.delivery_due < %s",
    ),
)


@dataclass(frozen=True)
class Fact:
    """A period that ended late, or a yellow window that opened, whatever happened between scans: one
    warning recorded as of the instant it became true and resolved at the act that closed it — so a
    week without scans, or a case decided late between two of them, still leaves its card."""

    kind: str
    level: str
    due_column: str
    raised_column: str  # when the card became true
    resolved: str  # SQL: when it stopped being true
    where: str  # every ``%s`` is the scan instant
    closed_column: str  # the act that closed the period: the beat's scans look back only from the last one
    includes_open: bool = False  # also cases whose period is still open (closing act NULL)


FACTS = (
    # accepted after the 5 working days (art. 32; deemed acceptance included)
    Fact(Kind.ACCEPT, Level.RED, "accept_due", "accept_due", "a.accepted_at",
         "a.accepted_at > a.accept_due AND a.accepted_at <= %s", "accepted_at"),
    # decided after the decision period (art. 42)
    Fact(Kind.DECISION, Level.RED, "decision_due", "decision_due", "a.decided_at",
         "a.decided_at > a.decision_due AND a.decided_at <= %s", "decided_at"),
    # an approved result delivered after the 10 working days (art. 44)
    Fact(Kind.DELIVERY, Level.RED, "delivery_due", "delivery_due", "a.delivered_at",
         f"a.decision = '{Application.Decision.APPROVED}'"
         " AND a.delivered_at > a.delivery_due AND a.delivered_at <= %s", "delivered_at"),
    # the last fifth of the decision period was entered, and has since ended: decided within it or
    # after it, or still open past the due instant (the red card follows)
    Fact(Kind.DECISION, Level.YELLOW, "decision_due", "decision_yellow_at",
         "CASE WHEN a.decided_at < a.decision_due THEN a.decided_at ELSE a.decision_due END",
         "a.decision_yellow_at <= %s AND ((a.decided_at >= a.decision_yellow_at AND a.decided_at <= %s)"
         " OR (a.decided_at IS NULL AND a.state IN {decision_states} AND a.decision_due < %s))", "decided_at",
         includes_open=True),
)  # fmt: skip


def _record(cursor, t: dict, fact: Fact, at, since) -> int:
    """Step 4: record every fact the live rules could not see (ON CONFLICT: a card already there).
    ``since``: only periods closed since then (the indexed closing instant; open ones always)."""
    where = fact.where.format(decision_states=DECISION_STATES)
    params = [at] * where.count("%s")
    if since is not None:  # a range of the closing act's index
        still_open = f" OR a.{fact.closed_column} IS NULL" if fact.includes_open else ""
        where = f"({where}) AND (a.{fact.closed_column} >= %s{still_open})"
        params.append(since)
    cursor.execute(
        f"INSERT INTO {t['warning']} (application_id, department_id, kind, level, due_at, raised_at, resolved_at)"
        f" SELECT a.id, a.department_id, %s, %s, a.{fact.due_column}, a.{fact.raised_column}, {fact.resolved}"
        f" FROM {t['case']} a WHERE {where}"
        " ON CONFLICT (application_id, kind, level) DO NOTHING",
        [fact.kind, fact.level, *params],
    )
    return cursor.rowcount


# The act that closed a card's period, when the case records it: a resolved card carries that instant
# rather than the scan's (the scan may come a week later). Never later than the scan instant.
CLOSING = (
    "CASE WHEN {w}.kind = 'accept' THEN a.accepted_at WHEN {w}.kind = 'delivery' THEN a.delivered_at"
    " WHEN {w}.kind = 'decision' AND {w}.level = 'yellow' AND a.decided_at IS NULL AND a.decision_due < %s"
    " THEN a.decision_due WHEN {w}.kind = 'decision' THEN a.decided_at END"
)


def _where(rule: Rule, t: dict) -> str:
    return rule.where.format(**t)


def _params(rule: Rule, at) -> list:
    return [at] * rule.where.count("%s")


def _resolve(cursor, t: dict, at) -> int:
    """Step 1: every open warning whose rule no longer holds for its case (frozen states excepted).
    Cards of other kinds (an escalated 督办) are resolved by their own act, not by the clock."""
    w, holds, params = t["warning"], [], []
    for rule in RULES:
        frozen = f"a.state IN {_in(rule.hold_states)} OR " if rule.hold_states else ""
        holds.append(f"({w}.kind = '{rule.kind}' AND {w}.level = '{rule.level}' AND ({frozen}{_where(rule, t)}))")
        params += _params(rule, at)
    closing = CLOSING.format(w=w)
    cursor.execute(
        f"UPDATE {w} SET resolved_at = COALESCE((SELECT CASE WHEN ({closing}) <= %s THEN ({closing}) END"
        f" FROM {t['case']} a WHERE a.id = {w}.application_id), %s)"
        f" WHERE resolved_at IS NULL AND kind IN {_in(sorted({rule.kind for rule in RULES}))} AND NOT EXISTS ("
        f"SELECT 1 FROM {t['case']} a WHERE a.id = {w}.application_id AND ({' OR '.join(holds)}))",
        [at, at, at, at, *params],
    )
    return cursor.rowcount


def _reopen(cursor, t: dict, rule: Rule, at) -> int:
    """Step 2: the rule holds again for a case whose warning was resolved — a new episode."""
    cursor.execute(
        f"UPDATE {t['warning']} SET resolved_at = NULL, raised_at = %s,"
        f" due_at = (SELECT a.{rule.due_column} FROM {t['case']} a WHERE a.id = {t['warning']}.application_id)"
        f" WHERE resolved_at IS NOT NULL AND kind = %s AND level = %s"
        f" AND application_id IN (SELECT a.id FROM {t['case']} a WHERE {_where(rule, t)})",
        [at, rule.kind, rule.level, *_params(rule, at)],
    )
    return cursor.rowcount


def _raise(cursor, t: dict, rule: Rule, at) -> int:
    """Step 3: a warning for every case the rule holds for; existing ones are left alone."""
    cursor.execute(
        f"INSERT INTO {t['warning']} (application_id, department_id, kind, level, due_at, raised_at, resolved_at)"
        f" SELECT a.id, a.department_id, %s, %s, a.{rule.due_column}, %s, NULL FROM {t['case']} a"
        f" WHERE {_where(rule, t)}"
        " ON CONFLICT (application_id, kind, level) DO NOTHING",
        [rule.kind, rule.level, at, *_params(rule, at)],
    )
    return cursor.rowcount


def no_jit(cursor) -> None:
    """PostgreSQL's JIT compiles the scan's large statements anew on every run (up to 0.7 s on the
    resolve UPDATE at a million cases) for work that executes in a fraction of that
    (docs/PERFORMANCE.md): off for this transaction only."""
    if connection.vendor == "postgresql":
        cursor.execute("SET LOCAL jit = off")


def scan_deadlines(at: datetime | None = None, *, since: datetime | None = None) -> dict:
    """One supervision scan as of ``at`` (default now; ``manage.py scan_deadlines --at`` replays a
    moment). Returns ``{"raised": {"accept_red": n, …}, "resolved": n}``; ``raised`` counts new,
    re-opened and recorded warnings. ``since``: the facts of periods closed before it were recorded by
    an earlier scan (the beat passes its last run, less a margin); None looks at every case."""
    at = at or timezone.now()
    value = connection.ops.adapt_datetimefield_value(at)  # SQLite stores UTC text, PostgreSQL timestamptz
    since = connection.ops.adapt_datetimefield_value(since) if since is not None else None
    t = _tables()
    raised = {}
    with transaction.atomic(), connection.cursor() as cursor:
        no_jit(cursor)
        resolved = _resolve(cursor, t, value)
        for rule in RULES:
            raised[rule.key] = _reopen(cursor, t, rule, value) + _raise(cursor, t, rule, value)
        for fact in FACTS:  # new cards too, dated when they became true
            raised[f"{fact.kind}_{fact.level}"] += _record(cursor, t, fact, value, since)
    return {"raised": raised, "resolved": resolved}
