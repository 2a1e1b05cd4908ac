"""Keyset ("next page") paging, newest first, shared by every long list (my cases, the warnings).

A page is one query of ``size + 1`` rows along an index on ``(-<instant>, -id)``, starting at a
cursor: no ``COUNT`` and no ``OFFSET``, so the hundredth page costs what the first does whatever the
number of rows. A cursor is ``<instant in µs since 1970>_<id>``: exact (no float), opaque to users.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Q, QuerySet

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_CURSOR = re.compile(r"(\d{1,18})_(\d{1,18})")


def encode_cursor(instant: datetime, pk: int) -> str:
    return f"{(instant - _EPOCH) // _MICROSECOND}_{pk}"


def decode_cursor(token: str) -> tuple[datetime, int] | None:
    """The cursor's ``(instant, id)``, or None when it is not one (malformed, absurd)."""
    match = _CURSOR.fullmatch(token or "")
    if not match:
        return None
    try:
        return _EPOCH + int(match[1]) * _MICROSECOND, int(match[2])
    except OverflowError:
        return None


@dataclass
class Page:
    rows: list
    next_cursor: str = ""  # older rows follow this one (the next page)
    previous_cursor: str = ""  # newer rows precede this one (the previous page)


def newest_first(rows: QuerySet, *, field: str, size: int, older=None, newer=None) -> Page:
    """One page of ``rows`` by ``(-field, -id)``: the first page, the older rows after ``older`` or the
    newer rows before ``newer`` (both decoded cursors; the newer ones are read oldest first along the
    same index, then reversed)."""
    if newer is not None:
        at, pk = newer
        page = rows.filter(**{f"{field}__gte": at}).filter(Q(**{f"{field}__gt": at}) | Q(pk__gt=pk))
        page = page.order_by(field, "id")
    elif older is not None:
        at, pk = older
        page = rows.filter(**{f"{field}__lte": at}).filter(Q(**{f"{field}__lt": at}) | Q(pk__lt=pk))
        page = page.order_by(f"-{field}", "-id")
    else:
        page = rows.order_by(f"-{field}", "-id")
    found = list(page[: size + 1])
    more, found = len(found) > size, found[:size]
    if newer is not None:
        found.reverse()
        has_newer, has_older = more, True
    else:
        has_newer, has_older = older is not None, more

    def cursor(row) -> str:
        return encode_cursor(getattr(row, field), row.pk)

    return Page(
        rows=found,
        next_cursor=cursor(found[-1]) if has_older and found else "",
        previous_cursor=cursor(found[0]) if has_newer and found else "",
    )
