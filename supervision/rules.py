"""Anomaly rules (异常行为监察): conduct the e-monitoring flags, as opposed to a clock (``scan.py``).

``RULES`` at the end of this module is the table: per rule its code (``Anomaly.Rule``), its reason, its
legal basis, how it is detected and the setting of its threshold (docs/supervision.md, "Anomaly rules",
shows the same table). Each rule is one or a few set-based ``INSERT … SELECT … ON CONFLICT (rule, key)
DO NOTHING`` statements, run by the deadline scan after its warnings (``supervision.tasks``,
``manage.py scan_deadlines``) — never a Python loop over cases. Rules about a person or a window
over a period run one statement per calendar month or rating period touched since ``since``.

The subject of an anomaly is its ``key`` (``case:<id>``, ``event:<id>``, ``payment:<id>``,
``user:<id>:<YYYY-MM>``, ``window:<id>:<first day>`` …): unique per rule, so a repeated scan adds
nothing and two scans at once are harmless. Its evidence is built in the same statement as JSON:
``[{kind: event|payment|assessment|notice|rating|case, id, at, summary, case_number, …}]``.

``since`` works as for the scan's ``FACTS``: the beat passes its previous run less a day, and only acts
since then are read, through the indexed instants (the case's ``accepted_at``, ``decided_at``,
``delivered_at``; ``Event.at``; ``Payment.created_at``; ``Evaluation.created_at``); ``None`` (the
command, a replay) reads everything. Two inputs have no index of their own: correction notices
(``issued_at``) and fee assessments (``assessed_at``) are filtered on those columns.

Plain SQL for PostgreSQL and SQLite ≥ 3.24; the only differences (JSON builders, elapsed time) are in
the small helpers below.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from approvals.models import (
    Application,
    CorrectionItem,
    CorrectionNotice,
    Evaluation,
    Event,
    Notice,
    State,
)
from approvals.workflow import STEPS
from catalog.models import FeeStandard, ItemVersion, MaterialRequirement
from fees.models import Assessment, AssessmentLine, Payment, PaymentAnomaly
from hall import calendar
from hall.models import Window, WindowStaff
from supervision.models import Anomaly, Warning
from supervision.scan import no_jit

R = Anomaly.Rule

# --- thresholds (hall/settings.py; no national values exist, DOMAIN.md §2) ---------------------------


def fast_decision_fraction() -> float:
    return float(getattr(settings, "ANOMALY_FAST_DECISION_FRACTION", 0.1))


def max_suspensions_per_case() -> int:
    return int(getattr(settings, "ANOMALY_MAX_SUSPENSIONS_PER_CASE", 2))


def max_suspensions_per_clerk_month() -> int:
    return int(getattr(settings, "ANOMALY_MAX_SUSPENSIONS_PER_CLERK_MONTH", 10))


def bad_ratings_per_window() -> int:
    return int(getattr(settings, "ANOMALY_BAD_RATINGS_PER_WINDOW", 3))


def bad_ratings_days() -> int:
    return max(1, int(getattr(settings, "ANOMALY_BAD_RATINGS_DAYS", 7)))


# --- SQL helpers: the two dialects ----------------------------------------------------------------


def _pg() -> bool:
    return connection.vendor == "postgresql"


def _literal(text: str) -> str:
    """A constant of this module as an SQL string literal (never user input)."""
    assert "'" not in text and "%" not in text, text
    return f"'{text}'"


def _text(expr: str) -> str:
    return f"CAST({expr} AS VARCHAR)"


def _obj(**fields: str) -> str:
    """A JSON object from SQL expressions (keys are constants)."""
    pairs = ", ".join(f"'{key}', {value}" for key, value in fields.items())
    return f"{'jsonb_build_object' if _pg() else 'json_object'}({pairs})"


def _array(*items: str) -> str:
    return f"{'jsonb_build_array' if _pg() else 'json_array'}({', '.join(items)})"


def _agg(item: str) -> str:
    """The JSON array of ``item`` over a group (its order is not kept: readers sort by ``at``)."""
    return f"jsonb_agg({item})" if _pg() else f"json_group_array(json({item}))"


def _elapsed(start: str, end: str) -> str:
    """Elapsed time between two instants in a unit of the dialect's own (only ratios are compared)."""
    if _pg():
        return f"EXTRACT(EPOCH FROM ({end} - {start}))"
    return f"(julianday({end}) - julianday({start}))"


ACTION_LABELS = {step.name: step.label for step in STEPS}
SUSPENSION_ACTIONS = "('suspend', 'extend')"  # 特别程序 (art. 45) and 延期 (art. 42)
DECISION_ACTIONS = "('approve', 'deny', 'decide_on_the_spot')"
CLOSING_ACTIONS = "('deny', 'withdraw', 'reject_intake', 'terminate')"


def _action_label(expr: str) -> str:
    whens = " ".join(f"WHEN {_literal(name)} THEN {_literal(label)}" for name, label in ACTION_LABELS.items())
    return f"CASE {expr} {whens} ELSE {expr} END"


def _event(e: str, number: str = "a.number") -> str:
    """An event (办件日志) as evidence."""
    return _obj(kind="'event'", id=f"{e}.id", at=f"{e}.at", summary=_action_label(f"{e}.action"), case_number=number)


def _case(at: str, summary: str) -> str:
    """The case itself as evidence, when what is wrong is a record that is missing."""
    return _obj(kind="'case'", id="a.id", at=at, summary=summary, case_number="a.number")


def _latest_event(actions: str, fallback: str) -> str:
    """The case's latest event among ``actions`` as evidence, else ``fallback`` (rows written otherwise)."""
    return (
        f"COALESCE((SELECT {_event('ev')} FROM {{event}} ev WHERE ev.application_id = a.id"
        f" AND ev.action IN {actions} ORDER BY ev.at DESC, ev.id DESC LIMIT 1), {fallback})"
    )


def _tables() -> dict[str, str]:
    models = {
        "anomaly": Anomaly, "case": Application, "event": Event, "version": ItemVersion, "warning": Warning,
        "notice": Notice, "cnotice": CorrectionNotice, "citem": CorrectionItem, "requirement": MaterialRequirement,
        "assessment": Assessment, "line": AssessmentLine, "standard": FeeStandard, "payment": Payment,
        "payment_anomaly": PaymentAnomaly,
        "evaluation": Evaluation, "window": Window, "windowstaff": WindowStaff,
    }  # fmt: skip
    return {name: connection.ops.quote_name(model._meta.db_table) for name, model in models.items()}


COLUMNS = ("rule", "key", "application_id", "department_id", "actor_id", "window_id", "occurred_at", "detected_at",
           "evidence")  # fmt: skip


@dataclass
class Scan:
    """One detection run: the cursor, the tables, the instant and the lookback (as database values)."""

    cursor: object
    tables: dict
    at: object
    since: object  # None: read everything
    at_dt: datetime
    since_dt: datetime | None

    def since_sql(self, column: str) -> tuple[str, list]:
        return (f" AND {column} >= %s", [self.since]) if self.since is not None else ("", [])

    def insert(self, select: str, params: list) -> int:
        """``select`` yields the ``COLUMNS`` in order; ``{name}`` placeholders are table names."""
        columns = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)
        self.cursor.execute(
            f"INSERT INTO {self.tables['anomaly']} ({columns}) {select.format(**self.tables)}"
            " ON CONFLICT (rule, " + connection.ops.quote_name("key") + ") DO NOTHING",
            params,
        )
        return self.cursor.rowcount


# --- the rules' statements (one function per rule) --------------------------------------------------


def fast_decision(scan: Scan) -> int:
    """Decided in less than ``ANOMALY_FAST_DECISION_FRACTION`` of the time from acceptance to the
    decision's due instant (a 承诺件, not a 即办件), measured on the stored instants: a review that did
    not take place, or a case handled elsewhere and keyed in afterwards."""
    since, params = scan.since_sql("a.decided_at")
    return scan.insert(
        f"SELECT {_literal(R.FAST_DECISION)}, 'case:' || {_text('a.id')}, a.id, a.department_id, a.decided_by_id, NULL,"
        f" a.decided_at, %s, {_array(_event('ea'), _event('ed'))}"
        " FROM {case} a JOIN {version} v ON v.id = a.item_version_id"
        " JOIN {event} ea ON ea.application_id = a.id AND ea.action = 'accept'"
        f" JOIN {{event}} ed ON ed.application_id = a.id AND ed.action IN {DECISION_ACTIONS}"
        f" WHERE a.decided_at <= %s{since} AND v.handling_kind <> 'instant' AND a.decision_days > 0"
        " AND a.accepted_at IS NOT NULL AND a.decision_due > a.accepted_at"
        f" AND {_elapsed('a.accepted_at', 'a.decided_at')} < %s * {_elapsed('a.accepted_at', 'a.decision_due')}",
        [scan.at, scan.at, *params, fast_decision_fraction()],
    )


def late_suspension(scan: Scan) -> int:
    """A suspension (特别程序) or extension when the decision period had already run out: it neither
    stops nor extends a clock that has stopped, and it takes the case off the overdue count. Overdue at
    the act means: its 办结超期 red card was open then, or (the card not yet raised) the case is still
    in that suspension and its decision due instant — which stands still while suspended — precedes it."""
    since, params = scan.since_sql("e.at")
    return scan.insert(
        f"SELECT {_literal(R.LATE_SUSPENSION)}, 'event:' || {_text('e.id')}, a.id, a.department_id, e.actor_id, NULL,"
        f" e.at, %s, {_array(_event('e'))}"
        " FROM {event} e JOIN {case} a ON a.id = e.application_id"
        f" WHERE e.action IN {SUSPENSION_ACTIONS} AND e.at <= %s{since}"
        " AND (EXISTS (SELECT 1 FROM {warning} w WHERE w.application_id = e.application_id"
        " AND w.kind = 'decision' AND w.level = 'red' AND w.due_at < e.at AND w.raised_at <= e.at"
        " AND (w.resolved_at IS NULL OR w.resolved_at > e.at))"
        f" OR (e.action = 'suspend' AND a.state = '{State.SUSPENDED}' AND a.suspended_at <= e.at"
        " AND a.decision_due < e.at))",
        [scan.at, scan.at, *params],
    )


def repeated_suspension(scan: Scan) -> int:
    """More than ``ANOMALY_MAX_SUSPENSIONS_PER_CASE`` suspensions and extensions on one case: the
    time limit emptied by procedure. Only cases with such an act since ``since`` are counted again."""
    recent, params = "", []
    if scan.since is not None:
        recent = (" AND e.application_id IN (SELECT r.application_id FROM {event} r"
                  f" WHERE r.action IN {SUSPENSION_ACTIONS} AND r.at >= %s)")  # fmt: skip
        params = [scan.since]
    return scan.insert(
        f"SELECT {_literal(R.REPEATED_SUSPENSION)}, 'case:' || {_text('a.id')}, a.id, a.department_id, NULL, NULL,"
        f" MAX(e.at), %s, {_agg(_event('e'))}"
        " FROM {event} e JOIN {case} a ON a.id = e.application_id"
        f" WHERE e.action IN {SUSPENSION_ACTIONS} AND e.at <= %s{recent}"
        " GROUP BY a.id, a.department_id, a.number HAVING COUNT(*) > %s",
        [scan.at, scan.at, *params, max_suspensions_per_case()],
    )


def _months(first: datetime, last: datetime) -> list[tuple[str, datetime, datetime]]:
    """The hall's calendar months from ``first``'s to ``last``'s: (YYYY-MM, start, next start)."""
    first, last = timezone.localtime(first, calendar.SHANGHAI), timezone.localtime(last, calendar.SHANGHAI)
    year, month, months = first.year, first.month, []
    while (year, month) <= (last.year, last.month):
        start = datetime(year, month, 1, tzinfo=calendar.SHANGHAI)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        months.append((f"{start:%Y-%m}", start, datetime(year, month, 1, tzinfo=calendar.SHANGHAI)))
    return months


def clerk_suspensions(scan: Scan) -> int:
    """More than ``ANOMALY_MAX_SUSPENSIONS_PER_CLERK_MONTH`` suspensions and extensions by one person in
    one calendar month: one statement per month touched since ``since``."""
    first = scan.since_dt
    if first is None:
        first = Event.objects.filter(action__in=("suspend", "extend"), at__lte=scan.at_dt).aggregate(m=Min("at"))["m"]
    if first is None:
        return 0
    recent, params = "", []
    if scan.since is not None:  # only people who acted since then: nobody else's count changed
        recent = (f" AND e.actor_id IN (SELECT r.actor_id FROM {{event}} r WHERE r.action IN {SUSPENSION_ACTIONS}"
                  " AND r.at >= %s)")  # fmt: skip
        params = [scan.since]
    adapt, added = connection.ops.adapt_datetimefield_value, 0
    for label, start, end in _months(first, scan.at_dt):
        added += scan.insert(
            f"SELECT {_literal(R.CLERK_SUSPENSIONS)}, 'user:' || {_text('e.actor_id')} || ':' || %s, NULL,"
            f" MIN(a.department_id), e.actor_id, NULL, MAX(e.at), %s, {_agg(_event('e'))}"
            " FROM {event} e JOIN {case} a ON a.id = e.application_id"
            f" WHERE e.action IN {SUSPENSION_ACTIONS} AND e.actor_id IS NOT NULL"
            f" AND e.at >= %s AND e.at < %s AND e.at <= %s{recent}"
            " GROUP BY e.actor_id HAVING COUNT(*) > %s",
            [label, scan.at, adapt(start), adapt(end), scan.at, *params, max_suspensions_per_clerk_month()],
        )
    return added


def off_system(scan: Scan) -> int:
    """体外循环 (不按规定实施网上审批): a case decided without an acceptance event, or accepted without a
    receipt — no submission (收件) event before the acceptance, no receipt instant, or no 受理通知书."""
    since, params = scan.since_sql("a.decided_at")
    evidence = _array(
        _latest_event(DECISION_ACTIONS, _case("a.decided_at", _literal("办件记录了决定"))),
        _case("a.decided_at", _literal("没有受理记录（受理日志）")),
    )
    decided = scan.insert(
        f"SELECT {_literal(R.OFF_SYSTEM)}, 'decided:' || {_text('a.id')}, a.id, a.department_id, a.decided_by_id, NULL,"
        f" a.decided_at, %s, {evidence} FROM {{case}} a WHERE a.decided_at <= %s{since}"
        " AND NOT EXISTS (SELECT 1 FROM {event} e WHERE e.application_id = a.id AND e.action = 'accept')",
        [scan.at, scan.at, *params],
    )
    since, params = scan.since_sql("a.accepted_at")
    no_receipt = (
        "(a.received_at IS NULL OR NOT EXISTS (SELECT 1 FROM {event} e WHERE e.application_id = a.id"
        " AND e.action IN ('submit', 'resubmit') AND e.at <= a.accepted_at))"
    )
    no_notice = "NOT EXISTS (SELECT 1 FROM {notice} n WHERE n.application_id = a.id AND n.kind = 'acceptance')"
    missing = (
        f"CASE WHEN {no_receipt} AND {no_notice} THEN {_literal('受理前没有收件记录，也没有出具受理通知书')}"
        f" WHEN {no_receipt} THEN {_literal('受理前没有收件（提交）记录')}"
        f" ELSE {_literal('没有出具受理通知书')} END"
    )
    evidence = _array(
        _latest_event("('accept')", _case("a.accepted_at", _literal("办件记录了受理"))),
        _case("a.accepted_at", missing),
    )
    accepted = scan.insert(
        f"SELECT {_literal(R.OFF_SYSTEM)}, 'accepted:' || {_text('a.id')}, a.id, a.department_id, a.accepted_by_id,"
        f" NULL, a.accepted_at, %s, {evidence} FROM {{case}} a"
        f" WHERE a.accepted_at <= %s{since} AND ({no_receipt} OR {no_notice})",
        [scan.at, scan.at, *params],
    )
    return decided + accepted


def correction_outside_list(scan: Scan) -> int:
    """A correction notice (补正材料通知书) asking for a material that is not in the list of the case's
    item version. The service refuses such a notice; the rule guards data arriving any other way."""
    since, params = scan.since_sql("cn.issued_at")
    summary = f"'第' || {_text('cn.round')} || '轮补正材料通知书要求：' || r.name || '（不在本事项材料目录）'"
    notice = _obj(kind="'notice'", id="cn.id", at="cn.issued_at", summary=summary, case_number="a.number")
    return scan.insert(
        f"SELECT {_literal(R.CORRECTION_OUTSIDE_LIST)}, 'notice:' || {_text('cn.id')}, a.id, a.department_id,"
        f" cn.issued_by_id, NULL, cn.issued_at, %s, {_agg(notice)}"
        " FROM {cnotice} cn JOIN {case} a ON a.id = cn.application_id"
        " JOIN {citem} ci ON ci.notice_id = cn.id JOIN {requirement} r ON r.id = ci.requirement_id"
        f" WHERE r.version_id <> a.item_version_id AND cn.issued_at <= %s{since}"
        " GROUP BY cn.id, cn.round, cn.issued_by_id, cn.issued_at, a.id, a.department_id, a.number",
        [scan.at, scan.at, *params],
    )


def delivered_unassessed(scan: Scan) -> int:
    """A fee-charging item's approved result delivered with no assessment (缴款通知): the fee was
    collected off the books, or waived without the approver's decision."""
    since, params = scan.since_sql("a.delivered_at")
    evidence = _array(
        _latest_event("('deliver')", _case("a.delivered_at", _literal("办件记录了送达"))),
        _case("a.delivered_at", _literal("收费事项，没有核定收费（缴款通知）")),
    )
    return scan.insert(
        f"SELECT {_literal(R.DELIVERED_UNASSESSED)}, 'case:' || {_text('a.id')}, a.id, a.department_id,"
        " (SELECT d.actor_id FROM {event} d WHERE d.application_id = a.id AND d.action = 'deliver'"
        f" ORDER BY d.at DESC, d.id DESC LIMIT 1), NULL, a.delivered_at, %s, {evidence}"
        " FROM {case} a JOIN {version} v ON v.id = a.item_version_id"
        f" WHERE a.delivered_at <= %s{since} AND v.charges_fees"
        f" AND a.decision = '{Application.Decision.APPROVED}'"
        " AND NOT EXISTS (SELECT 1 FROM {assessment} fa WHERE fa.application_id = a.id)",
        [scan.at, scan.at, *params],
    )


def payment_on_closed_case(scan: Scan) -> int:
    """Money kept on a case that was denied, withdrawn, not accepted or terminated: no licence, no fee
    (arts. 58, 59; the hall charges for no denied case), and what was paid must be refunded (art. 75).
    Closing such a case refunds what was paid (``fees.services.close_fees``) and cancels the payment
    code: the rule finds a payment whose assessment was not refunded in full — a refund that failed, a
    payment booked by a path that did not check."""
    recent, params = "", []
    if scan.since is not None:
        recent = (" AND (p.created_at >= %s OR a.id IN (SELECT c.application_id FROM {event} c"
                  f" WHERE c.action IN {CLOSING_ACTIONS} AND c.at >= %s))")  # fmt: skip
        params = [scan.since, scan.since]
    closed = (
        "CASE WHEN a.decision = 'denied' THEN '办件已作出不予决定'"
        f" WHEN a.state = '{State.WITHDRAWN}' THEN '办件已撤回'"
        f" WHEN a.state = '{State.REJECTED}' THEN '办件不予受理' ELSE '办件已终止办理' END"
    )
    closed_at = f"(SELECT MAX(c.at) FROM {{event}} c WHERE c.application_id = a.id AND c.action IN {CLOSING_ACTIONS})"
    payment = _obj(kind="'payment'", id="p.id", at="p.paid_at", summary="'缴费，票据号码 ' || p.receipt_number",
                   amount_fen="p.amount_fen", case_number="a.number")  # fmt: skip
    return scan.insert(
        f"SELECT {_literal(R.PAYMENT_ON_CLOSED_CASE)}, 'payment:' || {_text('p.id')}, a.id, a.department_id,"
        f" p.recorded_by_id, NULL, p.paid_at, %s, {_array(payment, _case(closed_at, closed))}"
        " FROM {payment} p JOIN {assessment} fa ON fa.id = p.assessment_id JOIN {case} a ON a.id = fa.application_id"
        f" WHERE p.paid_at <= %s AND fa.refunded_fen < fa.paid_fen AND (a.decision = 'denied'"
        f" OR a.state IN ('{State.WITHDRAWN}', '{State.REJECTED}', '{State.TERMINATED}')){recent}",
        [scan.at, scan.at, *params],
    )


PAYMENT_ANOMALY_LABELS = {reason: label for reason, label in PaymentAnomaly.Reason.choices}


def payment_refused(scan: Scan) -> int:
    """A payment the ledger refused or the daily reconciliation could not match (``fees.PaymentAnomaly``:
    a wrong amount, a reused transaction id, a cancelled code, a statement line not in the ledger …)
    on a case of the hall: collected money that is not where the law puts it (arts. 59, 75). Notices
    naming no known payment code concern no department and stay on the reconciliation page."""
    since, params = scan.since_sql("pa.received_at")
    reasons = " ".join(
        f"WHEN {_literal(code)} THEN {_literal(label)}" for code, label in PAYMENT_ANOMALY_LABELS.items()
    )
    evidence = _obj(kind="'payment_anomaly'", id="pa.id", at="pa.received_at",
                    summary=f"CASE pa.reason {reasons} ELSE pa.reason END", amount_fen="pa.amount_fen",
                    case_number="a.number")  # fmt: skip
    return scan.insert(
        f"SELECT {_literal(R.PAYMENT_REFUSED)}, 'fees:' || {_text('pa.id')}, a.id, a.department_id, NULL, NULL,"
        f" pa.received_at, %s, {_array(evidence)}"
        " FROM {payment_anomaly} pa JOIN {assessment} fa ON fa.id = pa.assessment_id"
        " JOIN {case} a ON a.id = fa.application_id"
        f" WHERE pa.received_at <= %s{since}",
        [scan.at, scan.at, *params],
    )


def fee_off_standard(scan: Scan) -> int:
    """An assessed line whose amount is not the published standard × quantity, or that charges a
    standard of another item version (擅自收费 / 不按法定标准收费). Rule-based standards (no fixed
    amount) cannot be checked here. One anomaly per assessment revision."""
    since, params = scan.since_sql("fa.assessed_at")
    own = "fs.version_id = a.item_version_id"
    line = _obj(
        kind="'assessment'", id="fa.id", at="fa.assessed_at", case_number="a.number",
        summary=f"CASE WHEN {own} THEN '“' || fl.name || '”核定金额与公布标准不符'"
                " ELSE '“' || fl.name || '”不是本事项公布的收费标准' END",
        amount_fen="fl.amount_fen", quantity="fl.quantity",
        standard_fen=f"CASE WHEN {own} THEN fs.amount_fen * fl.quantity END",
    )  # fmt: skip
    return scan.insert(
        f"SELECT {_literal(R.FEE_OFF_STANDARD)}, 'assessment:' || {_text('fa.id')} || ':' || {_text('fa.revision')},"
        f" a.id, a.department_id, fa.assessed_by_id, NULL, fa.assessed_at, %s, {_agg(line)}"
        " FROM {assessment} fa JOIN {case} a ON a.id = fa.application_id"
        " JOIN {line} fl ON fl.assessment_id = fa.id JOIN {standard} fs ON fs.id = fl.standard_id"
        f" WHERE fa.assessed_at <= %s{since} AND (NOT {own}"
        " OR (fs.amount_fen IS NOT NULL AND fl.amount_fen <> fs.amount_fen * fl.quantity))"
        " GROUP BY fa.id, fa.revision, fa.assessed_by_id, fa.assessed_at, a.id, a.department_id, a.number",
        [scan.at, scan.at, *params],
    )


RATING_EPOCH = datetime(2024, 1, 1, tzinfo=calendar.SHANGHAI)  # a Monday: 7-day periods are weeks


def _periods(first: datetime, last: datetime, days: int) -> list[tuple[str, datetime, datetime]]:
    """Fixed periods of ``days`` days from ``RATING_EPOCH`` covering [first, last]: (first day, start, end)."""
    length = timedelta(days=days)
    index = (first - RATING_EPOCH) // length
    periods = []
    while (start := RATING_EPOCH + index * length) <= last:
        periods.append((f"{timezone.localtime(start, calendar.SHANGHAI):%Y-%m-%d}", start, start + length))
        index += 1
    return periods


def bad_ratings_cluster(scan: Scan) -> int:
    """At least ``ANOMALY_BAD_RATINGS_PER_WINDOW`` 不满意/非常不满意 ratings on cases of one window
    within one period of ``ANOMALY_BAD_RATINGS_DAYS`` days (国办发〔2019〕51号: 差评 are followed up
    and fed into the assessment). A case does not record its window: it is the window where the clerk
    who accepted it (首办负责人) is posted in the case's department (the lowest window id if several)."""
    first = scan.since_dt
    bad = Evaluation.Level.DISSATISFIED
    if first is None:
        first = Evaluation.objects.filter(level__lte=bad, created_at__lte=scan.at_dt).aggregate(m=Min("created_at"))[
            "m"
        ]
    if first is None:
        return 0
    window_of = (
        "(SELECT MIN(ws.window_id) FROM {windowstaff} ws JOIN {window} w2 ON w2.id = ws.window_id"
        " WHERE ws.user_id = a.accepted_by_id AND w2.department_id = a.department_id)"
    )
    rating = _obj(kind="'rating'", id="x.id", at="x.created_at", case_number="x.number",
                  summary="CASE x.level WHEN 1 THEN '非常不满意' ELSE '不满意' END")  # fmt: skip
    adapt, added = connection.ops.adapt_datetimefield_value, 0
    for label, start, end in _periods(first, scan.at_dt, bad_ratings_days()):
        added += scan.insert(
            f"SELECT {_literal(R.BAD_RATINGS_CLUSTER)}, 'window:' || {_text('hw.id')} || ':' || %s, NULL,"
            f" hw.department_id, NULL, hw.id, MAX(x.created_at), %s, {_agg(rating)}"
            " FROM (SELECT r.id, r.level, r.created_at, a.number, " + window_of + " AS window_id"
            " FROM {evaluation} r JOIN {case} a ON a.id = r.application_id"
            " WHERE r.level <= %s AND r.created_at >= %s AND r.created_at < %s AND r.created_at <= %s) x"
            " JOIN {window} hw ON hw.id = x.window_id WHERE x.window_id IS NOT NULL"
            " GROUP BY hw.id, hw.department_id HAVING COUNT(*) >= %s",
            [label, scan.at, bad, adapt(start), adapt(end), scan.at, bad_ratings_per_window()],
        )
    return added


# --- the table ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnomalyRule:
    code: str  # Anomaly.Rule
    reason: str  # why it is misconduct, shown with every anomaly
    law: str  # the legal basis
    detected: str  # how: the statement(s) and the lookback
    threshold: str  # the setting(s), "" when none
    run: Callable[[Scan], int]

    @property
    def label(self) -> str:
        return R(self.code).label


RULES: tuple[AnomalyRule, ...] = (
    AnomalyRule(
        R.FAST_DECISION,
        reason="承诺件自受理至作出决定所用时间不足承诺期限的规定比例，可能未经实质审查，或在系统外办理后补录。",
        law="行政许可法第三十四条（审查申请材料）、第四十二条；提前办结比例为本系统设定（DOMAIN.md §2：无全国标准）",
        detected="scan: cases decided since the lookback (decided_at index), with their accept and decision events",
        threshold="ANOMALY_FAST_DECISION_FRACTION",
        run=fast_decision,
    ),
    AnomalyRule(
        R.LATE_SUSPENSION,
        reason="办结期限届满后才启动特别程序或延期：期限已过不能再中止或延长，且会使超期件从超期统计中消失。",
        law="行政许可法第四十二条（延期须在期限内经负责人批准）、第四十五条（特别程序）",
        detected="scan: suspend/extend events since the lookback (Event.at index) while the case's 办结超期 red card "
        "was open, or the case still in that suspension with its decision due instant before the act",
        threshold="",
        run=late_suspension,
    ),
    AnomalyRule(
        R.REPEATED_SUSPENSION,
        reason="同一办件暂停（特别程序）和延期的次数超过规定，办理时限被程序性拖延。",
        law="行政许可法第四十二条（延期以一次为限）、第四十五条",
        detected="scan: GROUP BY case over the suspend/extend events of cases with one since the lookback",
        threshold="ANOMALY_MAX_SUSPENSIONS_PER_CASE",
        run=repeated_suspension,
    ),
    AnomalyRule(
        R.CLERK_SUSPENSIONS,
        reason="同一工作人员一个月内暂停或延期的次数超过规定，可能以程序拖延办件。",
        law="行政许可法第四十二条、第四十五条；DOMAIN.md §2（电子监察：流程类异常）",
        detected="scan: GROUP BY actor, one statement per calendar month touched since the lookback (Event.at index)",
        threshold="ANOMALY_MAX_SUSPENSIONS_PER_CLERK_MONTH",
        run=clerk_suspensions,
    ),
    AnomalyRule(
        R.OFF_SYSTEM,
        reason="没有受理记录即作出决定，或受理前没有收件记录、受理后没有出具受理通知书：办件在系统外流转（体外循环）。",
        law="行政许可法第三十二条（受理应出具加盖印章、注明日期的书面凭证）；DOMAIN.md §2“不按规定实施网上审批”",
        detected="scan: cases decided or accepted since the lookback (decided_at, accepted_at indexes) without the "
        "accept event, the submit event or the 受理通知书",
        threshold="",
        run=off_system,
    ),
    AnomalyRule(
        R.CORRECTION_OUTSIDE_LIST,
        reason="补正材料通知书要求申请人提交不在本事项公布的材料目录中的材料。",
        law="行政许可法第三十一条（不得要求提交与申请事项无关的材料）、第三十二条；国务院令第716号第七条",
        detected="scan: correction notices issued since the lookback (issued_at, not indexed) naming a requirement "
        "of another item version",
        threshold="",
        run=correction_outside_list,
    ),
    AnomalyRule(
        R.DELIVERED_UNASSESSED,
        reason="收费事项作出准予决定并送达，却没有核定收费（缴款通知）：可能在系统外收费，或未经批准减免。",
        law="行政许可法第五十九条（按公布的项目和标准收费，全部上缴国库）",
        detected="scan: approved cases of fee-charging items delivered since the lookback (delivered_at index) "
        "with no assessment",
        threshold="",
        run=delivered_unassessed,
    ),
    AnomalyRule(
        R.PAYMENT_ON_CLOSED_CASE,
        reason="不予许可、撤回、不予受理或终止办理的办件有缴费且未全额退还：没有许可结果不应收费，已收取的应当退还。",
        law="行政许可法第五十八条、第五十九条、第七十五条",
        detected="scan: payments booked since the lookback (Payment.created_at index) or on cases closed since then "
        "(Event.at index)",
        threshold="",
        run=payment_on_closed_case,
    ),
    AnomalyRule(
        R.FEE_OFF_STANDARD,
        reason="核定的收费金额与公布的收费标准×数量不符，或收取了不属于本事项公布标准的费用。",
        law="行政许可法第五十九条、第七十五条（擅自收费、不按法定标准收费）",
        detected="scan: lines of assessments made since the lookback (assessed_at, not indexed); rule-based "
        "standards (no fixed amount) are not checked",
        threshold="",
        run=fee_off_standard,
    ),
    AnomalyRule(
        R.PAYMENT_REFUSED,
        reason="缴费通知被拒绝或对账不符（金额不符、流水号重复使用、缴款码已作废、对账单与台账不一致等）：收取的款项须全部按标准上缴，不符的应查明处理。",
        law="行政许可法第五十九条、第七十五条；统一公共支付平台对账（DOMAIN.md）",
        detected="scan: fees.PaymentAnomaly rows received since the lookback (received_at index) on a known "
        "assessment; notices naming no known code stay on the reconciliation page",
        threshold="",
        run=payment_refused,
    ),
    AnomalyRule(
        R.BAD_RATINGS_CLUSTER,
        reason="同一窗口在一个统计周期内集中出现“不满意”“非常不满意”评价，需核查服务问题并整改。",
        law="国办发〔2019〕51号（差评整改，纳入绩效评价）；GB/T 39734-2020",
        detected="scan: GROUP BY window, one statement per fixed period touched since the lookback "
        "(Evaluation.created_at index); the window is the accepting clerk's post",
        threshold="ANOMALY_BAD_RATINGS_PER_WINDOW, ANOMALY_BAD_RATINGS_DAYS",
        run=bad_ratings_cluster,
    ),
)
BY_CODE = {rule.code: rule for rule in RULES}


def detect_anomalies(at: datetime | None = None, *, since: datetime | None = None) -> dict[str, int]:
    """Run every rule as of ``at`` (default now) in one transaction; ``since``: only acts since then
    (the beat passes its previous scan less a day), None for everything. Returns new anomalies per rule.
    The new anomalies join the event feed in the same transaction (``supervision.feed``)."""
    from supervision import feed

    at = at or timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    counts = {}
    with transaction.atomic(), connection.cursor() as cursor:
        no_jit(cursor)  # as the deadline scan (supervision.scan)
        scan = Scan(cursor, _tables(), adapt(at), adapt(since) if since is not None else None, at, since)
        for rule in RULES:
            counts[str(rule.code)] = rule.run(scan)
        feed.publish_new_anomalies()
    return counts


def markdown_table() -> str:
    """The table of docs/supervision.md, "Anomaly rules" (a test compares the two)."""
    rows = ["| rule | 名称 | reason | legal basis | how detected | threshold |", "|---|---|---|---|---|---|"]
    for rule in RULES:
        threshold = ", ".join(f"`{name.strip()}`" for name in rule.threshold.split(",")) if rule.threshold else "—"
        rows.append(f"| `{rule.code}` | {rule.label} | {rule.reason} | {rule.law} | {rule.detected} | {threshold} |")
    return "\n".join(rows) + "\n"
