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
from engine.model.bounds import canonical
from engine.model.expr import Unknown
from engine.run.passes import Statuses, rule_statuses

__all__ = ["RunResult", "Statuses", "run", "compute_env", "rule_statuses", "person_fact", "waiting_on"]


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


def compute_env(compiled: CompiledKnowledge, facts: dict[str, Any], fill: bool = False) -> dict[str, Any]:
    """Facts, defaults, the year's parameters and every derived value (unknowns kept, with bounds).

    Args:
        compiled: The compiled knowledge.
        facts: Validated facts.
        fill: Evaluate with assumptions: ``default(fact, fallback)`` falls back (pass B).

    """
    env: dict[str, Any] = dict(compiled.start_env[facts["tax_year"]])
    env.update(facts)
    if compiled.shadowing:
        env.update(compiled.shadowing[facts["tax_year"]])
    if fill:
        env[FILL] = True
    for name, fn in compiled.plan:
        value = fn(env)
        env[name] = value if value.__class__ is not Unknown else canonical(value)
    return env


def person_fact(compiled: CompiledKnowledge, env: dict[str, Any], statuses: Statuses | None = None) -> dict[str, Any]:
    """The flat fact given to durable_rules: known, applicable values the conditions test, and a
    flag for every condition the three-valued pass decided true by bounds while a value it reads
    is still unknown (durable_rules gets the decided condition, never a guessed value).
    """
    get = env.get
    fact = {}
    for name in compiled.condition_names:
        value = get(name)  # None: absent or does not apply, both left out
        if value is not None and value.__class__ is not Unknown:
            fact[name] = value
    if statuses is not None:
        fact.update(statuses.decided)
    return fact


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
        env, changed = _with_assumptions(compiled, base_env, wanted)
        statuses = rule_statuses(compiled, env, base, base_env, changed)
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


def _with_assumptions(compiled: CompiledKnowledge, base_env: dict[str, Any], wanted: set[str]) -> tuple[dict[str, Any], set[str]]:
    """Pass B's environment: pass A's, with the wanted facts assumed and what depends on them recomputed.

    The same as :func:`compute_env` of the filled facts with ``fill``: only values that depend
    on a wanted fact can differ (``default(fact, fallback)`` reads the fact it assumes), and of
    those only the ones pass A left unknown waiting on an assumed fact (a value known from the
    given facts alone stays).

    Returns:
        The environment, and the names whose value it changed (what pass B must look at again).

    """
    env = dict(base_env)
    env[FILL] = True
    changed: set[str] = set()
    for name in wanted:
        if name in compiled.assume:
            env[name] = compiled.assume[name]
            changed.add(name)
    plan = compiled.plan
    for i in _refresh_order(compiled, wanted):
        name, fn = plan[i]
        before = base_env[name]
        # An unknown names every unknown fact its computation read, so one that names no
        # assumed fact comes out the same.
        if before.__class__ is Unknown and not before.missing.isdisjoint(wanted):
            value = fn(env)
            if value.__class__ is Unknown:
                value = canonical(value)
            env[name] = value
            if value is not before:
                changed.add(name)
    return env, changed


def _refresh_order(compiled: CompiledKnowledge, wanted: set[str]) -> tuple[int, ...]:
    """The plan indexes that depend on any wanted fact, in plan order (memoised per set)."""
    orders = compiled.refresh_orders
    key = frozenset(wanted)
    order = orders.get(key)
    if order is None:
        order = tuple(sorted({i for name in wanted for i in compiled.refresh[name]}))
        if len(orders) >= 4096:  # a memory bound (sets of assumable facts); a dict is safe across threads
            orders.clear()
        orders[key] = order
    return order


def waiting_on(compiled: CompiledKnowledge, env: dict[str, Any], statuses: Statuses, facts: dict[str, Any]) -> set[str]:
    """The facts not given, with a declared assumption, that some rule or value still waits on."""
    # Every derived value is in ``env`` (compute_env sets each plan entry).
    waits = [v.missing for v in map(env.__getitem__, compiled.derived) if v.__class__ is Unknown]
    missing: set[str] = set().union(*waits, *statuses.pending.values())
    return (missing & compiled.assumable) - facts.keys()
