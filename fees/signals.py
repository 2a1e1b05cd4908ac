"""Signals fees sends inside the transaction of its acts, so that the notice each act issues is
numbered and dated with it (approvals listens: fees refers to applications only by string)."""

from django.dispatch import Signal

# kwargs: application (the locked case), at (the instant of the act)
assessed = Signal()  # 核定收费: a 缴款通知书 is issued for this revision of the assessment
paid = Signal()  # 缴费 or 减免: a 收费票据 is issued (also kwarg payment: the booked Payment, None for a waiver)
refunded = Signal()  # 退款: a 退款凭证 is issued for the refund (also kwarg refund: the booked Refund)
