"""Fees (一口收费). approvals asks ``is_settled`` before delivering an approved licence.

Until the fees issue adds assessments and payments, no case has a fee assessed, so every case is
settled and ``summary`` reports nothing due. Those two functions are the seam approvals relies on.
"""


def is_settled(application) -> bool:
    """Whether everything assessed on the case has been paid (nothing is assessed yet)."""
    return True


def summary(application) -> dict:
    """The ``fees`` part of the case shape: ``{due_fen, paid_fen, payment_code, status}``."""
    return {"due_fen": 0, "paid_fen": 0, "payment_code": None, "status": "none"}
