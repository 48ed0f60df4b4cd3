"""Numbers written in the knowledge base: finite, of a sane size, and of the fact's own type.

A number that passes ``rothkb check`` must never break ``explain``: ``.inf`` and ``.nan`` crash
the C rules engine or Decimal arithmetic, a huge one costs unbounded time, and a fact whose
``min: twelve`` is only compared at run time fails there. So every such number is refused here,
with its position, before anything is compiled.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from engine.load.yamlio import mark_of
from engine.model.expr import MAX_NUMBER
from engine.model.knowledge import FactDef
from engine.validate.checker import Checker, kind_of
from engine.validate.values import coerce_fact

__all__ = ["authored_number", "fact_bounds", "fact_default"]

_BOUNDED_TYPES = ("int", "number", "money")


def authored_number(value: Any) -> tuple[int | Decimal | None, str | None]:
    """A YAML number as an int or Decimal, or why it cannot be one.

    Returns:
        ``(number, None)``, or ``(None, message)`` for text, infinities, NaN and numbers larger
        than :data:`~engine.model.expr.MAX_NUMBER`.

    """
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return None, f"expected a number, found {kind_of(value)}"
    if isinstance(value, float) and not math.isfinite(value):
        return None, f"expected a finite number, found {value}"
    if isinstance(value, Decimal) and not value.is_finite():
        return None, f"expected a finite number, found {value}"
    number = Decimal(str(value)) if isinstance(value, float) else value
    if not -MAX_NUMBER <= number <= MAX_NUMBER:
        return None, f"the number is too large (at most {MAX_NUMBER:,})"
    return number, None


def fact_bounds(path: str, key: str, entry: dict[str, Any], check: Checker, ftype: str) -> tuple[Any, Any]:
    """The fact's ``min`` and ``max`` (None when absent or refused, so nothing compares with them)."""
    bounds: list[Any] = []
    for field in ("min", "max"):
        if field not in entry:
            bounds.append(None)
            continue
        where, fkey = mark_of(entry, field), f"{key}.{field}"
        if ftype not in _BOUNDED_TYPES:
            check.error(path, where, fkey, f"only int, number and money facts have '{field}', not a {ftype} fact")
            bounds.append(None)
            continue
        number, error = authored_number(entry[field])
        if number is not None and ftype == "int" and number != int(number):
            number, error = None, f"expected a whole number for an int fact, found {entry[field]}"
        if error:
            check.error(path, where, fkey, error)
        bounds.append(number)
    low, high = bounds
    if low is not None and high is not None and low > high:
        check.error(path, mark_of(entry, "max"), f"{key}.max", f"max ({high}) is below min ({low})")
        return None, None
    return low, high


def fact_default(path: str, key: str, entry: dict[str, Any], check: Checker, probe: FactDef) -> Any:
    """The fact's ``default``, typed as a given value would be; an invalid one is an error (None)."""
    if "default" not in entry or entry["default"] is None:
        return None
    value, error = coerce_fact(probe, entry["default"])
    if error:
        check.error(path, mark_of(entry, "default"), f"{key}.default", f"not a valid value of the fact: {error}")
        return None
    return value
