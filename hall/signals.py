"""Signals the hall sends; later apps (approvals, supervision) listen, the hall imports none of them."""

from django.dispatch import Signal

# Sent after commit when working/non-working days changed. kwargs: years (set[int]), by (user or None).
calendar_changed = Signal()

# Sent inside the transaction that wrote a daily audit digest (hall.digest). kwargs: entry (AuditEntry).
audit_digest_written = Signal()
