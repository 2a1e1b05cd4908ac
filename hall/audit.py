"""Audit trail for administrative changes (calendar, catalog, staff). Case events live in approvals."""

from hall.models import AuditEntry


def record(action: str, target: object, *, actor=None, ip: str | None = None, **detail) -> AuditEntry:
    """Append one audit entry; call it inside the transaction of the change it records."""
    actor = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(action=action, target=str(target)[:200], actor=actor, ip=ip, detail=detail)


def client_ip(request) -> str | None:
    """The client address as the hall's front proxy reports it (first hop of X-Forwarded-For)."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    return (forwarded.split(",")[0].strip() or None) if forwarded else request.META.get("REMOTE_ADDR")
