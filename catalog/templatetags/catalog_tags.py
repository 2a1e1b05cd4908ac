"""Display helpers for the catalog pages: money in yuan, working-day limits."""

from django import template

register = template.Library()


@register.filter
def yuan(fen) -> str:
    """Fen (an integer, as stored: money is never a float) as yuan with two decimals: 8000 → "80.00"."""
    if fen is None or fen == "":
        return ""
    fen = int(fen)
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(fen), 100)
    return f"{sign}{whole:,}.{cents:02d}"


@register.filter
def working_days(days) -> str:
    """A time limit in working days (行政许可法 art. 82); 0 means decided on the spot (即办)."""
    if days is None:
        return ""
    return "即时办结" if int(days) == 0 else f"{days} 个工作日"
