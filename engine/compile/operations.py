"""Three-valued operations on formula values: comparison and arithmetic.

Known values are compared and combined as Python does; a value that does not apply (null)
fails every comparison and makes a sum null; an :class:`~engine.model.expr.Unknown` operand
goes to the bounds (:mod:`engine.model.bounds`), which decide what every allowed value agrees on.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from engine.errors import KnowledgeError, Problem
from engine.model.bounds import arith as bounded_arith
from engine.model.bounds import decide
from engine.model.expr import MAX_NUMBER, Unknown
from engine.model.expr import merge_unknowns as merge

__all__ = ["compare", "arith", "times", "MAX_FACTOR"]


def compare(op: str, left: Any, right: Any) -> Any:
    """Three-valued comparison: Unknown if either side is unknown; False if either is null."""
    if left.__class__ is Unknown or right.__class__ is Unknown:
        return decide(op, left, right, compare)
    if op in ("in", "not in"):
        if left is None:
            return False
        return (left in right) == (op == "in")
    if left is None or right is None:
        return False
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    try:
        if op == "<":
            return left < right
        if op == "<=":
            return left <= right
        if op == ">":
            return left > right
        return left >= right
    except TypeError:
        return False


def arith(op: str, left: Any, right: Any) -> Any:
    """``left op right`` for ``+ - * /``: null when either does not apply, bounds when unknown.

    Args:
        op: The operator.
        left: Left operand (known, None or Unknown).
        right: Right operand.

    Returns:
        The result; a ratio over zero does not apply (None).

    """
    if left.__class__ is Unknown or right.__class__ is Unknown:
        if left is None or right is None:
            return merge(left, right)  # kept unknown, as before bounds (never wrong, only cautious)
        return bounded_arith(op, left, right)
    if left is None or right is None:
        return None
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if right == 0:  # the zero-balance case: a ratio over nothing does not apply
        return None
    return Decimal(left) / Decimal(right)


#: Largest factor of a product. Repeated squaring doubles the digits of an exact integer at
#: every step (a chain of 40 squarings never finishes) and overflows Decimal, so a factor this
#: large (far beyond any amount, rate or year) is an error of the knowledge, not a result.
MAX_FACTOR = MAX_NUMBER


def times(left: Any, right: Any, where: Problem | None) -> Any:
    """``left * right`` with both factors bounded (see MAX_FACTOR); as ``arith("*", ...)`` otherwise.

    Raises:
        KnowledgeError: a known factor is larger than MAX_FACTOR.

    """
    left_unknown, right_unknown = left.__class__ is Unknown, right.__class__ is Unknown
    if left_unknown or right_unknown:
        if (left_unknown and _huge(left)) or (right_unknown and _huge(right)):
            return merge(left, right)  # bounds that large say nothing useful: know less
        if left is None or right is None:
            return merge(left, right)
        return bounded_arith("*", left, right)
    if left is None or right is None:
        return None
    for side in (left, right):
        if _number(side) and not -MAX_FACTOR <= side <= MAX_FACTOR:
            shown = str(side) if len(str(side)) <= 24 else f"a number of {len(str(side))} digits"
            message = (
                f"a product has the factor {shown}, larger than {MAX_FACTOR:,}; check the formula and the parameters it uses"
            )
            if where is None:
                raise KnowledgeError(message)
            raise KnowledgeError(Problem(where.path, where.line, where.column, where.key, message))
    return left * right


def _huge(side: Unknown) -> bool:
    """An unknown factor whose bounds pass MAX_FACTOR."""
    lo, hi = side.lo, side.hi
    return (lo is not None and not -MAX_FACTOR <= lo <= MAX_FACTOR) or (hi is not None and not -MAX_FACTOR <= hi <= MAX_FACTOR)


def _number(value: Any) -> bool:
    cls = value.__class__
    if cls is int or cls is Decimal:  # the usual cases first, without isinstance's walk
        return True
    return cls is not bool and isinstance(value, (int, Decimal))
