"""Money and number formatting shared by the trace and every view."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

__all__ = ["format_value", "json_number", "ExponentFloat"]


class ExponentFloat(float):
    """A float that ``repr`` (and so ``json``) writes with an exponent (below 1e-4, from 1e16).

    Fast JSON encoders spell some of those differently (``0.00001`` for ``1e-05``) and refuse
    float subclasses, so the JSON view writes a document holding one with the standard encoder,
    which writes it as the float it is: the bytes stay those of ``json.dumps``.
    """

    __slots__ = ()


def _float(value: float) -> float:
    return ExponentFloat(value) if value and not 1e-4 <= abs(value) < 1e16 else value


def json_number(value: Any) -> Any:
    """Decimals become ints when whole, floats otherwise (JSON has no decimal type)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else _float(float(value))
    if value.__class__ is float:
        return _float(value)
    if isinstance(value, list):
        return [json_number(v) for v in value]
    if isinstance(value, dict):
        return {k: json_number(v) for k, v in value.items()}
    return value


def format_value(value: Any, vtype: str = "") -> str:
    """Human form of a value: ``$94,000``, ``0.060``, ``yes``.

    Examples:
        >>> format_value(94000, "money")
        '$94,000'
        >>> format_value(Decimal("0.06"), "ratio")
        '0.060'

    """
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if vtype == "money":
        amount = Decimal(value)
        if amount == amount.to_integral_value():
            return f"${int(amount):,}"
        return f"${amount:,.2f}"
    if vtype == "ratio":
        return f"{Decimal(value):.3f}"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value != value.to_integral_value() else str(int(value))
    if isinstance(value, list):
        return ", ".join(
            format_value(v)
            if not isinstance(v, dict)
            else " ".join(f"{k} {format_value(x, 'money' if k != 'year' else '')}" for k, x in v.items())
            for v in value
        )
    if isinstance(value, str) and vtype in ("enum", ""):
        return value.replace("_", " ")
    return str(value)
