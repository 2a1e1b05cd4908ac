"""Fill the bench database with N cases (default 1,000,000) in one set-based INSERT … SELECT.

Distribution: every published demo item, its department; 90 % closed (delivered/rejected/withdrawn),
10 % open in every open state, due instants spread over ±60 days around now, so that department
queues, overdue filters and the supervision scans see realistic selectivity. Delivered and rejected
cases, and open decided ones, carry their decision, decision instant and working days used (0–22 days
after acceptance; ~10 % decided within the last 30 days), delivered ones their delivery instant: the
dashboard's daily flow and slowest items, and the scan's late-closure facts, read those.
"""

import time

FILL = """
WITH items AS (
    SELECT row_number() OVER (ORDER BY i.id) AS rn, i.id, i.current_version_id, i.department_id
    FROM catalog_item i WHERE i.status = 'published' AND i.current_version_id IS NOT NULL
      AND i.code NOT LIKE 'BENCH-%%'
), n AS (SELECT count(*) AS c FROM items),
owners AS (SELECT array_agg(id ORDER BY id) AS ids FROM hall_user WHERE username LIKE 'applicant%%')
INSERT INTO approvals_application (
    number, query_code, item_id, item_version_id, department_id, owner_id, filed_by_id, channel,
    applicant_type, applicant_name, applicant_id_number, applicant_phone, applicant_address,
    agent_name, agent_id_number, agent_phone, agent_authorisation, form_data, state, created_at,
    submitted_at, received_at, correction_round, accepted_at, deemed_accepted, decision, decision_reason,
    delivery_method, tracking_number, closed_reason, clock_start, decision_days, extension_days,
    extension_reason, suspended_days, accept_due, correction_notice_due, decision_due, decision_yellow_at,
    delivery_due, deadline_provisional, due_at, delivery_choice, delivery_address, delivery_phone,
    delivery_recipient, recommendation, review_opinion, decided_at, delivered_at, working_days_used)
SELECT
    'BENCH-' || lpad(g::text, 8, '0'), 'BENCHQC1', it.id, it.current_version_id, it.department_id,
    owners.ids[1 + g %% array_length(owners.ids, 1)], owners.ids[1 + g %% array_length(owners.ids, 1)], 'online',
    'person', '测试申请人' || g, '11010519491231002X', '13800000000', '', '', '', '', '', '{}',
    CASE WHEN g %% 10 <> 0 THEN (ARRAY['delivered','delivered','delivered','rejected','withdrawn'])[1 + g %% 5]
         ELSE (ARRAY['submitted','correction_requested','accepted','under_review','suspended',
                     'decided'])[1 + (g / 10) %% 6]
    END,
    now() - ((g %% 400) || ' days')::interval, now() - ((g %% 400) || ' days')::interval,
    now() - ((g %% 400) || ' days')::interval, 0, now() - ((g %% 400) || ' days')::interval, false,
    CASE WHEN g %% 10 <> 0 AND g %% 5 < 3 THEN 'approved' WHEN g %% 10 <> 0 AND g %% 5 = 3 THEN 'denied'
         WHEN g %% 10 = 0 AND (g / 10) %% 6 = 5 THEN 'approved' ELSE '' END, '',
    '', '', '', current_date - (g %% 400), 20, 0, '', 0,
    now() + (((g %% 121) - 60) || ' days')::interval, now() + (((g %% 121) - 60) || ' days')::interval,
    now() + (((g %% 121) - 60) || ' days')::interval, now() + (((g %% 121) - 64) || ' days')::interval,
    now() + (((g %% 121) - 50) || ' days')::interval, false,
    -- due_at: the deadline running in the state (approvals.clock.set_due_at, migration 0005's backfill)
    CASE WHEN g %% 10 <> 0 THEN NULL
         WHEN (g / 10) %% 6 = 0 THEN now() + (((g %% 121) - 60) || ' days')::interval
         WHEN (g / 10) %% 6 IN (2, 3, 4) THEN now() + (((g %% 121) - 60) || ' days')::interval
         WHEN (g / 10) %% 6 = 5 THEN now() + (((g %% 121) - 50) || ' days')::interval
    END,
    'window', '', '', '', '', '',
    -- decided (delivered, rejected; open decided) 0–22 days after acceptance, at most half-way from it to
    -- now (no pile-up of decisions at the fill's instant); delivered 0–11 days later, at most 3/4 of the way
    CASE WHEN (g %% 10 <> 0 AND g %% 5 < 4) OR (g %% 10 = 0 AND (g / 10) %% 6 = 5)
         THEN now() - ((g %% 400) || ' days')::interval + least(g %% 23, (g %% 400) / 2.0) * interval '1 day' END,
    CASE WHEN g %% 10 <> 0 AND g %% 5 < 3
         THEN now() - ((g %% 400) || ' days')::interval
              + least(g %% 23 + g %% 12, (g %% 400) * 0.75) * interval '1 day' END,
    CASE WHEN (g %% 10 <> 0 AND g %% 5 < 4) OR (g %% 10 = 0 AND (g / 10) %% 6 = 5)
         THEN least(g %% 23, (g %% 400) / 2) * 5 / 7 END
FROM generate_series(%s, %s) AS g
JOIN n ON true
JOIN owners ON true
JOIN items it ON it.rn = 1 + g %% n.c
"""


def fill(total: int, batch: int = 200_000) -> None:
    from django.db import connection, transaction

    from approvals.models import Application

    bench = Application.objects.filter(number__startswith="BENCH-")
    have = bench.count()
    if have and not bench.filter(decided_at__isnull=False).exists():
        raise SystemExit("The bench cases predate decided_at/delivered_at in the fill: drop database hall_bench.")
    if have >= total:
        return
    started = time.monotonic()
    for first in range(have + 1, total + 1, batch):
        last = min(first + batch - 1, total)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(FILL, [first, last])
        print(f"  cases {last:,}/{total:,} ({time.monotonic() - started:.0f} s)", flush=True)
    with connection.cursor() as cursor:
        # As autovacuum would: statistics and the visibility map (index-only scans for the counts).
        cursor.execute("VACUUM ANALYZE approvals_application")


def ensure_demo() -> None:
    import catalog.demo
    import hall.demo
    from hall.models import User

    if not User.objects.filter(username="clerk").exists():
        hall.demo.seed(password="bench-pass", log=print)
        catalog.demo.seed(password="bench-pass", log=print)
