"""The deadline scan (电子监察 预警): yellow and red cards from the instants stored on the cases.

Set-based (DESIGN.md, Timers): whatever the number of cases, one scan is the same eleven
statements in one transaction — never a Python loop over open cases:

1. resolve: one UPDATE stamps ``resolved_at`` on every open warning whose rule no longer holds
   (the case moved on, or a due instant moved later after an extension or a calendar change);
2. per rule, re-open: one UPDATE re-opens a resolved warning whose rule holds again (a new receipt
   round overdue, an extended decision period run out again) — one row per (case, kind, level);
3. per rule, raise: one ``INSERT … SELECT … ON CONFLICT DO NOTHING`` from the indexed instants.

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


def _where(rule: Rule, t: dict) -> str:
    return rule.where.format(**t)


def _params(rule: Rule, at) -> list:
    return [at] * rule.where.count("%s")


def _resolve(cursor, t: dict, at) -> int:
    """Step 1: every open warning whose rule no longer holds for its case (frozen states excepted)."""
    w, holds, params = t["warning"], [], []
    for rule in RULES:
        frozen = f"a.state IN {_in(rule.hold_states)} OR " if rule.hold_states else ""
        holds.append(f"({w}.kind = '{rule.kind}' AND {w}.level = '{rule.level}' AND ({frozen}{_where(rule, t)}))")
        params += _params(rule, at)
    cursor.execute(
        f"UPDATE {w} SET resolved_at = %s WHERE resolved_at IS NULL AND NOT EXISTS ("
        f"SELECT 1 FROM {t['case']} a WHERE a.id = {w}.application_id AND ({' OR '.join(holds)}))",
        [at, *params],
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


def scan_deadlines(at: datetime | None = None) -> dict:
    """One supervision scan as of ``at`` (default now; ``manage.py scan_deadlines --at`` replays a
    moment). Returns ``{"raised": {"accept_red": n, …}, "resolved": n}``; ``raised`` counts new
    and re-opened warnings."""
    at = at or timezone.now()
    value = connection.ops.adapt_datetimefield_value(at)  # SQLite stores UTC text, PostgreSQL timestamptz
    t = _tables()
    raised = {}
    with transaction.atomic(), connection.cursor() as cursor:
        resolved = _resolve(cursor, t, value)
        for rule in RULES:
            raised[rule.key] = _reopen(cursor, t, rule, value) + _raise(cursor, t, rule, value)
    return {"raised": raised, "resolved": resolved}
