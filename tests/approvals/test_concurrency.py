"""Two people pressing a button at once (DESIGN.md, workflow): exactly one wins, the others get a clear 409.

Real threads, real connections, real row locks: PostgreSQL only.
"""

import threading

import pytest
from django.db import connection

from approvals import services
from approvals.models import Application, Event
from hall.errors import Conflict
from hall.models import User
from tests.approvals import helpers

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with helpers.frozen(helpers.at(2026, 9, 30, 10)):
        yield helpers.load_demo()


def at_once(*calls) -> list:
    """Run the calls in parallel threads released together; each returns its result or its exception."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = call()
        except Exception as exc:  # the outcome under test
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a transition never returned (deadlock?)"
    return outcomes


def test_of_ten_clerks_accepting_the_same_case_at_once_exactly_one_succeeds(people):
    case = helpers.submitted_case(people)

    def accept():
        return services.accept_application(case_id=case.pk, by=User.objects.get(username="clerk"))

    outcomes = at_once(*[accept] * 10)

    winners = [o for o in outcomes if isinstance(o, Application)]
    losers = [o for o in outcomes if not isinstance(o, Application)]
    assert len(winners) == 1 and winners[0].state == "accepted"
    assert len(losers) == 9
    assert all(isinstance(o, Conflict) and o.status_code == 409 for o in losers), losers
    assert all(o.detail for o in losers)  # a message the clerk can read
    assert Event.objects.filter(application=case, action="accept").count() == 1
    assert helpers.reload(case).state == "accepted"


def test_accept_and_reject_at_once_exactly_one_wins(people):
    case = helpers.submitted_case(people)
    clerk_b = User.objects.get(username="clerk_b")

    outcomes = at_once(
        lambda: services.accept_application(case_id=case.pk, by=User.objects.get(username="clerk")),
        lambda: services.reject_intake(case_id=case.pk, by=clerk_b, reason="不属于本机关职权范围"),
    )

    winners = [o for o in outcomes if isinstance(o, Application)]
    losers = [o for o in outcomes if not isinstance(o, Application)]
    assert len(winners) == 1 and len(losers) == 1
    assert isinstance(losers[0], Conflict) and losers[0].status_code == 409
    final = helpers.reload(case).state
    assert final == winners[0].state and final in ("accepted", "rejected")
    assert list(Event.objects.filter(application=case).exclude(action__in=["create", "submit"]).values_list(
        "action", flat=True)) == ["accept" if final == "accepted" else "reject_intake"]  # fmt: skip
