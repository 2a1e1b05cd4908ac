"""Audit trail for administrative changes (calendar, catalog, staff). Case events live in approvals."""

from hall.models import AuditEntry
from hall.net import client_ip as client_ip  # the one helper; imported from here by callers


def record(action: str, target: object, *, actor=None, ip: str | None = None, **detail) -> AuditEntry:
    """Append one audit entry; call it inside the transaction of the change it records."""
    actor = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(action=action, target=str(target)[:200], actor=actor, ip=ip, detail=detail)
