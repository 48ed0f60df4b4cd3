"""Number tokens as written: the one place JSON and YAML numbers become Python values.

A float would turn ``210.000`` into ``210.0`` and ``12000.505`` into ``12000.505000000001``
before anyone could refuse them, so number tokens become exact values (or stay text) here.
"""

from __future__ import annotations

import re
from decimal import Decimal

__all__ = ["number_token", "INTEGER", "DECIMAL"]

#: An integer written in decimal without leading zeros.
INTEGER = re.compile(r"-?(?:0|[1-9]\d*)")
#: A decimal number without exponent and without leading zeros.
DECIMAL = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?")


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
