"""Case lists at 1,000,000 cases: the staff queue and the applicant's list (API and pages), with the
query count (must not depend on the size) and p95 against a bare view in the same run.

    .venv/bin/python bench/cases_list.py [--cases 1000000]
"""

import argparse
import html
import re

from cases_data import ensure_demo, fill
from common import count_queries, report, setup_django, timed


def next_page(client, url: str) -> str:
    """The query string of the page's "next page" link (a cursor: where the first page stopped)."""
    found = re.search(r'href="\?([^"]+)" rel="next"', client.get(url).content.decode())
    assert found, url
    return html.unescape(found[1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    setup_django()
    ensure_demo()
    fill(args.cases)
    from django.db import connection
    from django.test import Client

    from approvals.models import Application
    from hall.models import User

    clerk, applicant = User.objects.get(username="clerk"), User.objects.get(username="applicant")
    staff, person, approver = Client(), Client(), Client()
    staff.force_login(clerk)
    person.force_login(applicant)
    approver.force_login(User.objects.get(username="approver"))  # the queue with the 待审批 section
    number = Application.objects.filter(department__code="ZRZYJ").order_by("-id").values_list("number", flat=True)[0]
    cases = {
        "baseline_bare_view": (staff, "/healthz/live"),
        "staff_queue_first_page": (staff, "/api/v1/applications"),
        "staff_queue_state_filter": (staff, "/api/v1/applications?state=under_review"),
        "staff_queue_overdue": (staff, "/api/v1/applications?overdue=true"),
        "applicant_list": (person, "/api/v1/applications"),
        "case_detail": (staff, f"/api/v1/applications/{number}"),
        "workbench_queue_page": (staff, "/workbench/"),
        "workbench_queue_state_filter": (staff, "/workbench/?state=under_review"),
        "workbench_queue_overdue": (staff, "/workbench/?overdue=on"),
        "workbench_queue_due_soon": (staff, "/workbench/?due_soon=on"),
        "workbench_queue_closed_state": (staff, "/workbench/?state=delivered"),
        "workbench_queue_approver": (approver, "/workbench/"),
        "workbench_case_page": (staff, f"/workbench/cases/{number}/"),
        "my_cases_page": (person, "/my/cases/"),
        "my_cases_next_page": (person, "/my/cases/?" + next_page(person, "/my/cases/")),
    }
    results = {"cases": Application.objects.count(), "database": connection.vendor, "requests": {}}
    for name, (client, url) in cases.items():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        stats = timed(lambda c=client, u=url: c.get(u), repeat=args.repeat)
        stats["queries"] = count_queries(lambda c=client, u=url: c.get(u))
        results["requests"][name] = stats
    base = results["requests"]["baseline_bare_view"]["p95_ms"]
    for stats in results["requests"].values():
        stats["p95_vs_baseline"] = round(stats["p95_ms"] / base, 1)
    report("cases_list", results)


if __name__ == "__main__":
    main()
