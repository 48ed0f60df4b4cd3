"""Stage 3: compile a validated knowledge base once: formulas to closures (in dependency
order), conditions to three-valued closures, and rules to durable_rules rulesets.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from engine.compile.formulas import compare, compile_expr
from engine.compile.status_plan import StatusLeaf, conclusion_sources, status_inputs, status_plan
from engine.errors import KnowledgeError, Problem
from engine.model import expr
from engine.model.bounds import join, unknown_of
from engine.model.conditions import PLACEHOLDER, leaves
from engine.model.functions import FUNCTIONS
from engine.model.interned import Interned
from engine.model.knowledge import Group, Knowledge, Leaf, Rule
from engine.model.order import dependency_order
from engine.runtime import ChunkSpec, RulesRuntime

__all__ = ["CompiledKnowledge", "CompiledRule", "compile_knowledge", "CHUNK_SIZE"]

#: Rules per durable ruleset. durable_rules fails (error 303) when more than ~64 rules match
#: one fact, so rules are split into chunks (in dependency order) well below that.
CHUNK_SIZE = 40
#: Comparisons per ruleset. durable_rules loops forever in its C code (ignoring Ctrl-C) when
#: one ruleset holds about 512 (measured: 510 register at once, 520 never return), so a chunk
#: is also closed before its comparisons pass this budget, and one rule may not exceed it.
CHUNK_TESTS = 300
_TESTS = frozenset(("$eq", "$neq", "$lt", "$lte", "$gt", "$gte", "$ex"))
_OPS = {"==": "$eq", "!=": "$neq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}


@dataclass
class CompiledRule:
    """A rule with its stratum (depth in the conclusion chain) and firing priority."""

    rule: Rule
    stratum: int
    priority: int


@dataclass(frozen=True)
class CompiledKnowledge:
    """Everything needed to evaluate situations quickly; built once per knowledge base."""

    knowledge: Knowledge
    #: (name, closure) computed in dependency order after facts and year parameters.
    plan: list[tuple[str, Callable[[dict[str, Any]], Any]]]
    #: Scalar parameter values by year.
    year_params: dict[int, dict[str, Any]]
    rules: list[CompiledRule]
    #: Names the durable conditions test (the person fact carries only these).
    condition_names: tuple[str, ...]
    runtime: RulesRuntime
    leaf_fns: dict[int, Callable[[dict[str, Any]], tuple[Any, Any]]]
    #: Every rule (in ``rules`` order) with the leaves of its condition tree.
    rule_leaves: tuple[tuple[CompiledRule, tuple[Leaf, ...]], ...]
    #: Importance of each rule by id (question ranking).
    importance: dict[str, int]
    #: What is known about each fact nobody gave (its type's bounds), by name.
    unknown_facts: dict[str, expr.Unknown]
    #: Per leaf (by ``id``): the name of the person-fact field that says "decided true by bounds".
    leaf_flags: dict[int, str]
    #: Per leaf (by ``id``): the name on its right-hand side, when it compares two names.
    leaf_right: dict[int, str]
    #: Facts with a declared assumption (``assume:`` in facts.yaml): name -> assumed value.
    assume: dict[str, Any]
    #: Facts assumed through a formula's ``default(fact, fallback)``: name -> the fallback closure.
    fallbacks: dict[str, Callable[[dict[str, Any]], Any]]
    #: Plain phrase of every assumable fact ("you have no SEP IRA").
    phrases: dict[str, str]
    #: Names of the derived values (scanned for the facts they still wait on).
    derived: tuple[str, ...]
    #: Per rule id: the names its advice shows (placeholders), for weighing figures.
    advice_names: dict[str, frozenset[str]]
    #: Per assumable fact: indexes into ``plan`` of the values that depend on it (in plan order),
    #: so that the pass with assumptions recomputes only those.
    refresh: dict[str, tuple[int, ...]]
    #: The three-valued pass, planned once: per rule (in ``rules`` order) the rule, how its
    #: status combines its leaves and, per leaf, everything the pass looks up (see :mod:`engine.compile.status_plan`).
    status_plan: tuple[tuple[Rule, str, tuple[StatusLeaf, ...]], ...] = ()
    #: Per entry of ``status_plan``: the names its (non-conclusion) conditions read, the rules
    #: whose conclusions it tests and its person-fact flags in leaf order, so that the pass with
    #: assumptions keeps a rule none of whose names or producing rules changed without looking
    #: at its conditions.
    status_inputs: tuple[tuple[frozenset[str], frozenset[str], tuple[str, ...]], ...] = ()
    #: Per conclusion leaf (by ``id``): the values it accepts, and every earlier rule's
    #: ``(rule id, value)`` for the conclusion it tests, in the order the pass meets them.
    conclusion_sources: dict[int, tuple[tuple[Any, ...], tuple[tuple[str, Any], ...]]] = field(default_factory=dict)
    #: Every person-fact flag in the order the three-valued pass sets them (rule order, leaf order).
    flag_order: tuple[str, ...] = ()
    #: Memo of the pass with assumptions: per set of assumed facts, the ``plan`` indexes to
    #: recompute, in plan order (few distinct sets occur; :mod:`engine.run.evaluate` bounds it).
    refresh_orders: dict[frozenset[str], tuple[int, ...]] = field(default_factory=dict, compare=False, repr=False)
    #: Per year, what every environment starts from: the unknown facts, the facts' defaults and
    #: the year's parameters (copied once per run instead of assembled from three sources).
    start_env: dict[int, dict[str, Any]] = field(default_factory=dict, compare=False, repr=False)
    #: The facts that can be assumed (a declared ``assume:`` or a formula's ``default`` fallback).
    assumable: frozenset[str] = frozenset()
    #: Per year, the parameters that share a fact's name (normally none): they win over the fact.
    shadowing: dict[int, dict[str, Any]] = field(default_factory=dict, compare=False, repr=False)


def compile_knowledge(knowledge: Knowledge) -> CompiledKnowledge:
    """Compile; raises :class:`KnowledgeError` for problems only visible at this stage."""
    plan = _plan(knowledge)
    year_params = {
        year: {name: p.values[year].value for name, p in knowledge.parameters.items() if not p.by} for year in knowledge.years
    }
    producers: dict[str, list[str]] = {}
    for rule in knowledge.rules:
        for name, _ in rule.conclude:
            producers.setdefault(name, []).append(rule.id)
    strata = _strata(knowledge, producers)
    ordered = sorted(knowledge.rules, key=lambda r: (strata[r.id], -r.importance, r.id))
    rules = [CompiledRule(rule, strata[rule.id], i + 1) for i, rule in enumerate(ordered)]
    # Per rule: the person-fact fields its conditions test (names, the names they are compared
    # with, the decided-by-bounds flags); each chunk is given the union over its rules.
    reads: dict[str, set[str]] = {}
    tested: set[str] = set()  # the names (without the flags): the values durable_rules is given
    leaf_fns: dict[int, Callable[[dict[str, Any]], tuple[Any, Any]]] = {}
    flags: dict[int, str] = {}
    right_names: dict[int, str] = {}
    unknown_facts = {
        name: unknown_of(f.type, name, f.min, f.max, f.values) for name, f in knowledge.facts.items() if not f.has_default
    }
    for crule in rules:
        names = reads[crule.rule.id] = set()
        for leaf in leaves(crule.rule.when):
            if not leaf.conclusion:
                names.add(leaf.name)
                names |= expr.names_in(leaf.right)
                leaf_fns[id(leaf)] = _leaf_fn(leaf)
                if isinstance(leaf.right, expr.Name):
                    right_names[id(leaf)] = leaf.right.name
                if _may_be_settled(leaf, unknown_facts, leaf_fns[id(leaf)]):
                    flags[id(leaf)] = f"_b{len(flags)}"
        tested |= names
        names.update(flags[id(leaf)] for leaf in leaves(crule.rule.when) if id(leaf) in flags)
    rule_leaves = tuple((c, tuple(leaves(c.rule.when))) for c in rules)
    chunks = [
        ChunkSpec(
            name=f"rothkb{i}",
            conditions=conditions,
            conclude={c.rule.id: c.rule.conclude for c in part if c.rule.conclude},
            priority={c.rule.id: c.priority for c in part},
            consumes=frozenset(
                (leaf.name, value)
                for c in part
                for leaf in leaves(c.rule.when)
                if leaf.conclusion
                for value in _literal_values(leaf.right)
            ),
            reads=frozenset().union(*(reads[c.rule.id] for c in part)),
        )
        for i, (part, conditions) in enumerate(_chunks(rules, flags))
    ]
    fallbacks = _fallbacks(knowledge)
    compiled = CompiledKnowledge(
        knowledge,
        plan,
        year_params,
        rules,
        tuple(sorted(tested)),
        RulesRuntime(chunks, _origins(knowledge), frozenset(knowledge.facts)),
        leaf_fns,
        rule_leaves,
        {c.rule.id: c.rule.importance for c in rules},
        unknown_facts,
        flags,
        right_names,
        {name: f.assume for name, f in knowledge.facts.items() if f.has_assume},
        fallbacks,
        {name: f.assume_phrase for name, f in knowledge.facts.items() if f.assume_phrase},
        tuple(name for name, _ in plan),
        {r.id: frozenset(PLACEHOLDER.findall(r.advice)) for r in knowledge.rules},
        _refresh(knowledge, plan),
        status_plan(rule_leaves, leaf_fns, right_names, flags),
        status_inputs(rule_leaves, flags),
        conclusion_sources(rule_leaves),
        tuple(flags[id(leaf)] for _, lv in rule_leaves for leaf in lv if id(leaf) in flags),
        assumable=frozenset(name for name, f in knowledge.facts.items() if f.has_assume) | fallbacks.keys(),
    )
    compiled.start_env.update(_start_env(knowledge, unknown_facts, year_params))
    clash = knowledge.facts.keys() & knowledge.parameters.keys()
    if clash:
        compiled.shadowing.update({year: {n: v for n, v in params.items() if n in clash} for year, params in year_params.items()})
    return compiled


def _start_env(
    knowledge: Knowledge, unknown: dict[str, expr.Unknown], year_params: dict[int, dict[str, Any]]
) -> dict[int, dict[str, Any]]:
    """Per year: the unknown facts, then the facts' defaults, then the year's parameters.

    A run copies this and adds the person's facts, which replace an unknown or a default (and
    then puts back any parameter of a fact's name, see ``shadowing``).
    """
    defaults = {name: f.default for name, f in knowledge.facts.items() if f.has_default}
    return {year: {**unknown, **defaults, **params} for year, params in year_params.items()}


def _origins(knowledge: Knowledge) -> dict[str, Problem]:
    """Where each derived value and parameter is defined, for the runtime's messages."""
    out = {
        name: Problem(v.loc.path, v.loc.line, v.loc.column, f"values.{name}.formula", "") for name, v in knowledge.values.items()
    }
    for name, p in knowledge.parameters.items():
        out[name] = Problem(p.loc.path, p.loc.line, p.loc.column, f"parameters.{name}", "")
    return out


def _tests(conditions: Any) -> int:
    """How many comparisons durable_rules makes of a condition list (what its budget counts)."""
    count, stack = 0, [conditions]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            count += sum(1 for key in item if key in _TESTS)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return count


def _chunks(rules: list[CompiledRule], flags: dict[int, str]) -> list[tuple[list[CompiledRule], dict[str, Any]]]:
    """Rules split into rulesets (in order) of at most CHUNK_SIZE rules and CHUNK_TESTS comparisons.

    Raises:
        KnowledgeError: a rule whose conditions alone are over the budget.

    """
    out: list[tuple[list[CompiledRule], dict[str, Any]]] = []
    part: list[CompiledRule] = []
    conditions: dict[str, Any] = {}
    used = 0
    too_big: list[Problem] = []
    for crule in rules:
        conds = _durable_conditions(crule.rule, flags)
        tests = _tests(conds)
        if tests > CHUNK_TESTS:
            loc = crule.rule.loc
            too_big.append(
                Problem(
                    loc.path,
                    loc.line,
                    loc.column,
                    f"rules({crule.rule.id}).when",
                    f"the conditions make {tests} comparisons for the rules engine (at most {CHUNK_TESTS}); "
                    "use ranges (>=, <=) or a named value instead of long lists",
                )
            )
            continue
        if part and (len(part) == CHUNK_SIZE or used + tests > CHUNK_TESTS):
            out.append((part, conditions))
            part, conditions, used = [], {}, 0
        part.append(crule)
        conditions[crule.rule.id] = conds
        used += tests
    if too_big:
        raise KnowledgeError(sorted(too_big))
    if part:
        out.append((part, conditions))
    return out


def _refresh(knowledge: Knowledge, plan: list[tuple[str, Callable[[dict[str, Any]], Any]]]) -> dict[str, tuple[int, ...]]:
    """For every fact, the plan entries (by index) that depend on it directly or through others."""
    reach: dict[str, set[str]] = {}
    for name, _ in plan:  # dependency order: a value's inputs are resolved before it
        if name in knowledge.values:
            direct = expr.names_in(knowledge.values[name].ast)
        else:
            direct = {knowledge.parameters[name].by or "", "tax_year"}
        found: set[str] = set()
        for dep in direct:
            found |= reach.get(dep, {dep})
        reach[name] = found
    return {fact: tuple(i for i, (name, _) in enumerate(plan) if fact in reach[name]) for fact in knowledge.facts}


def _may_be_settled(leaf: Leaf, unknown_facts: dict[str, expr.Unknown], fn: Callable[[dict[str, Any]], Any]) -> bool:
    """Whether the condition can be decided true while a value it reads is unknown (it then needs a
    flag for durable_rules). A test of a fact against a constant can only be, when its type's
    bounds alone decide it (``age >= 0``); a derived value or a second name can carry any bounds.
    """
    if isinstance(leaf.right, expr.Name) or leaf.name not in unknown_facts:
        return True
    return fn({leaf.name: unknown_facts[leaf.name]})[1] is True


def _fallbacks(knowledge: Knowledge) -> dict[str, Callable[[dict[str, Any]], Any]]:
    """``default(fact, fallback)`` in a formula assumes ``fallback`` for ``fact`` (first one found)."""
    out: dict[str, Callable[[dict[str, Any]], Any]] = {}

    def walk(node: expr.Node) -> None:
        if isinstance(node, expr.Call) and node.func == "default" and len(node.args) == 2:
            target, fallback = node.args
            if isinstance(target, expr.Name) and not isinstance(fallback, expr.Null) and target.name in knowledge.facts:
                out.setdefault(target.name, compile_expr(fallback, FUNCTIONS))
        for child in expr.children(node):
            walk(child)

    for name in sorted(knowledge.values):
        walk(knowledge.values[name].ast)
    return out


def _plan(knowledge: Knowledge) -> list[tuple[str, Callable[[dict[str, Any]], Any]]]:
    deps: dict[str, set[str]] = {}
    fns: dict[str, Callable[[dict[str, Any]], Any]] = {}
    for name, value in knowledge.values.items():
        deps[name] = expr.names_in(value.ast)
        where = Problem(value.loc.path, value.loc.line, value.loc.column, f"values.{name}.formula", "")
        fns[name] = compile_expr(value.ast, FUNCTIONS, where)
    for name, param in knowledge.parameters.items():
        if param.by:
            deps[name] = {param.by, "tax_year"}
            fns[name] = _by_param(name, param.by, {y: v.value for y, v in param.values.items()})
    problems: list[Problem] = []

    def circle(cycle: list[str]) -> None:
        name = cycle[0]
        where = knowledge.values.get(name) or knowledge.parameters.get(name)
        loc = where.loc if where else None
        problems.append(
            Problem(
                loc.path if loc else "",
                loc.line if loc else 0,
                loc.column if loc else 0,
                f"values.{name}.formula",
                "circular formula: " + " -> ".join(cycle),
            )
        )

    # Only values and by-parameters are computed; facts and year parameters are leaves.
    order = dependency_order(sorted(deps), lambda name: sorted(deps.get(name, ())), circle)
    if problems:
        raise KnowledgeError(sorted(set(problems)))
    return [(name, fns[name]) for name in order if name in deps]


def _by_param(name: str, by: str, table: dict[int, Any]) -> Callable[[dict[str, Any]], Any]:
    missing = expr.Unknown(frozenset([by]))

    def unknown_key(key_year: tuple[expr.Unknown, int]) -> Any:
        key, year = key_year
        column, values = table[year], key.values or frozenset()  # lookup() passes keys with values
        found = join(*(column.get(str(v)) for v in sorted(values, key=str)), *([None] if key.null else []))
        if found.__class__ is expr.Unknown:
            return expr.Unknown(found.missing | key.missing, found.lo, found.hi, found.values, found.null)
        return found

    # Answers for unknown keys, by (key, year): an unknown key is one object from run to run
    # (an unknown fact, or a canonical derived value), a few distinct ones in all, and an
    # Unknown compares by identity, so the key holds the very object.
    answers: Interned[tuple[expr.Unknown, int], Any] = Interned(unknown_key, 256)

    def lookup(env: dict[str, Any]) -> Any:
        key = env.get(by, missing)  # absent means unknown; only an explicit null does not apply
        if key is None:
            return None
        if isinstance(key, expr.Unknown):
            return key if key.values is None else answers[(key, env["tax_year"])]
        return table[env["tax_year"]].get(str(key))

    return lookup


def _strata(knowledge: Knowledge, producers: dict[str, list[str]]) -> dict[str, int]:
    deps = {
        r.id: {p for leaf in leaves(r.when) if leaf.conclusion for p in producers.get(leaf.name, ())} for r in knowledge.rules
    }
    strata: dict[str, int] = {}
    # Cycles were reported by validation: an edge that closes one is skipped, never followed.
    for rid in dependency_order(list(deps), lambda rid: deps.get(rid, ()), lambda cycle: None):
        strata[rid] = 1 + max((strata[d] for d in deps.get(rid, ()) if d in strata), default=-1)
    return strata


def _literal(node: expr.Node) -> Any:
    if isinstance(node, expr.Num):
        return node.value
    if isinstance(node, (expr.Str, expr.Bool)):
        return node.value
    if isinstance(node, expr.ListLit):
        return [_literal(i) for i in node.items]
    return None


def _literal_values(node: expr.Node) -> list[Any]:
    value = _literal(node)
    return value if isinstance(value, list) else [value]


_PY_OPS = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def _leaf_fn(leaf: Leaf) -> Callable[[dict[str, Any]], tuple[Any, Any]]:
    """A closure ``env -> (left value, status)`` specialised for the leaf's operator.

    Same semantics as :func:`engine.expr_eval.compare` (unknown stays unknown and names what is
    missing; a value that does not apply never satisfies a condition), without its generic
    dispatch: this runs for every condition of every rule on every evaluation.
    """
    name, op, right = leaf.name, leaf.op, leaf.right
    missing_left = expr.Unknown(frozenset([name]))
    Unknown = expr.Unknown
    if isinstance(right, expr.Name) or op in ("in", "not in"):
        rname = right.name if isinstance(right, expr.Name) else None
        const = None if rname else _literal(right)
        missing_right = expr.Unknown(frozenset([rname])) if rname else None

        def generic(env: dict[str, Any]) -> tuple[Any, Any]:
            left = env.get(name, missing_left)
            other = env.get(rname, missing_right) if rname else const
            return left, compare(op, left, other)

        return generic
    const = _literal(right)
    test = _PY_OPS[op]
    numeric = isinstance(const, (int, Decimal)) and not isinstance(const, bool)

    def bounded(left: expr.Unknown) -> Any:
        # Inlined engine.model.bounds.decide for a constant (this runs for every condition):
        # decided when every allowed value agrees; a value that may not apply can only fail.
        values = left.values
        if values is not None:
            try:
                outcomes = {bool(test(v, const)) for v in values}
            except TypeError:
                return compare(op, left, const)
            if left.null:
                outcomes.add(False)
            return outcomes.pop() if len(outcomes) == 1 else left
        lo, hi = left.lo, left.hi
        if not numeric or (lo is None and hi is None):
            return left
        if op in (">", ">="):
            sure, never = lo is not None and test(lo, const), hi is not None and not test(hi, const)
        elif op in ("<", "<="):
            sure, never = hi is not None and test(hi, const), lo is not None and not test(lo, const)
        else:
            apart = (hi is not None and hi < const) or (lo is not None and lo > const)
            sure, never = (apart, False) if op == "!=" else (False, apart)
        if never:
            return False
        return True if sure and not left.null else left

    # The last two Unknowns seen and their results, as one tuple replaced whole (safe across
    # threads): an unknown fact or canonical value is the same object on every evaluation, and
    # the passes without and with assumptions alternate.
    memo: list[tuple[tuple[Any, Any], tuple[Any, Any]]] = [((None, None), (None, None))]

    def by_const(env: dict[str, Any]) -> tuple[Any, Any]:
        left = env.get(name, missing_left)
        if left.__class__ is Unknown:
            first, second = memo[0]
            if first[0] is left:
                return first[1]
            if second[0] is left:
                return second[1]
            result = (left, bounded(left))
            memo[0] = ((left, result), first)
            return result
        if left is None:
            return left, False
        try:
            return left, test(left, const)
        except TypeError:
            return left, False

    return by_const


def _durable_leaf(leaf: Leaf, field: str, flag: str | None = None) -> dict[str, Any]:
    if flag is not None:
        # A condition decided true by bounds while a value it reads is still unknown: the
        # three-valued pass sets the flag, durable_rules reads it (no value is guessed).
        return {"$or": [_durable_leaf(leaf, field), {"$eq": {flag: True}}]}
    right = leaf.right
    if leaf.op in ("in", "not in"):
        items = [_durable_value(i) for i in right.items]  # type: ignore[attr-defined]
        if leaf.op == "in":
            return {"$or": [{"$eq": {field: v}} for v in items]} if len(items) > 1 else {"$eq": {field: items[0]}}
        return _and([{"$neq": {field: v}} for v in items])
    test = {_OPS[leaf.op]: {field: _durable_value(right)}}
    if isinstance(right, expr.Name):
        # durable_rules compares against a *missing* referenced field as if it matched
        # (found by the property test); the reference must exist, as "unknown is not false".
        return {"$and": [{"$ex": {right.name: 1}}, test]}
    return test


def _durable_value(node: expr.Node) -> Any:
    if isinstance(node, expr.Name):
        return {"$m": node.name}
    value = _literal(node)
    if isinstance(value, Decimal):
        # durable_rules serialises rule constants itself; validation keeps them >= 0.0001 so
        # that no float is written in exponent form (which the engine rejects).
        return float(value)
    return value


def _and(items: list[dict[str, Any]]) -> dict[str, Any]:
    # durable_rules allows at most 31 terms in one $and: nest longer lists.
    if len(items) == 1:
        return items[0]
    if len(items) <= 30:
        return {"$and": items}
    return {"$and": items[:29] + [_and(items[29:])]}


def _person_expr(cond: Any, flags: dict[int, str]) -> dict[str, Any]:
    if isinstance(cond, Leaf):
        return _durable_leaf(cond, cond.name, flags.get(id(cond)))
    parts = [_person_expr(item, flags) for item in cond.items]
    if cond.op == "all":
        return _and(parts)
    return {"$or": parts} if len(parts) > 1 else parts[0]


def _durable_conditions(rule: Rule, flags: dict[int, str]) -> list[dict[str, Any]]:
    when = rule.when
    top = list(when.items) if isinstance(when, Group) and when.op == "all" else [when]
    person = [item for item in top if not (isinstance(item, Leaf) and item.conclusion)]
    chained = [item for item in top if isinstance(item, Leaf) and item.conclusion]
    conds: list[dict[str, Any]] = []
    if person or not chained:
        conds.append({"m": _and([{"t": "p"}] + [_person_expr(item, flags) for item in person])})
    for i, leaf in enumerate(chained):
        conds.append({f"c{i}": _and([{"t": "c"}, {"n": leaf.name}, _durable_leaf(leaf, "v")])})
    return conds
