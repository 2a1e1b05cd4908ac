"""The hot paths over HTTP at 1,000,000 cases, each against a bare baseline served by the same gunicorn
(issue 22, point 1; run by ``bench/http.py``).

gunicorn as in production — sync, 2 workers, DEBUG off, the project's settings (``bench/http_settings.py``)
with the bench URLconf ``bench/http_urls.py``, whose baselines are never in the app's URLs: ``hello``
(a plain ``HttpResponse``), ``one row`` (one ``Application`` by primary key through the ORM, a tiny
JSON) and ``insert`` (one row into the bench-only table ``bench_http_insert`` in a transaction). wrk
(``-t2 -c16 -d10s``) loads baseline and target in turn (B T B T …), every scenario once per round;
each round gives a ratio (target p95 / baseline p95, or target req/s / baseline req/s), and the result
is the median ratio over the rounds with its spread (min–max).

Throttles stay on (the API's anon and user throttles, one Redis round trip each) but are sized for one
load generator on one address: ``THROTTLE_ANON`` and ``THROTTLE_USER`` are set for gunicorn (see
``THROTTLES``), so no request of the bench is throttled. Celery's broker is Redis (database 5, the
bench's own; the doorbells the transitions ring after commit are emptied at the end, no worker runs).

The accept scenario POSTs ``/api/v1/applications/{number}/transitions/accept`` as the clerk, each
request on another case: copies of a submitted case of the clerk's department, past its acceptance
period (deemed accepted, so no materials are needed), numbered ``HTTPB-…``, are prepared before each
run — enough for twice the last rate — and a Lua script walks their list (thread i takes i, i+T, …).
The payment callback scenario POSTs the platform's notification to ``/api/v1/fees/callback/simulator``
as the platform would, each request paying another due assessment: copies of an under-review case of a
fee-charging item (``HTTPF-…``), each with an assessment of 80 元 (缴款码 ``HTTPF000…``), prepared the
same way; every body (code, amount, a fresh transaction id, the time) is signed like the provider signs
it (``X-Signature``, HMAC-SHA256 with ``FEES_SIMULATOR_SECRET`` of the settings gunicorn runs with) and
walked by the same Lua script. After the run, the payments booked are counted against the 2xx answers
and a sample is checked paid (assessment ``paid``, a receipt number, the inbound log ``booked``).
Queries: one request through Django's test client in ``CaptureQueriesContext`` after a warm-up one
(for the POSTs, on two more prepared cases or payments, which they then consume).

    .venv/bin/python bench/http.py [--cases 1000000] [--rounds 3] [--seconds 10] [--only NAME …]

Its own database (``hall_http_bench`` unless ``DATABASE_URL`` says otherwise), filled like the other
benches (``bench/cases_data.py``). Every target must answer 2xx before it is measured; non-2xx answers
under load are counted, and any makes the script fail after writing its results:
bench/results/http.json (every run) and bench/results/http.md (the table, → docs/PERFORMANCE.md).
"""

import argparse
import json
import os
import platform
import shutil
import statistics
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/hall_http_bench")
# Throttles on, sized so that one load generator on 127.0.0.1 is never throttled (per address for
# visitors, per user for accounts); set for gunicorn, which inherits this environment.
THROTTLES = {"THROTTLE_ANON": "1000000/min", "THROTTLE_USER": "1000000/min"}
os.environ.update(THROTTLES)
BROKER_URL = "redis://127.0.0.1:6379/5"
# The doorbells of the POSTs counted in-process (``count_post_queries``) ring into the bench's broker too.
os.environ.setdefault("CELERY_BROKER_URL", BROKER_URL)

from cases_data import ensure_demo, fill  # noqa: E402
from common import ROOT, setup_django  # noqa: E402
from http_load import WRK_LUA, free_port, median, session_cookie, start_gunicorn, stop_gunicorn, wrk_load  # noqa: E402

PREFIX = "HTTPB-"  # the cases prepared for the accept scenario
FEE_PREFIX = "HTTPF"  # the cases (HTTPF-00000001) and payment codes (HTTPF000000000000001) of the callback scenario
INSERT_TABLE = """CREATE TABLE IF NOT EXISTS bench_http_insert (
    id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), note text NOT NULL DEFAULT '')"""

BASELINES = {
    "hello": ("GET", "/bench/hello", "hello world (plain HttpResponse)"),
    "row": ("GET", "/bench/row/{row_pk}", "one row by PK (ORM, tiny JSON)"),
    "insert": ("POST", "/bench/insert", "single-row insert (in a transaction)"),
}


@dataclass
class Scenario:
    name: str
    label: str
    path: str  # formatted with the prepared facts (numbers, codes, dates)
    auth: str  # "anon", "token:<user>" or "session:<user>"
    baseline: str  # a key of BASELINES
    metric: str  # "p95": target p95 / baseline p95 (×); "rps": target req/s / baseline req/s (%)
    goal: float | None = None  # the goal: ratio ≤ goal (p95) or ≥ goal (rps)
    method: str = "GET"
    walk: str = ""  # "accept" or "payment": each request on another prepared case or payment (``WALKERS``)


SCENARIOS = [
    Scenario("staff_list", "API staff list p95 (clerk, first page)", "/api/v1/applications", "token:clerk",
             "row", "p95", 2.0),
    Scenario("workbench", "`/workbench/` p95 (clerk)", "/workbench/", "session:clerk", "row", "p95", 3.0),
    Scenario("catalog_list", "catalog list req/s (anonymous)", "/api/v1/catalog/items", "anon", "hello", "rps",
             0.5),
    Scenario("accept", "accept transition req/s (clerk, distinct submitted cases)",
             "/api/v1/applications/{number}/transitions/accept", "token:clerk", "insert", "rps", 0.25, "POST",
             walk="accept"),
    Scenario("payment_callback", "payment callback req/s (signed platform notification, distinct due payments)",
             "/api/v1/fees/callback/simulator", "anon", "insert", "rps", None, "POST", walk="payment"),
    Scenario("applicant_list", "API applicant's own list p95 (first page)", "/api/v1/applications",
             "token:applicant", "row", "p95"),
    Scenario("case_detail", "API case detail p95 (applicant, own case)", "/api/v1/applications/{case_number}",
             "token:applicant", "row", "p95"),
    Scenario("item_detail", "API catalog item detail req/s (anonymous)", "/api/v1/catalog/items/{item_code}",
             "anon", "hello", "rps"),
    Scenario("my_cases", "`/my/cases/` p95 (applicant)", "/my/cases/", "session:applicant", "row", "p95"),
    Scenario("warnings", "API supervision warnings list p95 (supervisor)", "/api/v1/supervision/warnings",
             "token:supervisor", "row", "p95"),
    Scenario("dashboard", "`/supervision/` dashboard p95 (supervisor)", "/supervision/", "session:supervisor",
             "row", "p95"),
    Scenario("statistics_month", "API statistics of a month p95 (supervisor)",
             "/api/v1/supervision/statistics?from={month_from}&to={month_to}", "token:supervisor", "row", "p95"),
]  # fmt: skip


# --- preparation (in-process, the bench database) -------------------------------------------------------


def prepare_facts() -> dict:
    """The users' credentials and the numbers, codes and dates the scenarios' paths name."""
    from rest_framework.authtoken.models import Token

    from approvals.models import Application
    from catalog.models import Item
    from hall.models import User

    facts, auth = {}, {"anon": {}}
    for username in ("clerk", "applicant", "supervisor"):
        user = User.objects.get(username=username)
        token, _ = Token.objects.get_or_create(user=user)
        auth[f"token:{username}"] = {"Authorization": f"Token {token.key}"}
        auth[f"session:{username}"] = {"Cookie": session_cookie(user)}
    applicant = User.objects.get(username="applicant")
    facts["case_number"] = (
        Application.objects.filter(owner=applicant, number__startswith="BENCH-")
        .order_by("-created_at", "-id")
        .values_list("number", flat=True)[0]
    )
    facts["row_pk"] = Application.objects.filter(number="BENCH-00500000").values_list("pk", flat=True).first() or (
        Application.objects.order_by("pk").values_list("pk", flat=True).first()
    )
    facts["item_code"] = Item.objects.filter(status="published").order_by("code").values_list("code", flat=True)[0]
    first = date.today().replace(day=1)
    last_month_end = first - timedelta(days=1)
    facts["month_from"], facts["month_to"] = last_month_end.replace(day=1).isoformat(), last_month_end.isoformat()
    facts["number"] = "{number}"  # filled per request by the accept script
    return {"facts": facts, "auth": auth}


def ensure_warnings() -> int:
    """A scanned hall: the deadline warnings the warnings list and the dashboard show."""
    from django.db import connection

    from supervision.models import Warning

    if not Warning.objects.exists():
        started = time.monotonic()
        from supervision.scan import scan_deadlines

        scan_deadlines()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE supervision_warning")
        print(f"  deadline scan: {time.monotonic() - started:.0f} s", flush=True)
    return Warning.objects.filter(resolved_at__isnull=True).count()


def ensure_insert_table() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(INSERT_TABLE)
        cursor.execute("TRUNCATE bench_http_insert")


def copy_cases(template: int, prefix: str, count: int) -> None:
    """``count`` more copies of the case ``template`` (every column but the id), numbered ``<prefix>00000001`` …
    after the last one there is: one set-based INSERT … SELECT."""
    from django.db import connection, transaction

    from approvals.models import Application

    columns = [f.column for f in Application._meta.concrete_fields if not f.primary_key]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(max(substr(number, %s)::int), 0) FROM approvals_application WHERE number LIKE %s",
            [len(prefix) + 1, prefix + "%"],
        )
        (last,) = cursor.fetchone()
        values = ", ".join(f"'{prefix}' || lpad(g::text, 8, '0')" if c == "number" else f'a."{c}"' for c in columns)
        names = ", ".join(f'"{c}"' for c in columns)
        cursor.execute(
            f"INSERT INTO approvals_application ({names}) SELECT {values} "
            "FROM approvals_application a, generate_series(%s, %s) AS g WHERE a.id = %s",
            [last + 1, last + count, template],
        )


class AcceptCases:
    """Copies of one submitted case of the clerk's department that the clerk may accept now (checked
    by accepting it in a rolled-back transaction), numbered ``HTTPB-00000001`` …"""

    def __init__(self, clerk, path: str):
        from django.utils import timezone

        from approvals.models import Application
        from hall.selectors import departments_of

        self.clerk, self.path = clerk, path
        self.accepted_before = self.accepted()
        candidates = Application.objects.filter(
            number__startswith="BENCH-", state="submitted", department__in=departments_of(clerk),
            accept_due__lt=timezone.now() - timedelta(days=2),
        ).order_by("id").values_list("pk", flat=True)[:20]  # fmt: skip
        self.template = next((pk for pk in candidates if self._acceptable(pk)), None)
        if self.template is None:
            raise SystemExit("accept: no submitted case of the clerk's department can be accepted")

    def _acceptable(self, pk: int) -> bool:
        from django.db import transaction

        from approvals.services import accept_application

        try:
            with transaction.atomic():
                accept_application(case_id=pk, by=self.clerk)
                transaction.set_rollback(True)
            return True
        except Exception as error:
            print(f"  accept template {pk} refused: {error!r:.200}", flush=True)
            return False

    def submitted(self) -> list[str]:
        from approvals.models import Application

        return list(
            Application.objects.filter(number__startswith=PREFIX, state="submitted")
            .order_by("id")
            .values_list("number", flat=True)
        )

    def ensure(self, count: int) -> list[str]:
        """At least ``count`` prepared cases in state submitted (a set-based copy of the template)."""
        from django.db import connection

        numbers = self.submitted()
        missing = count - len(numbers)
        if missing <= 0:
            return numbers
        copy_cases(self.template, PREFIX, missing)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE approvals_application")
        return self.submitted()

    def requests(self, count: int) -> list[tuple[str, dict, str]]:
        """(path, extra headers, body) of every prepared case, at least ``count``."""
        return [(self.path.format(number=n), {}, "{}") for n in self.ensure(count)]

    def accepted(self) -> int:
        from approvals.models import Application

        return Application.objects.filter(number__startswith=PREFIX, state="accepted").count()

    def verify(self, answered: int) -> dict:
        """This run's requests really accepted their cases: at least one more accepted case per 2xx answer."""
        accepted = self.accepted() - self.accepted_before
        if accepted < answered:
            raise SystemExit(f"accept: {accepted} cases accepted for {answered} 2xx answers")
        return {"cases_accepted": accepted, "answered_2xx": answered}


class DuePayments:
    """Due assessments of 80 元 (one line: the item's first fixed fee standard) on copies of an
    under-review case of the fee-charging item ``ZRZYJ-QR-0001``, numbered ``HTTPF-00000001`` … with
    the 缴款码 ``HTTPF000000000000001`` …; each request is the platform's signed notification that one of
    them was paid (``fees.callbacks``), with a transaction id of this run (``HTTPF-<stamp>-<n>``)."""

    ITEM = "ZRZYJ-QR-0001"

    def __init__(self, clerk, path: str):
        from approvals.models import Application
        from catalog.models import FeeStandard, Item

        self.clerk, self.path = clerk, path
        self.stamp, self.sent = time.strftime("%Y%m%d%H%M%S"), 0
        item = Item.objects.get(code=self.ITEM)
        self.standard = (
            FeeStandard.objects.filter(version_id=item.current_version_id, amount_fen__isnull=False)
            .order_by("position", "id").first()
        )  # fmt: skip
        self.template = (
            Application.objects.filter(number__startswith="BENCH-", item=item, state="under_review")
            .order_by("id").values_list("pk", flat=True).first()
        )  # fmt: skip
        if self.standard is None or self.template is None:
            raise SystemExit(f"payment_callback: no under-review case or no fixed fee standard of {self.ITEM}")

    def due(self) -> list[str]:
        from fees.models import Assessment

        return list(
            Assessment.objects.filter(payment_code__startswith=FEE_PREFIX, status="due")
            .order_by("id")
            .values_list("payment_code", flat=True)
        )

    def ensure(self, count: int) -> list[str]:
        """At least ``count`` due payment codes: the cases copied, then one assessment and its line per
        copy without one (set-based)."""
        from django.db import connection, transaction

        codes = self.due()
        missing = count - len(codes)
        if missing <= 0:
            return codes
        copy_cases(self.template, FEE_PREFIX + "-", missing)
        s = self.standard
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO fees_assessment (application_id, department_id, payment_code, payer_name, due_fen,"
                " paid_fen, status, revision, assessed_by_id, assessed_at, refunded_fen, waived_fen, waiver_reason,"
                " waiver_basis, cancel_reason)"
                " SELECT a.id, a.department_id, %s || lpad(substr(a.number, %s), 15, '0'), a.applicant_name, %s,"
                " 0, 'due', 1, %s, now() - interval '1 day', 0, 0, '', '', ''"
                " FROM approvals_application a LEFT JOIN fees_assessment f ON f.application_id = a.id"
                " WHERE a.number LIKE %s AND f.id IS NULL",
                [FEE_PREFIX, len(FEE_PREFIX) + 2, s.amount_fen, self.clerk.pk, FEE_PREFIX + "-%"],
            )
            cursor.execute(
                "INSERT INTO fees_assessmentline (assessment_id, standard_id, name, basis, quantity, amount_fen, note)"
                " SELECT f.id, %s, %s, %s, 1, %s, '' FROM fees_assessment f"
                " LEFT JOIN fees_assessmentline l ON l.assessment_id = f.id"
                " WHERE f.payment_code LIKE %s AND l.id IS NULL",
                [s.pk, s.name, s.basis, s.amount_fen, FEE_PREFIX + "%"],
            )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE approvals_application")
            cursor.execute("ANALYZE fees_assessment")
        return self.due()

    def requests(self, count: int) -> list[tuple[str, dict, str]]:
        """(path, ``X-Signature``, body) of one notification per due code, at least ``count``: signed as
        the platform signs (``fees.services.sign``: HMAC-SHA256 of the raw body, FEES_SIMULATOR_SECRET)."""
        from django.utils import timezone

        from fees.services import sign

        paid_at = timezone.now().isoformat()
        out = []
        for code in self.ensure(count):
            self.sent += 1
            body = json.dumps({"payment_code": code, "amount_fen": self.standard.amount_fen, "paid_at": paid_at,
                               "transaction_id": f"{FEE_PREFIX}-{self.stamp}-{self.sent:08d}"},
                              separators=(",", ":"))  # fmt: skip
            out.append((self.path, {"X-Signature": sign(body.encode())}, body))
        return out

    def verify(self, answered: int, sample: int = 20) -> dict:
        """This run's notifications really paid: at least one booked payment per 2xx answer, and a sample
        of them checked — the assessment paid in full, a receipt number, the inbound log ``booked``."""
        from fees.models import InboundCallback, Payment

        payments = Payment.objects.filter(channel="simulator", transaction_id__startswith=f"{FEE_PREFIX}-{self.stamp}-")
        booked = payments.count()
        picked = list(payments.select_related("assessment").order_by("?")[:sample])
        bad = [
            p.transaction_id for p in picked
            if p.assessment.status != "paid" or p.assessment.paid_fen != p.assessment.due_fen
            or not p.receipt_number
            or not InboundCallback.objects.filter(transaction_id=p.transaction_id, outcome="booked").exists()
        ]  # fmt: skip
        if booked < answered or bad:
            raise SystemExit(f"payment_callback: {booked} payments booked for {answered} 2xx answers; not paid: {bad}")
        return {"payments_booked": booked, "answered_2xx": answered, "sample_checked_paid": len(picked)}


WALKERS = {"accept": AcceptCases, "payment": DuePayments}


# --- load ------------------------------------------------------------------------------------------------


WALK_LUA = """
local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end
function init(args)
  -- this thread's requests, formatted once: lines id, id + T, … of the listing (tab-separated:
  -- path, body, then "Name: value" headers added to the command line's)
  requests = {}
  local n = 0
  for line in io.lines("LISTING") do
    if n % THREADS == id then
      local fields = {}
      for field in (line .. "\\t"):gmatch("([^\\t]*)\\t") do fields[#fields + 1] = field end
      local headers = {}
      for name, value in pairs(wrk.headers) do headers[name] = value end
      for i = 3, #fields do
        local name, value = fields[i]:match("^([^:]+): (.*)$")
        headers[name] = value
      end
      requests[#requests + 1] = wrk.format("METHOD", fields[1], headers, fields[2])
    end
    n = n + 1
  end
  index = 1
end
function request()
  local r = requests[index]
  index = index + 1
  if r == nil then
    return wrk.format("GET", "/bench/exhausted")  -- none left: a 404, counted as non-2xx
  end
  return r
end
"""


def lua_script(workdir: Path, method: str, requests: list[tuple[str, dict, str]] | None, threads: int) -> Path:
    """A wrk script: a fixed request (GET, or POST with ``{}``), or one that walks ``requests`` — (path,
    extra headers, body) each, thread i taking i, i+T, …; once they run out it asks for a path that does
    not exist, whose 404 counts as non-2xx."""
    if requests is None:
        body = "" if method == "GET" else 'wrk.body = "{}"\n'
        head = f'wrk.method = "{method}"\n{body}'
    else:
        listing = workdir / "requests.txt"
        with listing.open("w") as out:
            for path, headers, body in requests:
                assert "\t" not in path + body and "\n" not in path + body, path
                out.write("\t".join([path, body, *(f"{k}: {v}" for k, v in headers.items())]) + "\n")
        head = WALK_LUA.replace("LISTING", str(listing)).replace("THREADS", str(threads)).replace("METHOD", method)
    script = workdir / f"{method.lower()}{'_walk' if requests else ''}.lua"
    script.write_text(head + WRK_LUA)
    return script


def check(base: str, method: str, path: str, headers: dict, body: str = "{}") -> dict:
    """One request: its status, size and time; a non-2xx is fatal."""
    data = body.encode() if method == "POST" else None
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    elapsed = round((time.perf_counter() - start) * 1000, 1)
    if not 200 <= status < 300:
        raise SystemExit(f"{method} {path} answered {status}: {body[:500].decode(errors='replace')}")
    return {"status": status, "bytes": len(body), "ms": elapsed}


def drain(base: str, timeout: float = 300) -> float:
    """Wait until gunicorn is idle: when wrk stops, the requests its connections had sent are still
    queued (a sync worker serves them all), and would otherwise land on the next run. A request to
    ``/bench/hello`` waits behind them; two fast ones in a row mean the queue is empty."""
    started = time.monotonic()
    fast = 0
    while fast < 2 and time.monotonic() - started < timeout:
        begin = time.perf_counter()
        with urllib.request.urlopen(base + "/bench/hello", timeout=timeout) as response:
            response.read()
        fast = fast + 1 if time.perf_counter() - begin < 0.05 else 0
    return time.monotonic() - started


def count_queries(path: str, headers: dict, walker=None) -> int | None:
    """The statements of one request through the test client (after one warm-up request), for the record:
    a GET of ``path``, or for a walked POST the next two of ``walker``'s requests (two more cases
    accepted, two more payments booked). Every statement Django logs is counted, BEGIN, COMMIT and
    SAVEPOINTs included."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    extra = {}
    client = Client()
    if "Authorization" in headers:
        extra["HTTP_AUTHORIZATION"] = headers["Authorization"]
    if "Cookie" in headers:
        name, _, value = headers["Cookie"].partition("=")
        client.cookies[name] = value
    if walker is None:
        client.get(path, **extra)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path, **extra)
        return len(ctx.captured_queries) if response.status_code == 200 else None

    def post(request):
        path, more, body = request
        meta = {**extra, **{"HTTP_" + k.upper().replace("-", "_"): v for k, v in more.items()}}
        return client.post(path, body, content_type="application/json", **meta)

    warm, counted = walker.requests(2)[:2]
    post(warm)
    with CaptureQueriesContext(connection) as ctx:
        response = post(counted)
    return len(ctx.captured_queries) if 200 <= response.status_code < 300 else None


def run(args) -> dict:
    from hall.models import User

    prepared = prepare_facts()
    facts, auth = prepared["facts"], prepared["auth"]
    scenarios = [s for s in SCENARIOS if not args.only or s.name in args.only]
    clerk = User.objects.get(username="clerk")
    walkers = {s.name: WALKERS[s.walk](clerk, s.path.format(**facts)) for s in scenarios if s.walk}
    ensure_insert_table()
    info = {}
    for s in scenarios:
        info[s.name] = {"queries": count_queries(s.path.format(**facts), auth[s.auth], walkers.get(s.name))}
    workdir = Path(tempfile.mkdtemp(prefix="bench-http-"))
    port = free_port()
    env = {**THROTTLES, "CELERY_BROKER_URL": BROKER_URL}
    server = start_gunicorn(port, workdir / "gunicorn.log", env=env)
    base = f"http://127.0.0.1:{port}"
    rates = dict.fromkeys(walkers, 100.0)  # the last measured rate: requests for twice as many are prepared
    answered = dict.fromkeys(walkers, 0)  # 2xx answers of the walked scenarios (their effects are checked)

    def load(s: Scenario | None, method: str, path: str, headers: dict, seconds: int, connections: int) -> dict:
        try:
            return _load(s, method, path, headers, seconds, connections)
        finally:
            drain(base)

    def _load(s: Scenario | None, method: str, path: str, headers: dict, seconds: int, connections: int) -> dict:
        walker = walkers.get(s.name) if s else None
        if walker is not None:
            requests = walker.requests(max(1000, int(2 * rates[s.name] * seconds)))
            result = wrk_load(base + requests[0][0], headers, args.threads, connections, seconds,
                              lua_script(workdir, method, requests, args.threads))  # fmt: skip
            rates[s.name] = max(rates[s.name], result["rps"])
            answered[s.name] += result["requests"] - result["non_2xx"]
            return result
        return wrk_load(base + path, headers, args.threads, connections, seconds,
                        lua_script(workdir, method, None, args.threads))  # fmt: skip

    def request_headers(s: Scenario) -> dict:
        headers = dict(auth[s.auth])
        if s.method == "POST":
            headers["Content-Type"] = "application/json"
        return headers

    rounds = {s.name: [] for s in scenarios}
    try:
        for s in scenarios:  # every target and baseline answers 2xx; then warm both workers
            method, base_path, _ = BASELINES[s.baseline]
            path, more, body = s.path.format(**facts), {}, "{}"
            if s.name in walkers:
                path, more, body = walkers[s.name].requests(1)[0]
            info[s.name].update(check=check(base, s.method, path, {**request_headers(s), **more}, body),
                                url=s.path.format(**facts))  # fmt: skip
            if s.name in walkers:
                answered[s.name] += 1
            check(base, method, base_path.format(**facts), request_headers(s))
            print(f"  {s.name} {path}: {info[s.name]['check']}", flush=True)
        for s in scenarios:
            method, base_path, _ = BASELINES[s.baseline]
            load(None, method, base_path.format(**facts), request_headers(s), 2, 4)
            load(s, s.method, s.path.format(**facts), request_headers(s), 2, 4)
        for r in range(args.rounds):
            for s in scenarios:  # baseline, target, baseline, target …
                method, base_path, _ = BASELINES[s.baseline]
                headers = request_headers(s)
                pair = {
                    "baseline": load(None, method, base_path.format(**facts), headers, args.seconds, args.connections),
                    "target": load(s, s.method, s.path.format(**facts), headers, args.seconds, args.connections),
                }
                rounds[s.name].append(pair)
                t, b = pair["target"], pair["baseline"]
                bad = t["non_2xx"] + t["errors"] + b["non_2xx"] + b["errors"]
                print(f"  round {r + 1} {s.name}: target p50 {t['p50_ms']} p95 {t['p95_ms']} ms {t['rps']}/s; "
                      f"{s.baseline} p50 {b['p50_ms']} p95 {b['p95_ms']} ms {b['rps']}/s"
                      + (f"; NON-2XX/ERRORS {bad}" if bad else ""), flush=True)  # fmt: skip
    finally:
        stop_gunicorn(server)
        log = (workdir / "gunicorn.log").read_text()
        shutil.rmtree(workdir, ignore_errors=True)
        empty_broker()
    for name, walker in walkers.items():  # what the walked requests did, checked in the database
        info[name]["effects"] = walker.verify(answered[name])
        print(f"  {name}: {info[name]['effects']}", flush=True)
    results = {}
    for s in scenarios:
        results[s.name] = summarise(s, rounds[s.name], info[s.name])
    return {"scenarios": results, "gunicorn_log_tail": log[-2000:]}


def empty_broker() -> None:
    """The doorbells rung into the bench's broker database (no worker runs): dropped."""
    import redis

    client = redis.Redis.from_url(BROKER_URL)
    for key in client.scan_iter("*"):
        client.delete(key)


def summarise(s: Scenario, pairs: list[dict], info: dict) -> dict:
    if any(not p[k]["requests"] for p in pairs for k in ("baseline", "target")):
        raise SystemExit(f"{s.name}: a run without a single answer: {pairs}")
    if s.metric == "p95":
        ratios = [p["target"]["p95_ms"] / p["baseline"]["p95_ms"] for p in pairs]
    else:
        ratios = [p["target"]["rps"] / p["baseline"]["rps"] for p in pairs]
    row = {"label": s.label, "baseline": BASELINES[s.baseline][2], "metric": s.metric, **info}
    for kind in ("baseline", "target"):
        for key in ("p50_ms", "p95_ms", "rps"):
            row[f"{kind}_{key}"] = median(p[kind][key] for p in pairs)
    row["ratio"] = round(statistics.median(ratios), 3)
    row["ratio_min"], row["ratio_max"] = round(min(ratios), 3), round(max(ratios), 3)
    row["goal"] = s.goal
    if s.goal is not None:
        row["met"] = row["ratio"] <= s.goal if s.metric == "p95" else row["ratio"] >= s.goal
    row["non_2xx"] = sum(p[k]["non_2xx"] for p in pairs for k in ("baseline", "target"))
    row["errors"] = sum(p[k]["errors"] for p in pairs for k in ("baseline", "target"))
    row["rounds"] = pairs
    return row


# --- report ------------------------------------------------------------------------------------------------


def ratio_text(row: dict) -> str:
    if row["metric"] == "p95":
        return f"{row['ratio']:.1f}× ({row['ratio_min']:.1f}–{row['ratio_max']:.1f})"
    return f"{row['ratio'] * 100:.1f} % ({row['ratio_min'] * 100:.1f}–{row['ratio_max'] * 100:.1f})"


def goal_text(row: dict) -> str:
    if row["goal"] is None:
        return "—"
    goal = f"≤ {row['goal']:g}×" if row["metric"] == "p95" else f"≥ {row['goal'] * 100:g} %"
    return f"{goal} ({'met' if row['met'] else '**missed**'})"


def markdown(results: dict) -> str:
    lines = [
        f"{results['date']} · {results['cases']:,} cases · PostgreSQL {results['postgresql']} · {results['cpus']} CPUs,"
        f" load average {results['load_before']} before, {results['load_after']} after",
        "",
        f"Server: {results['server']}. Load: {results['load']}, {results['rounds']} rounds, baseline and target "
        f"alternating; medians over the rounds, ratio spread min–max. Throttles on, sized: {results['throttles']}.",
        "",
        "| scenario | baseline | baseline p50 / p95 ms, req/s | target p50 / p95 ms, req/s | queries | ratio "
        "(spread) | goal |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in results["scenarios"].values():
        cells = [
            f"{row['label']} `{row['url']}`",
            row["baseline"],
            f"{row['baseline_p50_ms']} / {row['baseline_p95_ms']}, {row['baseline_rps']:,.0f}/s",
            f"{row['target_p50_ms']} / {row['target_p95_ms']}, {row['target_rps']:,.0f}/s",
            "" if row.get("queries") is None else row["queries"],
            ("p95 " if row["metric"] == "p95" else "req/s ") + ratio_text(row),
            goal_text(row),
        ]
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of (baseline, target) per scenario")
    parser.add_argument("--seconds", type=int, default=10, help="wrk -d per run")
    parser.add_argument("--threads", type=int, default=2, help="wrk -t")
    parser.add_argument("--connections", type=int, default=16, help="wrk -c")
    parser.add_argument("--only", nargs="+", choices=[s.name for s in SCENARIOS], help="these scenarios only")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    setup_django()  # from the repository's root: see there
    ensure_demo()
    fill(args.cases)
    from django.db import connection

    from approvals.models import Application

    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('server_version')")
        (version,) = cursor.fetchone()
    results = {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "cases": Application.objects.count(),
        "postgresql": version,
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_before": ", ".join(f"{x:.1f}" for x in os.getloadavg()),
        "server": "gunicorn hall.wsgi, sync, 2 workers, DEBUG off, HTTP on loopback (bench/http_settings.py, "
        "bench/http_urls.py)",
        "load": f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s",
        "rounds": args.rounds,
        "throttles": ", ".join(f"{k}={v}" for k, v in THROTTLES.items()),
        "broker": BROKER_URL,
    }
    if not args.only or {"warnings", "dashboard"} & set(args.only):
        results["open_warnings"] = ensure_warnings()
    outcome = run(args)
    results.update(outcome)
    results["load_after"] = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    results["seconds"] = round(time.monotonic() - started)
    path = ROOT / "bench" / "results"
    (path / "http.json").write_text(json.dumps(results, ensure_ascii=False, indent=2, default=str))
    table = markdown(results)
    (path / "http.md").write_text(table)
    print(table)
    failed = [name for name, row in results["scenarios"].items() if row["non_2xx"] or row["errors"]]
    if failed:
        raise SystemExit(f"non-2xx answers or socket errors under load: {', '.join(failed)} (bench/results/http.json)")
