"""Number tokens as written, and JSON read the one way every surface reads it.

A float would turn ``210.000`` into ``210.0`` and ``12000.505`` into ``12000.505000000001``
before anyone could refuse them, so number tokens become exact values (or stay text) here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

__all__ = ["number_token", "loads_exact", "JsonValueError", "INTEGER", "DECIMAL", "MAX_JSON_DEPTH"]

#: An integer written in decimal without leading zeros.
INTEGER = re.compile(r"-?(?:0|[1-9]\d*)", re.ASCII)
#: A decimal number without exponent and without leading zeros.
DECIMAL = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?", re.ASCII)


def number_token(text: str) -> int | Decimal | str:
    """What a JSON or YAML number token becomes: an int, an exact Decimal, or its text.

    Integers and plain decimals keep every digit written; a token with an exponent stays text so
    that the value reader treats ``1.5E5`` exactly as it treats the string ``"1.5E5"`` from a CSV
    cell (accepted for money only when it is a whole amount).

    Examples:
        >>> number_token("12000"), number_token("210.000"), number_token("1.5E5")
        (12000, Decimal('210.000'), '1.5E5')

    """
    if INTEGER.fullmatch(text) and len(text) <= 30:
        return int(text)
    if DECIMAL.fullmatch(text):
        return Decimal(text)
    return text


#: Deepest nesting of arrays and objects accepted (as for YAML).
MAX_JSON_DEPTH = 64
#: Longest string or key accepted (as for YAML).
MAX_JSON_STRING = 64 * 1024


class JsonValueError(ValueError):
    """A JSON document that parses but is refused: a duplicate key, too deep, a lone surrogate."""


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    doc = dict(pairs)
    if len(doc) != len(pairs):
        seen: set[str] = set()
        first = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise JsonValueError(f"duplicate key '{_shown(first)}'")
    return doc


def _shown(text: str) -> str:
    # Not engine.errors.escape (messages are escaped when shown); only what JSON output cannot carry.
    text = text if len(text) <= 80 else text[:77] + "..."
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _check_tree(doc: Any) -> None:
    """Depth, string length and lone surrogates, in one iterative walk (no recursion to exhaust)."""
    stack = [(doc, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            items: Any = node.items()
        elif isinstance(node, list):
            items = ((None, child) for child in node)
        else:
            continue
        if depth > MAX_JSON_DEPTH:
            raise JsonValueError(f"nesting deeper than {MAX_JSON_DEPTH} levels")
        for key, child in items:
            for text in (key, child):
                if isinstance(text, str) and text:
                    if len(text) > MAX_JSON_STRING:
                        raise JsonValueError(f"text longer than {MAX_JSON_STRING:,} characters")
                    if not text.isascii() and any("\ud800" <= ch <= "\udfff" for ch in text):
                        raise JsonValueError(f"a lone surrogate escape is not text: {_shown(text)}")
            stack.append((child, depth + 1))


def loads_exact(text: str, constant: Callable[[str], Any] = str) -> Any:
    """Parse JSON as every surface reads it: numbers as :func:`number_token` keeps them, no duplicate keys.

    ``NaN``/``Infinity`` become their text (the value reader refuses them for a fact, naming it)
    unless ``constant`` says otherwise (it may raise).

    Raises:
        json.JSONDecodeError: the text is not JSON (``msg``, ``lineno``, ``colno`` locate it).
        JsonValueError: a duplicate key, nesting deeper than :data:`MAX_JSON_DEPTH`, a string longer
            than :data:`MAX_JSON_STRING`, or a lone surrogate.

    """
    try:
        doc = json.loads(
            text, object_pairs_hook=_unique_pairs, parse_float=number_token, parse_int=number_token, parse_constant=constant
        )
    except RecursionError:
        raise JsonValueError(f"nesting deeper than {MAX_JSON_DEPTH} levels") from None
    _check_tree(doc)
    return doc
