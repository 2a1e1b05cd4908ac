"""A constructed month (November 2026) for the statistics, scores, report and sampling tests: cases
written with their stored instants as the services leave them, so every figure can be counted by hand.

| case | department (level) | channel | submitted | accepted (legal day) | due | decided | delivered |
|---|---|---|---|---|---|---|---|
| A | ZRZYJ (district) | online | 11-02 | 11-02 | 11-09 | 11-06 approved, 4 wd | 11-09 electronic |
| B | ZRZYJ | window | 11-03 | 11-03 | 11-13 (5 + 3 suspended) | 11-12 approved, 4 wd, 1 correction | 11-13 window |
| C | ZRZYJ | online | 11-04 | 11-04 | 11-11 | 11-13 denied (late), 7 wd, 2 corrections | 11-16 express |
| D | XJZ (township) | online | 10-28 | 10-28 (deemed, acted 11-05) | 11-18 | 11-18 approved, 15 wd | — |
| E | XJZ | online | 11-10 | 11-10 (deemed, acted 11-20) | 12-01 | — | — |
| F | XJZ | window | 11-16 | 11-16 (即办件) | 11-16 | 11-16 approved, 0 wd | 11-16 window |
| G | SCJGJ (district) | online | 10-30 | 10-30 | 11-02 | 11-02 approved, 1 wd | 11-03 electronic |
| H | SCJGJ | online | 11-30 | — | — | — | — |
| I | SCJGJ | window | 11-26 | 11-27 | 11-30 | — | — |
| J | SCJGJ | online | 12-01 | — | — | — | — |
"""

from datetime import date

from approvals.models import Application, State
from catalog.models import Item
from hall.models import Department, User
from tests.approvals.helpers import at, end_of

ITEMS = {"ZRZYJ": "ZRZYJ-XK-0005", "XJZ": "XJZ-XK-0001", "SCJGJ": "SCJGJ-XK-0001"}
CASES = {
    # key: department, channel, submitted, accepted_at, deemed, clock_start, days, suspended, due, decided,
    #      decision, used, corrections, delivered, method
    "A": ("ZRZYJ", "online", (11, 2), (11, 2), False, (11, 2), 5, 0, (11, 9), (11, 6), "approved", 4, 0, (11, 9),
          "electronic"),
    "B": ("ZRZYJ", "window", (11, 3), (11, 3), False, (11, 3), 5, 3, (11, 13), (11, 12), "approved", 4, 1, (11, 13),
          "window"),
    "C": ("ZRZYJ", "online", (11, 4), (11, 4), False, (11, 4), 5, 0, (11, 11), (11, 13), "denied", 7, 2, (11, 16),
          "express"),
    "D": ("XJZ", "online", (10, 28), (11, 5), True, (10, 28), 15, 0, (11, 18), (11, 18), "approved", 15, 0, None, ""),
    "E": ("XJZ", "online", (11, 10), (11, 20), True, (11, 10), 15, 0, (12, 1), None, "", None, 0, None, ""),
    "F": ("XJZ", "window", (11, 16), (11, 16), False, (11, 16), 0, 0, (11, 16), (11, 16), "approved", 0, 0, (11, 16),
          "window"),
    "G": ("SCJGJ", "online", (10, 30), (10, 30), False, (10, 30), 1, 0, (11, 2), (11, 2), "approved", 1, 0, (11, 3),
          "electronic"),
    "H": ("SCJGJ", "online", (11, 30), None, False, None, 0, 0, None, None, "", None, 0, None, ""),
    "I": ("SCJGJ", "window", (11, 26), (11, 27), False, (11, 27), 1, 0, (11, 30), None, "", None, 0, None, ""),
    "J": ("SCJGJ", "online", (12, 1), None, False, None, 0, 0, None, None, "", None, 0, None, ""),
}  # fmt: skip


def _at(md, hour=10):
    return at(2026, md[0], md[1], hour) if md else None


def build(owner: User | None = None) -> dict[str, Application]:
    owner = owner or User.objects.get(username="applicant")
    cases = {}
    for key, (
        dept,
        channel,
        sub,
        acc,
        deemed,
        start,
        days,
        susp,
        due,
        dec,
        decision,
        used,
        corr,
        deliv,
        method,
    ) in CASES.items():
        item = Item.objects.select_related("current_version").get(code=ITEMS[dept])
        state = State.DELIVERED if deliv else State.DECIDED if dec else State.UNDER_REVIEW if acc else State.SUBMITTED
        cases[key] = Application.objects.create(
            number=f"T-{dept}-{key}", item=item, item_version=item.current_version,
            department=Department.objects.get(code=dept), owner=owner, filed_by=owner, channel=channel,
            applicant_type="person", applicant_name=f"申请人{key}", applicant_id_number="11010519491231002X",
            applicant_phone="13800000001", state=state, submitted_at=_at(sub), received_at=_at(sub),
            correction_round=corr, accepted_at=_at(acc), deemed_accepted=deemed,
            clock_start=date(2026, *start) if start else None, decision_days=days, suspended_days=susp,
            decision_due=end_of(2026, *due) if due else None, decided_at=_at(dec), decision=decision,
            working_days_used=used, delivered_at=_at(deliv, 15), delivery_method=method,
        )  # fmt: skip
    return cases
