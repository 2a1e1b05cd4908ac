"""Template helpers shared by every app's pages."""

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html

register = template.Library()


@register.filter
def when(value, fmt: str = "Y-m-d H:i"):
    """A timestamp as ``<time datetime="…">2026-11-24 13:06</time>``: machine-readable, and kept on one
    line (``time { white-space: nowrap }`` in hall.css) so a phone never breaks it as “13:0 / 6”."""
    if not value:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return format_html('<time datetime="{}">{}</time>', local.isoformat(), date_format(local, fmt))
