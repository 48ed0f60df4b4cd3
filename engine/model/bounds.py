"""What is known about an unknown value: bounds through comparisons, arithmetic and functions.

An :class:`~engine.model.expr.Unknown` may carry a finite set of possible values, numeric
bounds, and whether it may turn out "does not apply" (CONTRACT §7.1). Every operation here is
*sound*: its answer holds for every value the bounds allow, so a condition decided here is
decided whatever the missing facts turn out to be. When in doubt an operation knows less (an
unconstrained Unknown), never more.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from engine.model.expr import Unknown
from engine.model.interned import Interned

__all__ = ["decide", "arith", "join", "join2", "bool_unknown", "canonical", "waiting", "BOUNDED", "span", "unknown_of"]

#: Larger value sets are forgotten (an unconstrained Unknown) rather than enumerated.
MAX_VALUES = 16
_BOOLS = frozenset({True, False})


#: One undecided yes/no, and one undetermined status, per set of facts it waits on, so that the
#: operations remembering their last operands by identity (engine.compile.formulas) meet the
#: same object in every run.
_YES_NO: Interned[frozenset[str], Unknown] = Interned(lambda missing: Unknown(missing, values=_BOOLS, null=False), 4096)
_WAITING: Interned[frozenset[str], Unknown] = Interned(Unknown, 4096)

#: Unknown values met so far, by what they say (see :func:`canonical`), bounded; the objects
#: kept (by identity: Unknown has no equality of its own).
_CANONICAL: dict[tuple[Any, ...], Unknown] = {}
_SETTLED: set[Unknown] = set()


def canonical(value: Unknown) -> Unknown:
    """One object for every Unknown that says the same (facts waited on, bounds, null).

    The operations that remember their last operands by identity (engine.compile.formulas) then
    meet the same object from run to run: most derived unknowns are a few distinct values over
    many runs, each made afresh. Only whole-number or open bounds are merged (two equal Decimals
    may print differently), and value sets only when they are yes/no.
    """
    if value in _SETTLED:  # already the one object (a remembered operation returned it)
        return value
    lo, hi, values = value.lo, value.hi, value.values
    if (lo is not None and lo.__class__ is not int) or (hi is not None and hi.__class__ is not int):
        return value
    if values is not None and values is not _BOOLS:
        return value
    key = (value.missing, lo, hi, values is None, value.null)
    found = _CANONICAL.get(key)
    if found is None:
        if len(_CANONICAL) >= 8192:  # a memory bound (a long-running server starts afresh)
            _CANONICAL.clear()
            _SETTLED.clear()
        _CANONICAL[key] = value  # dicts and sets are safe across threads
        _SETTLED.add(value)
        return value
    return found


def waiting(missing: frozenset[str]) -> Unknown:
    """An Unknown that knows nothing but the facts it waits on (a rule's undetermined status),
    one object per set of facts (as :func:`canonical`).
    """
    return _WAITING[missing]


def bool_unknown(missing: frozenset[str]) -> Unknown:
    """An undecided yes/no: true or false, never "does not apply"."""
    return _YES_NO[missing]


def _number(value: Any) -> bool:
    cls = value.__class__
    if cls is int or cls is Decimal:  # the usual cases first, without isinstance's walk
        return True
    return cls is not bool and isinstance(value, (int, Decimal))


def span(value: Any) -> tuple[Any, Any, bool] | None:
    """``(lo, hi, may be null)`` of a numeric value or Unknown; None when not known to be numeric."""
    if value is None:
        return None
    if value.__class__ is not Unknown:
        return (value, value, False) if _number(value) else None
    if value.values is not None:
        if value.values and all(_number(v) for v in value.values):
            return min(value.values), max(value.values), value.null
        return None
    if value.lo is None and value.hi is None:
        return None  # nothing known, not even that it is a number
    return value.lo, value.hi, value.null


def _choices(value: Any) -> tuple[frozenset[Any], bool] | None:
    """``(possible non-null values, may be null)`` when finitely many, else None."""
    if value.__class__ is not Unknown:
        if value is None:
            return frozenset(), True
        try:
            return frozenset([value]), False
        except TypeError:  # lists
            return None
    if value.values is not None:
        return value.values, value.null
    if value.lo is not None and value.lo == value.hi:
        return frozenset([value.lo]), value.null
    return None


def _ranged(value: Any) -> bool:
    """An Unknown known only by a numeric range (or nothing): :func:`_choices` finds no set."""
    return value.__class__ is Unknown and value.values is None and (value.lo is None or value.lo != value.hi)


def _missing(*values: Any) -> frozenset[str]:
    out: frozenset[str] = frozenset()
    for value in values:
        if value.__class__ is Unknown:
            out |= value.missing
    return out


def _interval_decide(op: str, left: tuple[Any, Any, bool], right: tuple[Any, Any, bool]) -> bool | None:
    llo, lhi, _ = left
    rlo, rhi, _ = right
    lo_gt = llo is not None and rhi is not None
    hi_lt = lhi is not None and rlo is not None
    if op == ">":
        return True if lo_gt and llo > rhi else False if hi_lt and lhi <= rlo else None
    if op == ">=":
        return True if lo_gt and llo >= rhi else False if hi_lt and lhi < rlo else None
    if op == "<":
        return True if hi_lt and lhi < rlo else False if lo_gt and llo >= rhi else None
    if op == "<=":
        return True if hi_lt and lhi <= rlo else False if lo_gt and llo > rhi else None
    apart = (hi_lt and lhi < rlo) or (lo_gt and llo > rhi)
    if op == "==":
        return False if apart else None
    if op == "!=":
        return True if apart else None
    return None


def decide(op: str, left: Any, right: Any, concrete: Any) -> Any:
    """Compare when at least one side is Unknown: True/False when every allowed value agrees.

    Args:
        op: The comparison operator.
        left: Left value (known or Unknown).
        right: Right value (known or Unknown).
        concrete: ``concrete(op, a, b)``, the comparison of two known values.

    Returns:
        True, False, or a yes/no Unknown naming what it waits on.

    """
    ordering = op not in ("in", "not in")
    # A numeric range on either side has no finite set of choices: straight to the bounds.
    if not (ordering and (_ranged(left) or _ranged(right))):
        lc = _choices(left)
        rc = _choices(right) if ordering or right.__class__ is Unknown else (frozenset(), False)
        if lc is not None and rc is not None and len(lc[0]) * max(len(rc[0]), 1) <= MAX_VALUES * MAX_VALUES:
            lefts = list(lc[0]) + ([None] if lc[1] else [])
            if not ordering and right.__class__ is not Unknown:
                outcomes = {concrete(op, a, right) for a in lefts}
            else:
                rights = list(rc[0]) + ([None] if rc[1] else [])
                outcomes = {concrete(op, a, b) for a in lefts for b in rights}
            if len(outcomes) == 1:
                return outcomes.pop()
            return bool_unknown(_missing(left, right))
    if ordering:
        ls, rs = span(left), span(right)
        if ls is not None and rs is not None:
            result = _interval_decide(op, ls, rs)
            # A value that does not apply fails every comparison: it can only confirm False.
            if result is False or (result is True and not ls[2] and not rs[2]):
                return result
    return bool_unknown(_missing(left, right))


def _add(a: Any, b: Any) -> Any:
    return None if a is None or b is None else a + b


def _sub(a: Any, b: Any) -> Any:
    return None if a is None or b is None else a - b


def _make(missing: frozenset[str], lo: Any, hi: Any, null: bool) -> Any:
    if lo is not None and lo == hi and not null:
        return lo  # a single value left: it is known
    return Unknown(missing, lo=lo, hi=hi, null=null)


_NONE: frozenset[str] = frozenset()


def arith(op: str, left: Any, right: Any) -> Any:
    """``+``, ``-``, ``*`` with an Unknown operand, by interval arithmetic (``/`` knows nothing).

    Written out (no helper calls): it runs for most formulas of every evaluation.
    """
    if left.__class__ is Unknown:
        lmiss, lnull = left.missing, left.null
        if left.values is not None:
            ls = span(left)
            if ls is None:
                return Unknown(lmiss | (right.missing if right.__class__ is Unknown else _NONE))
            llo, lhi = ls[0], ls[1]
        else:
            llo, lhi = left.lo, left.hi
    else:
        lmiss, lnull, llo, lhi = _NONE, False, left, left
        if not _number(left):
            llo = lhi = None
    if right.__class__ is Unknown:
        rmiss, rnull = right.missing, right.null
        if right.values is not None:
            rs = span(right)
            if rs is None:
                return Unknown(lmiss | rmiss)
            rlo, rhi = rs[0], rs[1]
        else:
            rlo, rhi = right.lo, right.hi
    else:
        rmiss, rnull, rlo, rhi = _NONE, False, right, right
        if not _number(right):
            rlo = rhi = None
    missing = lmiss | rmiss
    if op == "/" or (llo is None and lhi is None) or (rlo is None and rhi is None):
        return Unknown(missing)
    null = lnull or rnull
    if op == "+":
        lo = None if llo is None or rlo is None else llo + rlo
        hi = None if lhi is None or rhi is None else lhi + rhi
    elif op == "-":
        lo = None if llo is None or rhi is None else llo - rhi
        hi = None if lhi is None or rlo is None else lhi - rlo
    elif llo is not None and rlo is not None and llo >= 0 and rlo >= 0:
        # Both non-negative (the usual case: an amount times a rate).
        lo = llo * rlo
        hi = 0 if lhi == 0 or rhi == 0 else None if lhi is None or rhi is None else lhi * rhi
    elif None not in (llo, lhi, rlo, rhi):
        products = [llo * rlo, llo * rhi, lhi * rlo, lhi * rhi]
        lo, hi = min(products), max(products)
    else:
        return Unknown(missing)
    if lo is not None and lo == hi and not null:
        return lo  # a single value left: it is known
    return Unknown(missing, lo, hi, None, null)


def join2(a: Any, b: Any, extra: frozenset[str]) -> Any:
    """``join(a, b)`` for an ``if`` whose test waits on ``extra``, with the common cases written out."""
    au, bu = a.__class__ is Unknown, b.__class__ is Unknown
    if not au and not bu:
        if _number(a) and _number(b):
            return a if a == b and type(a) is type(b) else Unknown(extra, min(a, b), max(a, b), None, False)
        if a is None and b is None:
            return None
    elif (not au or a.values is None) and (not bu or b.values is None):
        # The common case written out: numeric intervals, known numbers, values that do not apply.
        missing, null, los, his = extra, False, [], []
        for v, unknown in ((a, au), (b, bu)):
            if v is None:
                null = True
            elif unknown:
                if v.lo is None and v.hi is None:
                    return Unknown(extra | _missing(a, b))  # nothing known about one: nor about either
                missing = missing | v.missing
                null = null or v.null
                los.append(v.lo)
                his.append(v.hi)
            elif _number(v):
                los.append(v)
                his.append(v)
            else:
                break
        else:
            if not los:
                return Unknown(missing)
            lo = None if None in los else min(los)
            hi = None if None in his else max(his)
            return Unknown(missing, lo, hi, None, null)
    found = join(a, b)
    if found.__class__ is Unknown:
        return Unknown(found.missing | extra, found.lo, found.hi, found.values, found.null)
    return found


def join(*options: Any) -> Any:
    """A value that is one of ``options`` (an ``if`` whose test is unknown)."""
    missing = _missing(*options)
    first = options[0]
    if all(o.__class__ is not Unknown for o in options):
        try:
            if all(o == first and type(o) is type(first) for o in options):
                return first
        except TypeError:
            pass
    null = any(o is None or (o.__class__ is Unknown and o.null) for o in options)
    present = [o for o in options if o is not None]
    if not present:
        return None if not missing else Unknown(missing)
    spans = [span(o) for o in present]
    if all(s is not None for s in spans):
        los = [s[0] for s in spans]  # type: ignore[index]
        his = [s[1] for s in spans]  # type: ignore[index]
        lo = None if None in los else min(los)
        hi = None if None in his else max(his)
        return Unknown(missing, lo=lo, hi=hi, null=null)
    choices = [_choices(o) for o in present]
    if all(c is not None for c in choices):
        values = frozenset().union(*(c[0] for c in choices))  # type: ignore[index]
        if len(values) <= MAX_VALUES:
            return Unknown(missing, values=values, null=null or any(c[1] for c in choices))  # type: ignore[index]
    return Unknown(missing)


def unknown_of(fact_type: str, name: str, low: Any = None, high: Any = None, values: tuple[str, ...] = ()) -> Unknown:
    """What is known about a fact nobody gave: its type's range (money is never negative)."""
    missing = frozenset([name])
    if fact_type == "bool":
        return Unknown(missing, values=_BOOLS, null=False)
    if fact_type == "enum" and values:
        return Unknown(missing, values=frozenset(values), null=False)
    if fact_type == "money":
        return Unknown(missing, lo=max(low, 0) if low is not None else 0, hi=high, null=False)
    if fact_type in ("int", "number") and (low is not None or high is not None):
        return Unknown(missing, lo=low, hi=high, null=False)
    return Unknown(missing, null=False)


# ------------------------------------------------------------------ functions with bounds
def _extreme(values: list[Any], smallest: bool) -> Any:
    """min/max over values some of which are Unknown (arguments that do not apply are skipped)."""
    missing = _NONE
    los: list[Any] = []
    his: list[Any] = []
    sure = False  # some argument is certain to apply
    open_lo = open_hi = False
    for v in values:
        if v is None:
            continue
        if v.__class__ is Unknown:
            missing = missing | v.missing
            if v.values is not None:
                s = span(v)
                if s is None:
                    return Unknown(missing | _missing(*values))
                lo, hi, null = s
            else:
                lo, hi, null = v.lo, v.hi, v.null
                if lo is None and hi is None:
                    return Unknown(_missing(*values))
        elif _number(v):
            lo, hi, null = v, v, False
        else:
            return Unknown(_missing(*values))
        # An argument that may not apply can only be left out: it bounds the result on its
        # own side only (min: it may lower it; max: it may raise it).
        if smallest:
            if lo is None:
                open_lo = True
            else:
                los.append(lo)
            if not null:
                sure = True
                if hi is None:
                    open_hi = True
                else:
                    his.append(hi)
        else:
            if hi is None:
                open_hi = True
            else:
                his.append(hi)
            if not null:
                sure = True
                if lo is None:
                    open_lo = True
                else:
                    los.append(lo)
    if not los and not his and not open_lo and not open_hi:
        return None  # every argument does not apply
    pick = min if smallest else max
    if smallest:
        lo = None if open_lo or not los else min(los)
        hi = None if not sure or open_hi or not his else min(his)
    else:
        hi = None if open_hi or not his else max(his)
        lo = None if not sure or open_lo or not los else max(los)
    del pick
    if lo is not None and lo == hi and sure:
        return lo
    return Unknown(missing, lo, hi, None, not sure)


def _monotone(fn: Any) -> Any:
    """Bounds of ``fn(x, *known)`` for a non-decreasing ``fn`` of its first argument."""

    def bounded(x: Any, *rest: Any) -> Any:
        missing = _missing(x, *rest)
        s = span(x)
        if s is None or any(r.__class__ is Unknown or r is None for r in rest):
            return Unknown(missing)
        lo = None if s[0] is None else fn(s[0], *rest)
        hi = None if s[1] is None else fn(s[1], *rest)
        if lo is None and s[0] is not None or hi is None and s[1] is not None:
            return Unknown(missing)  # the function itself did not apply (a bad step)
        return _make(missing, lo, hi, s[2])

    return bounded


def _beyond_contributions(amount: Any, regular: Any, *rest: Any) -> Any:
    """A part of a Roth IRA withdrawal that comes after the regular contributions: between 0
    and ``amount - regular`` whatever the conversions are (the ordering rules take
    contributions first, 26 U.S.C. 408A(d)(4)(B)).
    """
    missing = _missing(amount, regular, *rest)
    a, r = span(amount), span(regular)
    null = any(v is None or (v.__class__ is Unknown and v.null) for v in (amount, regular, *rest))
    hi = None
    if a is not None and r is not None and a[1] is not None and r[0] is not None:
        hi = max(a[1] - r[0], 0)
    return _make(missing, 0, hi, null)


def _contributions_part(amount: Any, regular: Any) -> Any:
    return _extreme([amount, regular], smallest=True)


def bounded_functions(functions: dict[str, Any]) -> dict[str, Any]:
    """Bound versions of the formula functions that have them (called when an argument is Unknown)."""
    return {
        "min": lambda *v: _extreme(list(v), smallest=True),
        "max": lambda *v: _extreme(list(v), smallest=False),
        "round": _monotone(functions["round"]),
        "round_up": _monotone(functions["round_up"]),
        "round_down": _monotone(functions["round_down"]),
        "withdrawal_from_contributions": _contributions_part,
        "withdrawal_from_recent_conversions": _beyond_contributions,
        "withdrawal_from_earnings": _beyond_contributions,
    }


BOUNDED = bounded_functions
