"""The functions a formula may call.

Each function is plain Python over known values (the expression layer has already made the
call unknown when an argument is unknown), except that a function may itself answer
:class:`~engine.expr.Unknown` naming the fact that would decide an ambiguous case.
Money is ``Decimal``; rounding follows the IRS forms (half up to whole dollars unless a step
says otherwise).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from engine.model.expr import Unknown

__all__ = ["FUNCTIONS", "ARITY", "DESCRIPTIONS", "round_half_up"]


def _dec(value: Any) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(value)


def _clean(value: Decimal) -> Decimal | int:
    """Whole numbers become ints so that output shows 5640, not 5640.000."""
    if value == value.to_integral_value():
        return int(value)
    return value.normalize()


def round_half_up(value: Any, places: int = 0) -> Decimal | int:
    """Round half away from zero to ``places`` decimals (IRS rounding).

    Examples:
        >>> round_half_up(Decimal("0.9992862"), 3)
        Decimal('0.999')
        >>> round_half_up(Decimal("6997.995"))
        6998

    """
    quantum = Decimal(1).scaleb(-int(places))
    return _clean(_dec(value).quantize(quantum, rounding=ROUND_HALF_UP))


def _round_step(value: Any, step: Any, rounding: str) -> Decimal | int:
    step = _dec(step)
    if step <= 0:
        return None  # type: ignore[return-value]
    return _clean((_dec(value) / step).quantize(Decimal(1), rounding=rounding) * step)


def round_up(value: Any, step: Any) -> Decimal | int:
    """Round up to the next multiple of ``step`` (e.g. the $10 of the Roth worksheet)."""
    return _round_step(value, step, ROUND_CEILING)


def round_down(value: Any, step: Any) -> Decimal | int:
    """Round down to a multiple of ``step``."""
    return _round_step(value, step, ROUND_FLOOR)


def _min(*values: Any) -> Any:
    present = [v for v in values if v is not None]
    return min(present) if present else None


def _max(*values: Any) -> Any:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(str(text))


def age_at_year_end(birth_date: str, year: int) -> int:
    """Age on December 31 of ``year``."""
    return int(year) - _date(birth_date).year


def _half_birthday(birth_date: str) -> dt.date:
    born = _date(birth_date)
    month = born.month + 6
    year = born.year + 59 + (month - 1) // 12
    month = (month - 1) % 12 + 1
    day = min(born.day, 28 if month == 2 else 30 if month in (4, 6, 9, 11) else 31)
    return dt.date(year, month, day)


def under_59_half(birth_date: Any, age: Any, tax_year: int, year: int, on_date: Any) -> Any:
    """Whether the person is under 59½ at a withdrawal in ``year`` (or on ``on_date``).

    Uses the birth date when given; otherwise the age on Dec 31 of ``tax_year``, which fixes
    the birth year but not the month, so the two years around 59½ stay unknown and the
    answer then waits on ``birth_date``. A withdrawal in the year 59½ is reached waits on the
    withdrawal date.
    """
    if birth_date is not None:
        half = _half_birthday(birth_date)
        if on_date is not None:
            return _date(on_date) < half
        if half.year > int(year):
            return True
        if half <= dt.date(int(year), 1, 1):
            return False
        return Unknown(frozenset(["planned_withdrawal_date"]))
    if age is None:
        return Unknown(frozenset(["age", "birth_date"]))
    birth_year = int(tax_year) - int(age)
    if int(year) <= birth_year + 58:
        return True
    if int(year) >= birth_year + 61:
        return False
    return Unknown(frozenset(["birth_date"]))


def qualified_year(first_year: int, birth_date: Any, age: Any, tax_year: int) -> Any:
    """First year in which a Roth IRA distribution can be qualified (5 years and 59½)."""
    five_year = int(first_year) + 5
    if birth_date is not None:
        return max(five_year, _half_birthday(birth_date).year)
    if age is None:
        return Unknown(frozenset(["age", "birth_date"]))
    birth_year = int(tax_year) - int(age)
    # 59½ falls in birth_year + 59 (born Jan-Jun) or birth_year + 60 (born Jul-Dec).
    if five_year >= birth_year + 60:
        return five_year
    return Unknown(frozenset(["birth_date"]))


def _layers(regular: Any, conversions: list[dict[str, Any]]) -> list[tuple[str, int, Decimal]]:
    """The Roth IRA ordering layers: contributions, then each year's conversions (taxable part
    first, then nontaxable), oldest first (26 U.S.C. 408A(d)(4)(B); Reg. 1.408A-6 A-8).
    """
    layers: list[tuple[str, int, Decimal]] = [("regular", 0, _dec(regular))]
    by_year: dict[int, list[Decimal]] = {}
    for conv in conversions:
        totals = by_year.setdefault(int(conv["year"]), [Decimal(0), Decimal(0)])
        totals[0] += _dec(conv["taxable"])
        totals[1] += _dec(conv["nontaxable"])
    for year in sorted(by_year):
        layers.append(("taxable", year, by_year[year][0]))
        layers.append(("nontaxable", year, by_year[year][1]))
    return layers


def _allocate(amount: Any, regular: Any, conversions: list[dict[str, Any]]) -> list[tuple[str, int, Decimal]]:
    left = _dec(amount)
    taken: list[tuple[str, int, Decimal]] = []
    for kind, year, size in _layers(regular, conversions):
        part = min(left, size)
        if part > 0:
            taken.append((kind, year, part))
            left -= part
    if left > 0:
        taken.append(("earnings", 0, left))
    return taken


def _plus_this_year(conversions: list, extra: tuple) -> list:
    """``conversions`` plus this year's conversion ``(year, taxable, nontaxable)`` when given.

    This year's conversion is part of the Roth IRA ordering of a withdrawal made in that year or
    later (26 U.S.C. 408A(d)(3)(F), (d)(4)(B)); it is passed separately because it is figured
    from this year's Form 8606, not listed among the earlier conversions.
    """
    if not extra:
        return list(conversions)
    year, taxable, nontaxable = (tuple(extra) + (0, 0))[:3]
    if _dec(taxable) <= 0 and _dec(nontaxable) <= 0:
        return list(conversions)
    return list(conversions) + [{"year": int(year), "taxable": taxable, "nontaxable": nontaxable}]


def withdrawal_from_contributions(amount: Any, regular: Any) -> Decimal | int:
    """Part of a Roth IRA withdrawal that is a return of regular contributions."""
    return _clean(min(_dec(amount), _dec(regular)))


def withdrawal_from_recent_conversions(amount: Any, regular: Any, conversions: list, year: int, *this_year: Any) -> Decimal | int:
    """Part of a withdrawal allocated to the taxable part of conversions whose own 5-year
    period (starting Jan 1 of the conversion year) has not ended by ``year``; optionally with
    this year's conversion as ``year, taxable, nontaxable``.
    """
    conversions = _plus_this_year(conversions, this_year)
    total = sum(
        (
            part
            for kind, conv_year, part in _allocate(amount, regular, conversions)
            if kind == "taxable" and int(year) < conv_year + 5
        ),
        Decimal(0),
    )
    return _clean(total)


def withdrawal_from_earnings(amount: Any, regular: Any, conversions: list, *this_year: Any) -> Decimal | int:
    """Part of a withdrawal that comes from earnings (after all contributions and conversions);
    optionally with this year's conversion as ``year, taxable, nontaxable``.
    """
    conversions = _plus_this_year(conversions, this_year)
    total = sum((part for kind, _, part in _allocate(amount, regular, conversions) if kind == "earnings"), Decimal(0))
    return _clean(total)


def conversion_clock_end(conversions: list, year: int, *this_year: Any) -> Any:
    """Last year of the latest conversion 5-year period still running in ``year``, or null;
    optionally with this year's conversion as ``year, taxable``.
    """
    conversions = _plus_this_year(conversions, this_year)
    running = [int(c["year"]) + 4 for c in conversions if int(year) < int(c["year"]) + 5 and _dec(c["taxable"]) > 0]
    return max(running) if running else None


#: Month names, read once (``calendar.month_name`` formats a date on every lookup).
_MONTHS = tuple(calendar.month_name)


def year_of(date: str) -> int:
    """The year of an ISO date: ``year_of("2031-05-17")`` is ``2031``."""
    return _date(date).year


def month_year(year: int, month: int) -> str:
    """A month as words: ``month_year(2026, 12)`` is ``'December 2026'``."""
    return f"{_MONTHS[int(month)]} {int(year)}"


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "min": _min,
    "max": _max,
    "abs": lambda v: abs(v),
    "round": round_half_up,
    "round_up": round_up,
    "round_down": round_down,
    "age_at_year_end": age_at_year_end,
    "under_59_half": under_59_half,
    "qualified_year": qualified_year,
    "withdrawal_from_contributions": withdrawal_from_contributions,
    "withdrawal_from_recent_conversions": withdrawal_from_recent_conversions,
    "withdrawal_from_earnings": withdrawal_from_earnings,
    "conversion_clock_end": conversion_clock_end,
    "month_year": month_year,
    "year_of": year_of,
}

#: Allowed argument counts (min, max); None = any number. Special forms live in expr.py.
ARITY: dict[str, tuple[int, int | None]] = {
    "min": (1, None),
    "max": (1, None),
    "abs": (1, 1),
    "round": (1, 2),
    "round_up": (2, 2),
    "round_down": (2, 2),
    "age_at_year_end": (2, 2),
    "under_59_half": (5, 5),
    "qualified_year": (4, 4),
    "withdrawal_from_contributions": (2, 2),
    "withdrawal_from_recent_conversions": (4, 7),
    "withdrawal_from_earnings": (3, 6),
    "conversion_clock_end": (2, 4),
    "if": (3, 3),
    "default": (2, 2),
    "known": (1, 1),
    "first_known": (1, None),
    "month_year": (2, 2),
    "year_of": (1, 1),
}

#: One line per function, for ``rothkb show functions`` and the authoring guide.
DESCRIPTIONS: dict[str, str] = {
    "min": "min(a, b, ...): the smallest (values that do not apply are skipped)",
    "max": "max(a, b, ...): the largest (values that do not apply are skipped)",
    "abs": "abs(x): absolute value",
    "round": "round(x, places): round half up to `places` decimals (0 if omitted)",
    "round_up": "round_up(x, step): up to the next multiple of step",
    "round_down": "round_down(x, step): down to a multiple of step",
    "if": "if(condition, then, else)",
    "default": "default(x, fallback): an assumption, stated as such: fallback when x is unknown (null: not an assumption)",
    "known": "known(x): true when x is known",
    "first_known": "first_known(a, b, ...): the first known value; when none is, all are asked for",
    "month_year": "month_year(year, month): the month in words, e.g. December 2026",
    "year_of": "year_of(date): the year of a date, e.g. 2031 for 2031-05-17",
    "age_at_year_end": "age_at_year_end(birth_date, year): age on Dec 31 of year",
    "under_59_half": "under_59_half(birth_date, age, tax_year, year, date): under 59½ at a withdrawal",
    "qualified_year": "qualified_year(first_roth_year, birth_date, age, tax_year): first year a "
    "Roth IRA distribution can be qualified",
    "withdrawal_from_contributions": "withdrawal_from_contributions(amount, regular): part that returns regular contributions",
    "withdrawal_from_recent_conversions": "withdrawal_from_recent_conversions(amount, regular, "
    "conversions, year[, this_year, taxable, nontaxable]): "
    "part from taxable conversions less than 5 years old",
    "withdrawal_from_earnings": "withdrawal_from_earnings(amount, regular, conversions[, "
    "this_year, taxable, nontaxable]): part from earnings",
    "conversion_clock_end": "conversion_clock_end(conversions, year[, this_year, taxable]): "
    "last year of the latest running conversion 5-year period",
}
