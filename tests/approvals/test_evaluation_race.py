"""好差评 "一事一评" under a race: the applicant double-clicks, two devices submit at once — exactly one
rating is stored and the others get a clear 409. Real threads, real row locks: PostgreSQL only."""

import pytest

from approvals import services
from approvals.models import Evaluation, State
from hall.errors import Conflict
from hall.models import AuditEntry, User
from tests.approvals import helpers
from tests.approvals.test_concurrency import at_once

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def people(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with helpers.frozen(helpers.at(2026, 9, 30, 10)):
        yield helpers.load_demo()


def test_of_five_ratings_sent_at_once_exactly_one_is_stored(people):
    case = helpers.case_in(State.DELIVERED, people)

    def rate(level):
        return lambda: services.evaluate_service(
            case_id=case.pk, by=User.objects.get(username="applicant"), level=level, comment="同时提交"
        )

    outcomes = at_once(*[rate(level) for level in (5, 4, 3, 2, 1)])

    winners = [o for o in outcomes if isinstance(o, Evaluation)]
    losers = [o for o in outcomes if not isinstance(o, Evaluation)]
    assert len(winners) == 1
    assert all(isinstance(o, Conflict) and o.status_code == 409 and "已评价" in o.detail for o in losers), losers
    assert Evaluation.objects.filter(application=case).count() == 1
    assert AuditEntry.objects.filter(action="approvals.evaluate", target=case.number).count() == 1
