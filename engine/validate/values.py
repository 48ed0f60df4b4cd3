"""The one value reader (CONTRACT §7.2): how every surface turns a typed or parsed value into a fact.

Facts files, batch JSON Lines and CSV, the web form, the JSON API and the interview all call
:func:`coerce_fact`, so ``"$240k"``, ``1.5E5`` or ``012000`` mean the same thing (or are refused
the same way) wherever they are typed. Loaders hand number tokens over through
:func:`engine.load.jsonio.number_token`, which keeps what was written (``210.000`` stays three decimals) instead of
rounding it through a float.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal
from typing import Any

from engine.errors import suggest
from engine.load.jsonio import DECIMAL as _DECIMAL
from engine.load.jsonio import INTEGER as _INTEGER
from engine.model.knowledge import FactDef

__all__ = ["coerce_fact", "show_value", "MAX_MONEY", "MAX_ENTRIES"]

#: Largest amount accepted (a trillion dollars): beyond it an input is a typo or an attack.
MAX_MONEY = Decimal("1000000000000")
#: Most entries in a list fact (earlier conversions): a lifetime of yearly conversions fits easily.
MAX_ENTRIES = 200
#: Longest text looked at as an amount; longer is refused before any arithmetic.
_MAX_NUMBER_TEXT = 40
#: Longest digit string compared with a bound (the value is refused either way; this only words it).
_MAX_DIGITS_TEXT = 10_000

# A money string: optional $, digits with commas only in thousands positions (or none), at most
# two decimals unless a k/m suffix scales them, no leading zeros.
_MONEY = re.compile(r"\$?\s*(?P<num>(?:0|[1-9]\d{0,2}(?:,\d{3})+|[1-9]\d*)(?:\.(?P<dec>\d+))?)(?P<suffix>[kKmM]?)", re.ASCII)
_EXPONENT = re.compile(r"(?:0|[1-9]\d*)(?:\.\d+)?[eE][-+]?\d{1,4}", re.ASCII)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_SCALE = {"": 1, "k": 1000, "K": 1000, "m": 1_000_000, "M": 1_000_000}
_YES = {"yes", "y", "true"}
_NO = {"no", "n", "false"}
_AMOUNT_HINT = 'expected an amount such as 12000 or "$12,000.50"'
_LEADING_ZERO = re.compile(r"[-$]*0\d", re.ASCII)
# Number forms YAML 1.1 (or a programmer) would read that a person never means: hex, octal,
# binary, base 60 (1:30) and underscores. Named in the message, so the refusal explains itself.
_OTHER_FORM = re.compile(r"[-+]?(?:0[xXoObB][0-9a-fA-F_]*|\d[\d_]*(?::[0-5]?\d)+(?:\.\d*)?|\d+(?:_\d+)+(?:\.\d*)?)", re.ASCII)
_FORMS = "(not hex, octal, binary, base 60 or 1_000)"


def show_value(value: Any) -> str:
    """A value as a message shows it: strings quoted and escaped, containers named, long text cut."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (list, tuple, dict, set, frozenset)):
        return "a list" if isinstance(value, (list, tuple)) else "a mapping" if isinstance(value, dict) else "a set"
    text = repr(value[:200]) if isinstance(value, str) else str(value)[:200]
    return text if len(text) <= 60 else text[:57] + "..."


def coerce_fact(fact: FactDef, value: Any) -> tuple[Any, str | None]:
    """Convert a raw value to the fact's type; return (value, error message or None).

    Args:
        fact: The fact's definition (type, enum values, declared ``min``/``max``).
        value: What a loader produced: bool, int, Decimal, float, str, list or mapping.

    Returns:
        ``(typed value, None)`` or ``(None, one-line message saying what was expected)``.

    """
    kind = fact.type
    if kind == "money":
        amount, error = _money(value)
    elif kind in ("int", "number"):
        amount, error = _number(fact, value, whole=kind == "int")
    elif kind == "bool":
        return _yes_no(value)
    elif kind == "enum":
        return _enum(fact, value)
    elif kind == "date":
        return _date(value)
    elif kind == "list":
        return _list(fact, value)
    else:
        return None, f"unsupported type {kind}"
    if error:
        return None, error
    return _bounded(fact, amount)


def _bounded(fact: FactDef, amount: Any) -> tuple[Any, str | None]:
    if fact.min is not None and amount < fact.min:
        return None, f"must be at least {fact.min}, found {_cut(amount)}"
    if fact.max is not None and amount > fact.max:
        return None, f"must be at most {fact.max}, found {_cut(amount)}"
    return amount, None


def _cut(amount: Any) -> str:
    text = str(amount)
    return text if len(text) <= 60 else text[:57] + "..."


def _as_decimal(value: Any) -> Decimal | None:
    """A number value as an exact Decimal (floats through their shortest repr), None if not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else Decimal("NaN")
    if isinstance(value, Decimal):
        return value
    return None


def _money(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, str):
        amount, error = _money_text(value)
        if error:
            return None, error
    else:
        amount = _as_decimal(value)
        if amount is None:
            return None, f"{_AMOUNT_HINT}, found {show_value(value)}"
        if not amount.is_finite():
            return None, f"expected a finite amount, found {show_value(value)}"
        if amount < 0:
            return None, f"money cannot be negative, found {show_value(value)}"
        if amount.as_tuple().exponent < -2:  # type: ignore[operator]
            return None, f"at most 2 decimal places (cents), found {show_value(value)}"
    assert amount is not None
    if amount > MAX_MONEY:
        return None, f"amount is too large (at most $1,000,000,000,000), found {show_value(value)}"
    if amount == amount.to_integral_value():
        return int(amount), None
    return amount.quantize(Decimal("0.01")), None


def _money_text(value: str) -> tuple[Decimal | None, str | None]:
    text = value.strip()
    if len(text) > _MAX_NUMBER_TEXT:
        return None, f"{_AMOUNT_HINT}, found {show_value(value)}"
    if text.startswith(("-", "$-", "-$")) and _MONEY.fullmatch(text.replace("-", "", 1)):
        return None, f"money cannot be negative, found {show_value(value)}"
    if _EXPONENT.fullmatch(text):
        amount = Decimal(text)
        if amount > MAX_MONEY:
            return None, f"amount is too large (at most $1,000,000,000,000), found {show_value(value)}"
        if amount != amount.to_integral_value():
            return None, f"an amount written with an exponent must be a whole amount, found {show_value(value)}"
        return amount, None
    if _OTHER_FORM.fullmatch(text):
        return None, f"expected a decimal amount {_FORMS}, found {show_value(value)}"
    if _LEADING_ZERO.match(text):
        return None, f"an amount cannot start with 0 (leading zeros), found {show_value(value)}"
    match = _MONEY.fullmatch(text)
    if not match:
        return None, f"{_AMOUNT_HINT}, found {show_value(value)}"
    number = Decimal(match["num"].replace(",", ""))
    amount = number * _SCALE[match["suffix"]]
    decimals = len(match["dec"] or "")
    if (not match["suffix"] and decimals > 2) or amount != amount.quantize(Decimal("0.01")):
        return None, f"at most 2 decimal places (cents), found {show_value(value)}"
    return amount, None


def _number(fact: FactDef, value: Any, whole: bool) -> tuple[Any, str | None]:
    expected = "expected a whole number" if whole else "expected a number"
    if isinstance(value, str):
        text = value.strip()
        if _OTHER_FORM.fullmatch(text):
            return None, f"{expected} in decimal {_FORMS}, found {show_value(value)}"
        if _LEADING_ZERO.match(text):
            return None, f"{expected} without leading zeros, found {show_value(value)}"
        if len(text) > _MAX_DIGITS_TEXT or not (_INTEGER if whole else _DECIMAL).fullmatch(text):
            return None, f"{expected}, found {show_value(value)}"
        number = Decimal(text)
    else:
        maybe = _as_decimal(value)
        if maybe is None or not maybe.is_finite():
            return None, f"{expected}, found {show_value(value)}"
        number = maybe
    if whole and (
        number != number.to_integral_value() or (not isinstance(value, (int, str)) and number.as_tuple().exponent < 0)  # type: ignore[operator]
    ):
        # 45.5 is not whole; 45.0 is refused too: an integer fact is written without a decimal point.
        return None, f"{expected}, found {show_value(value)}"
    if number.adjusted() > 18:  # far beyond any bound: word the refusal without building a huge int
        checked, error = _bounded(fact, number)
        return None, error or f"{expected} of at most 19 digits, found {show_value(value)}"
    return (int(number) if whole else number), None


def _yes_no(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, bool):
        return value, None
    if isinstance(value, str):
        low = value.strip().lower()
        if low in _YES:
            return True, None
        if low in _NO:
            return False, None
    return None, f"expected true or false, found {show_value(value)}"


def _enum(fact: FactDef, value: Any) -> tuple[Any, str | None]:
    if isinstance(value, str):
        if value in fact.values:
            return value, None
        spelt = re.sub(r"\s+", "_", value.strip().lower())
        if spelt in fact.values:
            return spelt, None
    hint = suggest(str(value)[:100], fact.values)
    msg = f"expected one of: {', '.join(fact.values)}; found {show_value(value)}"
    return None, msg + (f" (did you mean '{hint}'?)" if hint else "")


def _date(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.isoformat(), None
    if isinstance(value, str) and _DATE.fullmatch(value.strip()):
        try:
            return dt.date.fromisoformat(value.strip()).isoformat(), None
        except ValueError:
            pass
    return None, f"expected a real date as YYYY-MM-DD, found {show_value(value)}"


def _item_facts(fact: FactDef) -> list[FactDef]:
    declared = getattr(fact, "item_facts", ())
    if declared:
        return list(declared)
    return [FactDef(name, ftype, "", "") for name, ftype in fact.items]


def _list(fact: FactDef, value: Any) -> tuple[Any, str | None]:
    if not isinstance(value, list):
        return None, f"expected a list of entries, found {show_value(value)}"
    if len(value) > MAX_ENTRIES:
        return None, f"at most {MAX_ENTRIES} entries"
    out = []
    fields = {sub.name: sub for sub in _item_facts(fact)}
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            return None, f"entry {i + 1}: expected a mapping with {', '.join(fields)}, found {show_value(item)}"
        unknown = [k for k in item if k not in fields]
        if unknown:
            hint = suggest(str(unknown[0])[:100], fields)
            return None, f"entry {i + 1}: unknown key {show_value(unknown[0])}" + (f" (did you mean '{hint}'?)" if hint else "")
        entry = {}
        for name, sub in fields.items():
            if name not in item:
                return None, f"entry {i + 1}: '{name}' is required"
            converted, error = coerce_fact(sub, item[name])
            if error:
                return None, f"entry {i + 1}: {name}: {error}"
            entry[name] = converted
        out.append(entry)
    return out, None
