"""Fee-charging demo cases for the fees tests."""

from approvals.models import Application
from catalog.models import FeeStandard, Item
from fees import services
from tests.approvals.helpers import act, file_case


def fee_item(code: str = "ZRZYJ-QR-0001") -> Item:
    """不动产登记: two fixed-amount standards (住宅类 80 元, 非住宅类 550 元), department ZRZYJ."""
    return Item.objects.get(code=code)


def standards(case: Application) -> list[FeeStandard]:
    return list(case.item_version.fees.order_by("position", "id"))


def fee_case(people, state: str = "under_review", code: str = "ZRZYJ-QR-0001") -> Application:
    """A case of a fee-charging item moved to ``state`` (accepted, under_review, awaiting_decision or decided)."""
    case = file_case(people.applicant, code=code)
    for action in ("submit", "accept", "start_review", "recommend", "approve"):
        case = act(action, case, people)
        if case.state == state:
            break
    return case


def assessed_case(people, state: str = "under_review"):
    """A case with the first standard assessed once (80 元 for ZRZYJ-QR-0001)."""
    case = fee_case(people, state)
    assessment = services.assess_fees(case_id=case.pk, by=people.clerk, lines=[{"standard_id": standards(case)[0].pk}])
    return case, assessment
