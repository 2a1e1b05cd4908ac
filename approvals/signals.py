"""Signals approvals sends after commit; notifications and supervision listen (nothing imports them)."""

from django.dispatch import Signal

# kwargs: case_id (int), action (str), event_id (int)
case_transitioned = Signal()
