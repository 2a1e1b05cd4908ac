"""Template filters of the statistics pages and the monthly report."""

from django import template

register = template.Library()


@register.filter
def percent(value) -> str:
    """0.9523 → "95.2%"; None (nothing to divide by) → "—"."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.1f}%"
