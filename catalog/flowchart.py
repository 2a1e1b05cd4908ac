"""The process flowchart (办理流程图) of an item as inline SVG.

Drawn on the server, with no JavaScript and no external chart service (halls run on intranets).
The site's Content-Security-Policy forbids inline styles, so the drawing uses SVG presentation
attributes (``fill``, ``stroke``, ``font-size`` …) only, never ``style``; the page's stylesheet
only scales it (``.flowchart``).
"""

import math

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 320
BOX_X, BOX_W = 16, 288  # step boxes span 16..304; everything is centred on x = 160
CENTRE = BOX_X + BOX_W // 2
TEXT_X = 184  # step text is centred right of the number badge
TERMINAL_W, TERMINAL_H = 132, 36
GAP = 32  # vertical room for one arrow
MARGIN = 8
NAME_SIZE, NAME_LINE = 15, 20
ROLE_SIZE, ROLE_LINE = 13, 18
PAD = 10
LINE_UNITS = 14.5  # full-width characters per line of a step name (box width / font size, with air)

CLOSING = set("）)」』》〉】，。、；：！？,.;:!?")
INK, MUTED, BRAND, BOX_FILL, TERMINAL_FILL = "#1f2933", "#5f6b7a", "#0b4f9c", "#f3f7fc", "#0b4f9c"


def _units(char: str) -> float:
    """Approximate advance of a character in em: CJK and full-width forms are square, ASCII narrow."""
    return 0.55 if ord(char) < 0x2E80 else 1.0


def wrap(text: str, units: float = LINE_UNITS) -> list[str]:
    """Break a label into balanced lines no wider than ``units`` em (CJK may break between any two characters).

    Closing punctuation never starts a line (避头点: a lone "）" on its own line reads badly).
    """
    text = text.strip()
    total = sum(_units(c) for c in text)
    if total <= units:
        return [text]
    lines_needed = math.ceil(total / units)
    limit = min(units, total / lines_needed + 0.5)
    lines, line, width = [], "", 0.0
    for char in text:
        advance = _units(char)
        if line and width + advance > limit and char not in CLOSING:
            lines.append(line)
            line, width = "", 0.0
        line += char
        width += advance
    return [*lines, line] if line else lines


def _role_line(step) -> str:
    role = step.get_role_display()
    return f"{role} · {step.days} 个工作日" if step.days > 0 else role


def _box_height(name_lines: list[str]) -> int:
    return PAD + NAME_LINE * len(name_lines) + ROLE_LINE + PAD


def _terminal(y: int, label: str) -> str:
    x = CENTRE - TERMINAL_W // 2
    r = TERMINAL_H // 2
    return (
        f'<g class="fc-terminal"><rect x="{x}" y="{y}" width="{TERMINAL_W}" height="{TERMINAL_H}" rx="{r}" '
        f'fill="{TERMINAL_FILL}"/>'
        f'<text x="{CENTRE}" y="{y + r + 5}" text-anchor="middle" font-size="{NAME_SIZE}" font-weight="bold" '
        f'fill="#ffffff">{escape(label)}</text></g>'
    )


def _arrow(y: int) -> str:
    tip = y + GAP - 2
    return (
        f'<g class="fc-arrow"><line x1="{CENTRE}" y1="{y + 2}" x2="{CENTRE}" y2="{tip - 8}" stroke="{MUTED}" '
        f'stroke-width="2"/><polygon points="{CENTRE - 6},{tip - 9} {CENTRE + 6},{tip - 9} {CENTRE},{tip}" '
        f'fill="{MUTED}"/></g>'
    )


def _step(y: int, number: int, name_lines: list[str], role: str) -> str:
    height = _box_height(name_lines)
    parts = [
        f'<g class="fc-step"><rect x="{BOX_X}" y="{y}" width="{BOX_W}" height="{height}" rx="8" '
        f'fill="{BOX_FILL}" stroke="{BRAND}" stroke-width="1.5"/>',
        f'<circle cx="{BOX_X + 22}" cy="{y + height // 2}" r="12" fill="{BRAND}"/>',
        f'<text x="{BOX_X + 22}" y="{y + height // 2 + 5}" text-anchor="middle" font-size="13" font-weight="bold" '
        f'fill="#ffffff">{number}</text>',
    ]
    baseline = y + PAD + NAME_SIZE
    for line in name_lines:
        parts.append(
            f'<text x="{TEXT_X}" y="{baseline}" text-anchor="middle" font-size="{NAME_SIZE}" font-weight="bold" '
            f'fill="{INK}">{escape(line)}</text>'
        )
        baseline += NAME_LINE
    role_baseline = y + PAD + NAME_LINE * len(name_lines) + ROLE_SIZE + 1
    parts.append(
        f'<text x="{TEXT_X}" y="{role_baseline}" text-anchor="middle" '
        f'font-size="{ROLE_SIZE}" fill="{MUTED}">{escape(role)}</text></g>'
    )
    return "".join(parts)


def flowchart_svg(steps, *, start: str = "申请", end: str = "办结") -> SafeString:
    """A vertical flowchart: 申请 → each step (name, responsible role, days) → 办结.

    ``steps`` are objects with ``.name``, ``.get_role_display()`` and ``.days`` (``ProcessStep``).
    Every label is escaped here, which is what makes the result safe to embed as markup.
    """
    steps = list(steps)
    laid_out = [(wrap(step.name), _role_line(step)) for step in steps]
    body, y = [], MARGIN
    body.append(_terminal(y, start))
    y += TERMINAL_H
    for number, (name_lines, role) in enumerate(laid_out, start=1):
        body.append(_arrow(y))
        y += GAP
        body.append(_step(y, number, name_lines, role))
        y += _box_height(name_lines)
    body.append(_arrow(y))
    y += GAP
    body.append(_terminal(y, end))
    height = y + TERMINAL_H + MARGIN
    summary = " → ".join([start, *(step.name for step in steps), end])
    label = escape(f"办理流程图：{summary}")
    # Safe: every label above went through escape(); the rest is markup built here from numbers.
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="flowchart" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" aria-label="{label}">'
        f"<title>{label}</title>{''.join(body)}</svg>"
    )
