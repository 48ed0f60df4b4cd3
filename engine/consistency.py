"""Consistency checks across the whole knowledge base (``rothkb check``).

Errors: a tested conclusion that no rule concludes, rules that depend on each other in a
circle, ``excludes`` naming an unknown rule, scenario tests naming unknown rules. Warnings:
unused facts and sources, rules that no scenario test exercises, FAQ entries and myths that
point at missing rules, and pairs of rules that can fire together with contradictory advice
(decided by a bounded search over boundary values, see :func:`contradictions`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import expr
from ._check import Checker
from .errors import Problem, suggest
from .expr_eval import compare
from .trace import format_value
from .validate_rules import leaves
from .yamlio import mark_of

if TYPE_CHECKING:
    from .compile import CompiledKnowledge
    from .model import Knowledge

__all__ = ["consistency_problems", "check_rule_graph", "contradictions"]


def check_rule_graph(knowledge: Knowledge, check: Checker) -> None:
    """Every tested conclusion has a producer; ``excludes`` names real rules; no chain is a circle."""
    producers: dict[str, list[str]] = {}
    for rule in knowledge.rules:
        for name, _ in rule.conclude:
            producers.setdefault(name, []).append(rule.id)
    ids = [r.id for r in knowledge.rules]
    myths = [str(m.get("id")) for m in knowledge.myths]
    deps: dict[str, set[str]] = {}
    for rule in knowledge.rules:
        deps[rule.id] = set()
        where = (rule.loc.line, rule.loc.column)
        for myth in rule.corrects:
            if myth not in myths:
                check.error(rule.loc.path, where, f"rules({rule.id}).corrects", f"unknown myth '{myth}'",
                            suggest(myth, myths))
        for other in getattr(rule, "excludes", ()):
            if other not in ids or other == rule.id:
                what = "a rule cannot exclude itself" if other == rule.id else f"unknown rule '{other}'"
                check.error(rule.loc.path, where, f"rules({rule.id}).excludes", what,
                            None if other == rule.id else suggest(other, ids))
        for leaf in leaves(rule.when):
            if leaf.conclusion:
                if leaf.name not in producers:
                    check.error(leaf.loc.path, (leaf.loc.line, leaf.loc.column), f"rules({rule.id}).when",
                                f"no rule concludes '{leaf.name}', so this rule can never fire")
                deps[rule.id] |= set(producers.get(leaf.name, ()))
    state: dict[str, int] = {}

    def visit(rid: str, chain: list[str]) -> None:
        if state.get(rid) == 2:
            return
        if state.get(rid) == 1:
            cycle = chain[chain.index(rid):] + [rid]
            rule = knowledge.rule(rid)
            check.error(rule.loc.path, (rule.loc.line, rule.loc.column), f"rules({rid})",
                        "rules depend on each other in a circle: " + " -> ".join(cycle))
            return
        state[rid] = 1
        for dep in sorted(deps.get(rid, ())):
            visit(dep, chain + [rid])
        state[rid] = 2

    for rid in sorted(deps):
        visit(rid, [])


def consistency_problems(compiled: CompiledKnowledge) -> list[Problem]:
    """Warnings (and test-file errors) that need the whole, compiled knowledge base."""
    from .scenarios import untested_rules
    k = compiled.knowledge
    problems = _unused(compiled)
    problems += untested_rules(k)
    problems += _faq_rules(k)
    problems += _faq_example_rules(compiled)
    problems += contradictions(k)
    return problems


def _unused(compiled: CompiledKnowledge) -> list[Problem]:
    k = compiled.knowledge
    problems: list[Problem] = []
    used: set[str] = set(compiled.condition_names)
    for value in k.values.values():
        used |= expr.names_in(value.ast)
    for param in k.parameters.values():
        if param.by:
            used.add(param.by)
    for name, fact in k.facts.items():
        if name not in used and name != "tax_year":
            problems.append(Problem(fact.loc.path, fact.loc.line, fact.loc.column, f"facts.{name}",
                                    "fact is not used by any rule or value", severity="warning"))
    cited = {c.source for r in k.rules for c in r.sources}
    cited |= {c.source for v in k.values.values() for c in v.sources}
    cited |= {pv.source for p in k.parameters.values() for pv in p.values.values()}
    for entry in k.faq + k.myths:
        cited |= {str(s) for s in entry.get("sources") or ()}
    for sid, src in k.sources.items():
        if sid not in cited:
            problems.append(Problem(src.loc.path, src.loc.line, src.loc.column, f"sources.{sid}",
                                    "source is not cited anywhere", severity="warning"))
    return problems


def _faq_example_rules(compiled: CompiledKnowledge) -> list[Problem]:
    """Warnings for FAQ entries whose example fires a rule the entry's ``rules:`` does not list
    (the answer would be personalised without the rule that speaks to the example)."""
    from . import KnowledgeBase
    from .errors import RothkbError
    k = compiled.knowledge
    kb = KnowledgeBase(compiled)
    problems: list[Problem] = []
    for entry in k.faq:
        facts = (entry.get("example") or {}).get("facts") if isinstance(entry.get("example"), dict) else None
        if not isinstance(facts, dict) or not facts:
            continue
        where = entry["_loc"]
        try:
            exp = kb.explain(dict(facts), f"{where.path}:{where.line}")
        except RothkbError:
            continue  # an example that cannot run is reported by the site build
        listed = entry.get("rules") or []
        listed = set(listed) if isinstance(listed, list) else set()
        missing = [rid for rid in exp.fired if rid not in listed]
        if missing:
            problems.append(Problem(where.path, where.line, where.column, f"faq({entry.get('id')}).rules",
                                    "the example fires rules the entry does not list: " + ", ".join(missing)
                                    + " (add them to rules:, or change the example)", severity="warning"))
    return problems


def _faq_rules(k: Knowledge) -> list[Problem]:
    ids = [r.id for r in k.rules]
    problems: list[Problem] = []
    for kind, entries in (("faq", k.faq), ("myths", k.myths)):
        for entry in entries:
            listed: Any = entry.get("rules") or []
            where = entry["_loc"]
            for i, rid in enumerate(listed if isinstance(listed, list) else []):
                if rid not in ids:
                    line, col = mark_of(listed, i) if hasattr(listed, "marks") else (where.line, where.column)
                    problems.append(Problem(where.path, line, col, f"{kind}({entry.get('id')}).rules[{i}]",
                                            f"refers to rule '{rid}', which does not exist", suggest(str(rid), ids), "warning"))
    return problems


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
        for other in getattr(rule, "excludes", ()):
            if other != rule.id and any(r.id == other for r in k.rules):
                pairs.setdefault((rule.id, other), f"'{rule.id}' excludes '{other}'")
    for name, produced in by_conclusion.items():
        for i, (a, va) in enumerate(produced):
            for b, vb in produced[i + 1:]:
                if va != vb and a != b and (b, a) not in pairs:
                    pairs.setdefault((a, b), f"they conclude {name} = {_word(va)} and {name} = {_word(vb)}")
    problems = []
    for (a, b), why in sorted(pairs.items()):
        ra, rb = k.rule(a), k.rule(b)
        witness = _together(k, ra, rb)
        if witness is not None:
            problems.append(Problem(ra.loc.path, ra.loc.line, ra.loc.column, f"rules({a})",
                                    f"'{a}' and '{b}' ({rb.loc.path}:{rb.loc.line}) can fire together, but {why}; "
                                    f"for example when {witness}", severity="warning"))
    return problems


def _word(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _terms(k: Knowledge, cond: Any, depth: int = 0) -> list[list[Any]] | None:
    """Disjunctive normal form of a condition: a list of conjunctions of leaves (None: too big)."""
    from .model import Leaf
    if isinstance(cond, Leaf):
        if not cond.conclusion:
            return [[cond]]
        wanted = [i.value for i in cond.right.items] if isinstance(cond.right, expr.ListLit) else [cond.right.value]
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
        cols = sorted({c for p in k.parameters.values() if p.by == by
                       for c in (p.values[year].value if year in p.values else {})})
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
            a, b, op = (leaf.name, right.name, leaf.op) if leaf.name < right.name else \
                (right.name, leaf.name, {"<": ">", ">": "<", "<=": ">=", ">=": "<="}.get(leaf.op, leaf.op))
            cons.setdefault(f"{a} - {b}", []).append((f"{a} - {b}", op, 0))
        else:
            const = [getattr(i, "value", None) for i in right.items] if isinstance(right, expr.ListLit) \
                else getattr(right, "value", None)
            cons.setdefault(leaf.name, []).append((leaf.name, leaf.op, const))
    shown = {p.by for leaf in term if isinstance(leaf.right, expr.Name)
             for p in [k.parameters.get(leaf.right.name)] if p is not None and p.by}
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
        out = [n + d for n in nums for d in (-1, 0, 1)] or [0]
    else:
        mids = [(x + y) / 2 for x, y in zip(nums, nums[1:], strict=False)]
        out = nums + mids + ([nums[0] - 1, nums[-1] + 1] if nums else [0])
    low = fact.min if fact and fact.min is not None else 0 if vtype == "money" and fact else None
    high = fact.max if fact and fact.max is not None else None
    return [n for n in sorted(out) if (low is None or n >= low) and (high is None or n <= high)]


def _holds(value: Any, op: str, const: Any) -> bool:
    result = compare(op, value, const)
    return result is True
