"""Audit trail for administrative changes (calendar, catalog, staff). Case events live in approvals."""

import ipaddress

from django.conf import settings

from hall.models import AuditEntry


def record(action: str, target: object, *, actor=None, ip: str | None = None, **detail) -> AuditEntry:
    """Append one audit entry; call it inside the transaction of the change it records."""
    actor = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(action=action, target=str(target)[:200], actor=actor, ip=ip, detail=detail)


def client_ip(request) -> str | None:
    """The client address: the first X-Forwarded-For hop when the hall sits behind its proxy
    (TRUST_X_FORWARDED_PROTO), else REMOTE_ADDR; anything that is not an IP address is ignored."""
    candidates = []
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        candidates.append(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[0].strip())
    candidates.append(request.META.get("REMOTE_ADDR", ""))
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None
