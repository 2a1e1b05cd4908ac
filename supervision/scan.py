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
- ``delivery`` red — decided, approved, not delivered after ``delivery_due`` (art. 44);
- ``joint_task`` red — a participating department of a joint case has not given its opinion by its
  task's ``due`` while the case's clock runs (arts. 26, 42; ``approvals.joint``). One card per case
  (unique per case, kind and level), on the department whose late task is due first; resolved when
  the last late opinion arrives (``_joint_tasks``).
- ``follow_up`` yellow — a bad rating's follow-up (差评整改) not verified by ``verify_due`` (1 working day);
  red — not rectified by ``rectify_due`` (default 15 working days; 国办发〔2019〕51号). These cards name
  the follow-up, not a case (``FOLLOW_UP_CARDS``), are raised by ``scan_follow_ups`` (four more statements,
  run with every scan) and resolved at the act that ended the period.
- ``verification`` red — a 告知承诺制 post-verification (``approvals.Verification``) still pending
  after its ``due_at`` while the approval stands (国办发〔2020〕42号: 事后核查); resolved at the
  verification (its ``verified_at``) or when the case is revoked (``verifications``).

A suspended case's clock stands still (art. 45): no decision warning is raised for it, and the
decision warnings it already has are neither resolved nor re-opened until it resumes.

PostgreSQL and SQLite ≥ 3.24 both accept ``ON CONFLICT … DO NOTHING`` after ``INSERT … SELECT …
WHERE``; the statements are plain SQL through ``django.db.connection``.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from approvals import licences
from approvals.models import Application, Commitment, FollowUp, JointTask, Material, State, Verification
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
        "task": _q(JointTask._meta.db_table),
        "follow_up": _q(FollowUp._meta.db_table),
        "verification": _q(Verification._meta.db_table),
        "commitment": _q(Commitment._meta.db_table),
        "committed": _q(Commitment.requirements.through._meta.db_table),
    }


def _in(states) -> str:
    return "(" + ", ".join(f"'{s}'" for s in states) + ")"  # enum values, not user input


DECISION_STATES = _in(DECISION_CLOCK_STATES)  # approvals.workflow: where the decision period runs
# A required material counts as provided when uploaded or replaced by a signed 告知承诺书.
INCOMPLETE = (
    "EXISTS (SELECT 1 FROM {requirement} r WHERE r.version_id = a.item_version_id AND r.required"
    " AND NOT EXISTS (SELECT 1 FROM {material} m WHERE m.application_id = a.id"
    " AND m.requirement_id = r.id AND NOT m.superseded)"
    " AND NOT EXISTS (SELECT 1 FROM {commitment} c JOIN {committed} cr ON cr.commitment_id = c.id"
    " WHERE c.application_id = a.id AND cr.materialrequirement_id = r.id))"
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


# 差评整改 (approvals.FollowUp): (level, due column, the act that ended the period). Verification ends when
# it is recorded or the follow-up closes otherwise (withdrawn, invalidated); rectification when it closes.
FOLLOW_UP_CARDS = (
    (Level.YELLOW, "verify_due", "COALESCE(f.verified_at, f.closed_at)"),
    (Level.RED, "rectify_due", "f.closed_at"),
)


def _follow_ups(cursor, t: dict, at) -> tuple[dict, int]:
    """Steps 1 and 3 for follow-ups, one statement each per level: raise a card for every follow-up whose
    period ran out before it ended (still open, or ended late — recorded as of its due instant when the
    scan comes later), resolve open cards whose period has ended. A follow-up ended by an upheld appeal
    raises nothing new (the rating was found invalid)."""
    raised, resolved = {}, 0
    w = t["warning"]
    for level, due, ended in FOLLOW_UP_CARDS:
        cursor.execute(
            f"INSERT INTO {w} (application_id, follow_up_id, department_id, kind, level, due_at, raised_at,"
            " resolved_at)"
            f" SELECT NULL, f.id, f.department_id, %s, %s, f.{due}, f.{due},"
            f" CASE WHEN {ended} <= %s THEN {ended} END FROM {t['follow_up']} f"
            f" WHERE f.{due} < %s AND ({ended} IS NULL OR {ended} > f.{due}) AND f.state <> %s"
            " ON CONFLICT (follow_up_id, level) WHERE follow_up_id IS NOT NULL DO NOTHING",
            [Kind.FOLLOW_UP, level, at, at, FollowUp.State.INVALIDATED],
        )
        raised[f"{Kind.FOLLOW_UP}_{level}"] = cursor.rowcount
        cursor.execute(
            f"UPDATE {w} SET resolved_at = (SELECT {ended} FROM {t['follow_up']} f WHERE f.id = {w}.follow_up_id)"
            f" WHERE resolved_at IS NULL AND kind = %s AND level = %s AND follow_up_id IN"
            f" (SELECT f.id FROM {t['follow_up']} f WHERE {ended} <= %s)",
            [Kind.FOLLOW_UP, level, at],
        )
        resolved += cursor.rowcount
    return raised, resolved


APPROVAL_STANDS = _in((State.DECIDED, State.DELIVERED))


def verifications(cursor, t: dict, at) -> tuple[int, int]:
    """告知承诺制 事后核查 past its due: resolve the cards of verifications done (at ``verified_at``) or of
    revoked cases (at the scan), then raise one red card per pending verification past ``due_at`` —
    two set-based statements on the partial index ``verification_due``."""
    w, v, a = t["warning"], t["verification"], t["case"]
    cursor.execute(
        f"UPDATE {w} SET resolved_at = COALESCE((SELECT CASE WHEN v.verified_at <= %s THEN v.verified_at END"
        f" FROM {v} v WHERE v.application_id = {w}.application_id), %s)"
        f" WHERE resolved_at IS NULL AND kind = %s AND NOT EXISTS (SELECT 1 FROM {v} v JOIN {a} a"
        f" ON a.id = v.application_id WHERE v.application_id = {w}.application_id AND v.outcome = 'pending'"
        f" AND a.state IN {APPROVAL_STANDS})",
        [at, at, Kind.VERIFICATION],
    )
    resolved = cursor.rowcount
    cursor.execute(
        f"INSERT INTO {w} (application_id, department_id, kind, level, due_at, raised_at, resolved_at)"
        f" SELECT v.application_id, v.department_id, %s, %s, v.due_at, %s, NULL FROM {v} v JOIN {a} a"
        f" ON a.id = v.application_id WHERE v.outcome = 'pending' AND v.due_at < %s AND a.state IN {APPROVAL_STANDS}"
        " ON CONFLICT (application_id, kind, level) DO NOTHING",
        [Kind.VERIFICATION, Level.RED, at, at],
    )
    return cursor.rowcount, resolved


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
        raised["joint_task_red"], joint_resolved = _joint_tasks(cursor, t, value, since)
        raised["verification_red"], verified = verifications(cursor, t, value)
    return {"raised": raised, "resolved": resolved + joint_resolved + verified}


# --- joint cases: a department's opinion past its task's due (arts. 26, 42) --------------------------

# An open task past its due instant on a case whose clock runs (a suspended case's stands still, art. 45).
LATE_TASK = f"t.opinion = '' AND t.due < %s AND a.state IN {DECISION_STATES}"
# The case's late task due first: the card names its department and due instant.
FIRST_LATE = (
    "(SELECT t.{col} FROM {task} t JOIN {case} a ON a.id = t.application_id"
    " WHERE t.application_id = {w}.application_id AND " + LATE_TASK + " ORDER BY t.due, t.id LIMIT 1)"
)


def _joint_tasks(cursor, t: dict, at, since) -> tuple[int, int]:
    """The ``joint_task`` card in five set-based statements (returns raised, resolved):

    1. resolve the cards of cases with no late open task (and not suspended), at the instant the
       last late opinion arrived (or the scan's, when the case closed otherwise);
    2. re-open a resolved card when a task of its case is late again;
    3. raise a card for each case with a late task (its first late department, ``ON CONFLICT``);
    4. keep each open card on the department and due of the case's first late task now (after one of
       two late departments answered, the card follows the one still late);
    5. record tasks answered late since ``since`` that no scan saw open, resolved at the opinion.
    """
    w, task, case = t["warning"], t["task"], t["case"]
    kind, level = Kind.JOINT_TASK, Level.RED
    any_late = f"SELECT 1 FROM {task} t JOIN {case} a ON a.id = t.application_id WHERE {LATE_TASK}"
    cursor.execute(
        f"UPDATE {w} SET resolved_at = COALESCE((SELECT MAX(t.opinion_at) FROM {task} t"
        f" WHERE t.application_id = {w}.application_id AND t.opinion_at > t.due AND t.opinion_at <= %s), %s)"
        f" WHERE resolved_at IS NULL AND kind = %s AND level = %s"
        f" AND NOT EXISTS ({any_late} AND t.application_id = {w}.application_id)"
        f" AND NOT EXISTS (SELECT 1 FROM {case} a WHERE a.id = {w}.application_id AND a.state = %s)",
        [at, at, kind, level, at, State.SUSPENDED],
    )
    resolved = cursor.rowcount
    first_department = FIRST_LATE.format(col="department_id", task=task, case=case, w=w)
    first_due = FIRST_LATE.format(col="due", task=task, case=case, w=w)
    cursor.execute(
        f"UPDATE {w} SET resolved_at = NULL, raised_at = %s, department_id = {first_department}, due_at = {first_due}"
        f" WHERE resolved_at IS NOT NULL AND kind = %s AND level = %s"
        f" AND EXISTS ({any_late} AND t.application_id = {w}.application_id)",
        [at, at, at, kind, level, at],
    )
    raised = cursor.rowcount
    cursor.execute(
        f"INSERT INTO {w} (application_id, department_id, kind, level, due_at, raised_at, resolved_at)"
        f" SELECT a.id, t.department_id, %s, %s, t.due, %s, NULL FROM {task} t JOIN {case} a ON a.id = t.application_id"
        f" WHERE {LATE_TASK} AND t.id = (SELECT t2.id FROM {task} t2 WHERE t2.application_id = t.application_id"
        f" AND t2.opinion = '' AND t2.due < %s ORDER BY t2.due, t2.id LIMIT 1)"
        " ON CONFLICT (application_id, kind, level) DO NOTHING",
        [kind, level, at, at, at],
    )
    raised += cursor.rowcount
    cursor.execute(
        f"UPDATE {w} SET department_id = {first_department}, due_at = {first_due}"
        f" WHERE resolved_at IS NULL AND kind = %s AND level = %s"
        f" AND EXISTS ({any_late} AND t.application_id = {w}.application_id"
        f" AND (t.department_id <> {w}.department_id OR t.due <> {w}.due_at))",
        [at, at, kind, level, at],
    )
    window, params = "", [kind, level, at]
    if since is not None:
        window, params = " AND t.opinion_at >= %s", [*params, since]
    cursor.execute(
        f"INSERT INTO {w} (application_id, department_id, kind, level, due_at, raised_at, resolved_at)"
        f" SELECT t.application_id, t.department_id, %s, %s, t.due, t.due, t.opinion_at FROM {task} t"
        f" WHERE t.opinion_at > t.due AND t.opinion_at <= %s{window}"
        " ON CONFLICT (application_id, kind, level) DO NOTHING",
        params,
    )
    raised += cursor.rowcount
    return raised, resolved


def scan_follow_ups(at: datetime | None = None) -> dict:
    """The follow-ups' part of the scan (差评整改, ``FOLLOW_UP_CARDS``): four statements in one transaction,
    run right after ``scan_deadlines`` by the beat task and the command. Returns
    ``{"follow_up_yellow": n, "follow_up_red": n, "resolved": n}``."""
    value = connection.ops.adapt_datetimefield_value(at or timezone.now())
    with transaction.atomic(), connection.cursor() as cursor:
        no_jit(cursor)
        raised, resolved = _follow_ups(cursor, _tables(), value)
    return {**raised, "resolved": resolved}


def expire_licences(at: datetime | None = None) -> int:
    """E-licences past their last valid day become ``expired`` (issue 18): one set-based statement pair
    in its own transaction (``approvals.licences.expire_licences``), as of the scan instant."""
    with transaction.atomic():
        return licences.expire_licences(at or timezone.now())
