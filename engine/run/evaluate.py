"""Stage 4: run one situation. durable_rules fires the rules; a three-valued evaluator over
the same compiled conditions explains them (fired, not fired with the failing conditions,
undetermined with the facts it waits on), and the two must agree.

Two passes (CONTRACT §7.1). Pass A uses the given facts alone: an unknown fact is known only by
its bounds (money is never negative, ...), so whatever holds for every allowed value is
decided and rests on no assumption. Pass B, run only when pass A still waits on a fact that has
a declared assumption, fills those facts with their assumed answers (and lets formulas'
``default(fact, fallback)`` fall back). The outcome shown is pass B's: a rule or value decided in
A carries no assumption; one decided only in B rests on the assumed facts it waited on in A.
durable_rules fires on pass B's facts, so what fires is what the explanation says applies, and
it must agree with pass B's three-valued statuses.

The result is a :class:`RunResult`; turning it into an explanation is ``engine.trace``'s job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.compile.formulas import FILL
from engine.compile.knowledge import CompiledKnowledge
from engine.errors import EngineFailure
from engine.model.expr import Unknown
from engine.model.knowledge import Leaf
from engine.run.status import node_status

__all__ = ["RunResult", "Statuses", "run", "compute_env", "rule_statuses", "person_fact", "waiting_on"]


@dataclass(frozen=True, slots=True)
class Statuses:
    """The three-valued pass over every rule."""

    #: True, False or an :class:`Unknown` per rule id.
    status: dict[str, Any]
    #: Per rule id: each leaf's ``(value, result)`` keyed by ``id(leaf)``.
    results: dict[str, dict[int, tuple[Any, Any]]]
    #: Per undetermined rule id: the facts it waits on.
    pending: dict[str, frozenset[str]]
    #: Person-fact flags of the conditions decided true by bounds alone (see :func:`person_fact`).
    decided: dict[str, bool]


@dataclass(frozen=True, slots=True)
class RunResult:
    """One situation run: what stage 5 (trace) needs, and nothing it must recompute."""

    facts: dict[str, Any]
    env: dict[str, Any]
    #: Rule ids in durable_rules' firing order.
    order: list[str]
    statuses: Statuses
    #: Pass A (the given facts alone); the same objects as ``env``/``statuses`` when no
    #: assumption applied.
    base_env: dict[str, Any]
    base: Statuses
    #: Facts answered by assumption in pass B: name -> assumed value (empty: pass B not run).
    assumed: dict[str, Any]


_UNKNOWN = Unknown()


def compute_env(compiled: CompiledKnowledge, facts: dict[str, Any], fill: bool = False) -> dict[str, Any]:
    """Facts, defaults, the year's parameters and every derived value (unknowns kept, with bounds).

    Args:
        compiled: The compiled knowledge.
        facts: Validated facts.
        fill: Evaluate with assumptions: ``default(fact, fallback)`` falls back (pass B).

    """
    k = compiled.knowledge
    env: dict[str, Any] = dict(compiled.unknown_facts)
    for name, fact in k.facts.items():
        if fact.has_default and name not in facts:
            env[name] = fact.default
    if fill:
        env[FILL] = True
    env.update(facts)
    env.update(compiled.year_params[facts["tax_year"]])
    for name, fn in compiled.plan:
        env[name] = fn(env)
    return env


def person_fact(compiled: CompiledKnowledge, env: dict[str, Any], statuses: Statuses | None = None) -> dict[str, Any]:
    """The flat fact given to durable_rules: known, applicable values the conditions test, and a
    flag for every condition the three-valued pass decided true by bounds while a value it reads
    is still unknown (durable_rules gets the decided condition, never a guessed value).
    """
    fact = {n: env[n] for n in compiled.condition_names if n in env and env[n] is not None and env[n].__class__ is not Unknown}
    if statuses is not None:
        fact.update(statuses.decided)
    return fact


def rule_statuses(
    compiled: CompiledKnowledge, env: dict[str, Any], base: Statuses | None = None, base_env: dict[str, Any] | None = None
) -> Statuses:
    """The three-valued pass: every rule's status (True, False or Unknown) without durable_rules.

    Args:
        compiled: The compiled knowledge.
        env: The environment of :func:`compute_env`.
        base: The pass over the given facts alone, when ``env`` adds assumptions to them.
        base_env: The environment of ``base``: a condition whose values are the very same
            objects there keeps its result, and a rule all of whose conditions kept theirs keeps
            its status without being combined again.

    Returns:
        The status, leaf results and pending facts of every rule.

    """
    yes: dict[str, dict[Any, list[str]]] = {}
    maybe: dict[str, dict[Any, list[str]]] = {}
    pending_missing: dict[str, frozenset[str]] = {}
    status: dict[str, Any] = {}
    results_by_rule: dict[str, dict[int, tuple[Any, Any]]] = {}
    decided: dict[str, bool] = {}
    again = base is not None and base_env is not None
    if again:
        # The names the conditions read whose values pass B changed (assumed facts and what
        # was recomputed from them): a rule reading none of them is as in pass A.
        changed = {n for n in compiled.condition_names if env.get(n) is not base_env.get(n)}  # type: ignore[union-attr]
        inputs = compiled.status_inputs
    for i, (rule, combine, entries) in enumerate(compiled.status_plan):
        rid = rule.id
        if again:
            names, flags = inputs[i]
            if names is not None and names.isdisjoint(changed):
                state = status[rid] = base.status[rid]  # type: ignore[union-attr]
                results_by_rule[rid] = base.results[rid]  # type: ignore[union-attr]
                for flag in flags:  # the same results decide the same flags
                    if flag in base.decided:  # type: ignore[union-attr]
                        decided[flag] = True
                _note(rule, state, yes, maybe, pending_missing)
                continue
        results: dict[int, tuple[Any, Any]] = {}
        earlier = base.results[rid] if again else None  # type: ignore[union-attr]
        same = earlier is not None
        # Kleene all/any of a flat group, combined as the leaves come (engine.run.status does
        # the same for nested trees): the decisive value wins, else any unknown, else the other.
        decisive = combine == "any"
        hit = False
        unknowns = []
        for leaf, key, conclusion, fn, name, right, flag in entries:
            if conclusion:
                result = results[key] = _conclusion(leaf, yes, maybe, pending_missing)
                if same and result != earlier[key]:  # type: ignore[index]
                    same = False
            else:
                if (
                    earlier is not None
                    and env.get(name) is base_env.get(name)  # type: ignore[union-attr]
                    and (right is None or env.get(right) is base_env.get(right))  # type: ignore[union-attr]
                ):
                    result = results[key] = earlier[key]
                else:
                    same = False
                    result = results[key] = fn(env)  # type: ignore[misc]
                if (
                    result[1] is True
                    and flag is not None
                    and (result[0].__class__ is Unknown or (right is not None and env.get(right, _UNKNOWN).__class__ is Unknown))
                ):
                    decided[flag] = True
            held = result[1]
            if held.__class__ is Unknown:
                unknowns.append(held)
            elif held == decisive:
                hit = True
        if same:  # every condition as in pass A: so is the rule (and its memoised groups)
            state = status[rid] = base.status[rid]  # type: ignore[union-attr]
            results_by_rule[rid] = earlier  # type: ignore[assignment]
            _note(rule, state, yes, maybe, pending_missing)
            continue
        if combine == "leaf":
            state = result[1]
        elif combine:
            if hit:
                state = decisive
            elif unknowns:
                state = Unknown(frozenset().union(*(u.missing for u in unknowns)))
            else:
                state = not decisive
            results[id(rule.when)] = (None, state)
        else:
            state = node_status(rule.when, results)
        status[rid] = state
        results_by_rule[rid] = results
        _note(rule, state, yes, maybe, pending_missing)
    return Statuses(status, results_by_rule, pending_missing, decided)


def _note(rule: Any, state: Any, yes: dict, maybe: dict, pending: dict) -> None:
    """Record the rule's conclusions as certain (fired) or possible (undetermined)."""
    target = maybe if state.__class__ is Unknown else yes if state else None
    if target is not None:
        for name, value in rule.conclude:
            target.setdefault(name, {}).setdefault(value, []).append(rule.id)
        if state.__class__ is Unknown:
            pending[rule.id] = state.missing


def run(compiled: CompiledKnowledge, facts: dict[str, Any]) -> RunResult:
    """Run one situation (facts already validated by :func:`engine.validate.situation.parse_facts`).

    Pass A (facts alone), pass B (with the assumptions pass A waits on) when there are any;
    durable_rules decides what fires (and in which order) on the last pass, the three-valued
    pass explains it. The two must agree, or the run fails loudly rather than let a wrong
    explanation be printed.
    """
    base_env = env = compute_env(compiled, facts)
    base = statuses = rule_statuses(compiled, env)
    assumed: dict[str, Any] = {}
    wanted = waiting_on(compiled, base_env, base, facts)
    if wanted:
        env = _with_assumptions(compiled, base_env, wanted)
        statuses = rule_statuses(compiled, env, base, base_env)
        for name in sorted(wanted):
            assumed[name] = compiled.assume[name] if name in compiled.assume else compiled.fallbacks[name](env)
    order, _ = compiled.runtime.run(person_fact(compiled, env, statuses))
    three = {rid for rid, s in statuses.status.items() if s.__class__ is not Unknown and s}
    if three != set(order):
        raise EngineFailure(
            "internal inconsistency between the rules engine and the explainer for rules: "
            + ", ".join(sorted(three ^ set(order)))
        )
    return RunResult(facts, env, order, statuses, base_env, base, assumed)


def _with_assumptions(compiled: CompiledKnowledge, base_env: dict[str, Any], wanted: set[str]) -> dict[str, Any]:
    """Pass B's environment: pass A's, with the wanted facts assumed and what depends on them recomputed.

    The same as :func:`compute_env` of the filled facts with ``fill``: only values that depend
    on a wanted fact can differ (``default(fact, fallback)`` reads the fact it assumes), and of
    those only the ones pass A left unknown waiting on an assumed fact (a value known from the
    given facts alone stays).
    """
    env = dict(base_env)
    env[FILL] = True
    for name in wanted:
        if name in compiled.assume:
            env[name] = compiled.assume[name]
    plan = compiled.plan
    for i in sorted({i for name in wanted for i in compiled.refresh[name]}):
        name, fn = plan[i]
        before = base_env[name]
        # An unknown names every unknown fact its computation read, so one that names no
        # assumed fact comes out the same.
        if before.__class__ is Unknown and not before.missing.isdisjoint(wanted):
            env[name] = fn(env)
    return env


def waiting_on(compiled: CompiledKnowledge, env: dict[str, Any], statuses: Statuses, facts: dict[str, Any]) -> set[str]:
    """The facts not given, with a declared assumption, that some rule or value still waits on."""
    missing: set[str] = set()
    for name in compiled.derived:
        value = env.get(name)
        if value.__class__ is Unknown:
            missing |= value.missing
    for waits in statuses.pending.values():
        missing |= waits
    return {n for n in missing if (n in compiled.assume or n in compiled.fallbacks) and n not in facts}


def _conclusion(leaf: Leaf, yes: dict, maybe: dict, pending: dict) -> tuple[Any, Any]:
    wanted = [i.value for i in leaf.right.items] if leaf.op == "in" else [leaf.right.value]  # type: ignore[attr-defined]
    got = yes.get(leaf.name, {})
    for value in wanted:
        if value in got:
            return value, True
    could = maybe.get(leaf.name, {})
    rules = [r for value in wanted for r in could.get(value, [])]
    if rules:
        return _UNKNOWN, Unknown(frozenset().union(*(pending.get(r, frozenset()) for r in rules)))
    return (next(iter(got)) if got else None), False
