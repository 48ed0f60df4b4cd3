"""Pairs of rules that can fire together with contradictory advice (``rothkb check`` warnings).

Decided by a bounded search over boundary values, see :func:`contradictions`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from engine.compile.formulas import compare
from engine.errors import Problem
from engine.model import expr
from engine.model.knowledge import Knowledge, Leaf
from engine.trace.formatting import format_value

__all__ = ["contradictions"]


# ---------------------------------------------------------------- contradictory advice
#: Most conjunctions one rule's condition may expand to; beyond that the pair is not judged.
MAX_TERMS = 512
_Constraint = tuple[str, str, Any]  # (variable, operator, constant)


def contradictions(k: Knowledge) -> list[Problem]:
    """Warn about pairs of rules that can fire together although their advice contradicts.

    A pair contradicts when both rules conclude different values of the same conclusion, or
    when one lists the other under ``excludes``. Whether both can fire for one person is
    decided by a **bounded search over boundary values**:

    1. Each ``when`` is expanded into alternatives (a disjunction of conjunctions of leaves); a
       leaf testing a conclusion is replaced by the conditions of the rules that conclude it.
    2. Parameters are fixed by enumerating *worlds*: every supported year and, for parameters
       with columns (``by``), every column (the ``by`` value is then constrained to it). In a
       world every leaf is ``variable OP constant``; ``a OP b`` between two variables becomes
       a constraint on the difference ``a - b`` against 0.
    3. Variables are treated as independent, so a conjunction is satisfiable when each variable
       has one value meeting all its constraints. For one variable it suffices to try the
       constants it is compared with, the midpoints between them and one value beyond each end
       (integers: each constant and its neighbours; bool and enum: every value), within the
       fact's domain (money is never negative; ``min``/``max``).

    The search is exact for each variable but ignores formulas linking derived values to facts
    (an over-approximation), so a warning may name a pair that the formulas keep apart; the
    witness it prints lets an author see why. Pairs are warnings, not errors.
    """
    pairs: dict[tuple[str, str], str] = {}
    by_conclusion: dict[str, list[tuple[str, Any]]] = {}
    for rule in k.rules:
        for name, value in rule.conclude:
            by_conclusion.setdefault(name, []).append((rule.id, value))
        for other in rule.excludes:
            if other != rule.id and any(r.id == other for r in k.rules):
                pairs.setdefault((rule.id, other), f"'{rule.id}' excludes '{other}'")
    for name, produced in by_conclusion.items():
        for i, (a, va) in enumerate(produced):
            for b, vb in produced[i + 1 :]:
                if va != vb and a != b and (b, a) not in pairs:
                    pairs.setdefault((a, b), f"they conclude {name} = {_word(va)} and {name} = {_word(vb)}")
    problems = []
    for (a, b), why in sorted(pairs.items()):
        ra, rb = k.rule(a), k.rule(b)
        witness = _together(k, ra, rb)
        if witness is not None:
            problems.append(
                Problem(
                    ra.loc.path,
                    ra.loc.line,
                    ra.loc.column,
                    f"rules({a})",
                    f"'{a}' and '{b}' ({rb.loc.path}:{rb.loc.line}) can fire together, but {why}; for example when {witness}",
                    severity="warning",
                )
            )
    return problems


def _word(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _terms(k: Knowledge, cond: Any, depth: int = 0) -> list[list[Any]] | None:
    """Disjunctive normal form of a condition: a list of conjunctions of leaves (None: too big)."""
    if isinstance(cond, Leaf):
        if not cond.conclusion:
            return [[cond]]
        tested: Any = cond.right  # a conclusion leaf tests a literal or a list of literals (checked by validation)
        wanted = (
            [getattr(i, "value", None) for i in tested.items]
            if isinstance(tested, expr.ListLit)
            else [getattr(tested, "value", None)]
        )
        out: list[list[Any]] = []
        for rule in k.rules:
            if any(n == cond.name and v in wanted for n, v in rule.conclude):
                sub = _terms(k, rule.when, depth + 1) if depth < 8 else [[]]
                if sub is None:
                    return None
                out += sub
        return out
    parts = [_terms(k, item, depth) for item in cond.items]
    if any(p is None for p in parts):
        return None
    if cond.op == "any":
        flat = [term for part in parts for term in part]  # type: ignore[union-attr]
        return flat if len(flat) <= MAX_TERMS else None
    result: list[list[Any]] = [[]]
    for part in parts:
        result = [left + right for left in result for right in part]  # type: ignore[union-attr]
        if len(result) > MAX_TERMS:
            return None
    return result


def _together(k: Knowledge, a: Any, b: Any) -> str | None:
    """A readable example in which both rules' conditions hold, or None if there is none."""
    ta, tb = _terms(k, a.when), _terms(k, b.when)
    if ta is None or tb is None:
        return None
    for year in k.years:
        for columns in _column_choices(k, year):
            for left in ta:
                for right in tb:
                    found = _solve(k, year, columns, left + right)
                    if found is not None:
                        shown = ", ".join(f"{n} = {v}" for n, v in sorted(found.items()) if n != "tax_year")
                        return f"{shown or 'any facts'} (tax year {year})"
    return None


def _column_choices(k: Knowledge, year: int) -> list[dict[str, str]]:
    choices: list[dict[str, str]] = [{}]
    for by in sorted({p.by for p in k.parameters.values() if p.by}):
        cols = sorted(
            {c for p in k.parameters.values() if p.by == by for c in (p.values[year].value if year in p.values else {})}
        )
        choices = [dict(c, **{by: col}) for c in choices for col in cols] or choices
    return choices


def _solve(k: Knowledge, year: int, columns: dict[str, str], term: list[Any]) -> dict[str, str] | None:
    cons: dict[str, list[_Constraint]] = {"tax_year": [("tax_year", "==", year)]}
    for by, col in columns.items():
        cons.setdefault(by, []).append((by, "==", col))
    for leaf in term:
        right = leaf.right
        if isinstance(right, expr.Name) and right.name in k.parameters:
            param = k.parameters[right.name]
            value = param.values[year].value if year in param.values else None
            const = value.get(columns.get(param.by or "", "")) if isinstance(value, dict) else value
            if const is None:
                return None
            cons.setdefault(leaf.name, []).append((leaf.name, leaf.op, const))
        elif isinstance(right, expr.Name):
            a, b, op = (
                (leaf.name, right.name, leaf.op)
                if leaf.name < right.name
                else (right.name, leaf.name, {"<": ">", ">": "<", "<=": ">=", ">=": "<="}.get(leaf.op, leaf.op))
            )
            cons.setdefault(f"{a} - {b}", []).append((f"{a} - {b}", op, 0))
        else:
            const = (
                [getattr(i, "value", None) for i in right.items]
                if isinstance(right, expr.ListLit)
                else getattr(right, "value", None)
            )
            cons.setdefault(leaf.name, []).append((leaf.name, leaf.op, const))
    shown = {
        p.by
        for leaf in term
        if isinstance(leaf.right, expr.Name)
        for p in [k.parameters.get(leaf.right.name)]
        if p is not None and p.by
    }
    found = {}
    for name, items in cons.items():
        value = next((c for c in _candidates(k, name, items) if all(_holds(c, op, v) for _, op, v in items)), _NONE)
        if value is _NONE:
            return None
        if " - " not in name and (name not in columns or name in shown):
            found[name] = _word(value) if isinstance(value, bool) else format_value(value, _vtype(k, name))
    return found


_NONE = object()


def _vtype(k: Knowledge, name: str) -> str:
    fact = k.facts.get(name)
    return fact.type if fact else k.values[name].type if name in k.values else "number"


def _candidates(k: Knowledge, name: str, items: list[_Constraint]) -> list[Any]:
    fact = k.facts.get(name)
    vtype = _vtype(k, name)
    consts = [v for _, _, c in items for v in (c if isinstance(c, list) else [c])]
    if vtype == "bool" or any(isinstance(c, bool) for c in consts):
        return [True, False]
    if vtype in ("enum", "date") or any(isinstance(c, str) for c in consts):
        return list(fact.values if fact and fact.values else []) + [c for c in consts if isinstance(c, str)] + ["other"]
    nums = sorted({Decimal(str(c)) for c in consts if c is not None})
    if vtype in ("int", "year"):
        out: list[Decimal] = [n + d for n in nums for d in (-1, 0, 1)] or [Decimal(0)]
    else:
        mids = [(x + y) / 2 for x, y in zip(nums, nums[1:], strict=False)]
        out = nums + mids + ([nums[0] - 1, nums[-1] + 1] if nums else [Decimal(0)])
    low = fact.min if fact and fact.min is not None else 0 if vtype == "money" and fact else None
    high = fact.max if fact and fact.max is not None else None
    return [n for n in sorted(out) if (low is None or n >= low) and (high is None or n <= high)]


def _holds(value: Any, op: str, const: Any) -> bool:
    result = compare(op, value, const)
    return result is True
