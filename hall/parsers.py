"""The project's JSON parser (REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]).

DRF's JSONParser turns only ``ValueError`` into a 400: a body of ~2,000 opening brackets (2 KB,
anonymous) makes Python's json module raise ``RecursionError``, which escaped as a 500 on every
JSON endpoint. Here any nesting deeper than ``MAX_DEPTH`` is a 400 ``parse_error`` — also when it
parses, so that no serializer, renderer or database adapter later recurses through it.
"""

from rest_framework import parsers
from rest_framework.exceptions import ParseError

# No body of the hall's API nests more than a handful of levels (case → applicant → address).
MAX_DEPTH = 32
TOO_DEEP = f"JSON 嵌套层数过多（最多 {MAX_DEPTH} 层）。"


def nesting_depth(value, *, limit: int = MAX_DEPTH) -> int:
    """Depth of nested lists/dicts, iteratively (never recursing), stopping once past ``limit``."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


class JSONParser(parsers.JSONParser):
    """DRF's JSONParser that answers 400, not 500, to JSON nested too deeply."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(TOO_DEEP) from None
        if nesting_depth(data) > MAX_DEPTH:
            raise ParseError(TOO_DEEP)
        return data
