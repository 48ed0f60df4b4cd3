"""Stage 4: run one situation. durable_rules fires the rules; a three-valued evaluator over
the same compiled conditions explains them (fired, not fired with the failing conditions,
undetermined with the facts it waits on), and the two must agree.

The result is a :class:`RunResult`; turning it into an explanation is ``engine.trace``'s job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.compile.knowledge import CompiledKnowledge
from engine.errors import EngineFailure
from engine.model.expr import Unknown
from engine.model.knowledge import Leaf
from engine.run.status import node_status

__all__ = ["RunResult", "Statuses", "run", "compute_env", "rule_statuses", "person_fact"]


@dataclass(frozen=True, slots=True)
class Statuses:
    """The three-valued pass over every rule."""

    #: True, False or an :class:`Unknown` per rule id.
    status: dict[str, Any]
    #: Per rule id: each leaf's ``(value, result)`` keyed by ``id(leaf)``.
    results: dict[str, dict[int, tuple[Any, Any]]]
    #: Per undetermined rule id: the facts it waits on.
    pending: dict[str, frozenset[str]]


@dataclass(frozen=True, slots=True)
class RunResult:
    """One situation run: what stage 5 (trace) needs, and nothing it must recompute."""

    facts: dict[str, Any]
    env: dict[str, Any]
    #: Rule ids in durable_rules' firing order.
    order: list[str]
    statuses: Statuses


_UNKNOWN = Unknown()


def compute_env(compiled: CompiledKnowledge, facts: dict[str, Any]) -> dict[str, Any]:
    """Facts, defaults, the year's parameters and every derived value (unknowns kept)."""
    k = compiled.knowledge
    env: dict[str, Any] = {}
    for name, fact in k.facts.items():
        if fact.has_default and name not in facts:
            env[name] = fact.default
    env.update(facts)
    env.update(compiled.year_params[facts["tax_year"]])
    for name, fn in compiled.plan:
        env[name] = fn(env)
    return env


def person_fact(compiled: CompiledKnowledge, env: dict[str, Any]) -> dict[str, Any]:
    """The flat fact given to durable_rules: known, applicable values the conditions test."""
    return {n: env[n] for n in compiled.condition_names if n in env and env[n] is not None and env[n].__class__ is not Unknown}


def rule_statuses(compiled: CompiledKnowledge, env: dict[str, Any]) -> Statuses:
    """The three-valued pass: every rule's status (True, False or Unknown) without durable_rules.

    Returns:
        The status, leaf results and pending facts of every rule.

    """
    yes: dict[str, dict[Any, list[str]]] = {}
    maybe: dict[str, dict[Any, list[str]]] = {}
    pending_missing: dict[str, frozenset[str]] = {}
    status: dict[str, Any] = {}
    results_by_rule: dict[str, dict[int, tuple[Any, Any]]] = {}
    leaf_fns = compiled.leaf_fns
    for crule, rule_leaves in compiled.rule_leaves:
        rule = crule.rule
        results: dict[int, tuple[Any, Any]] = {}
        for leaf in rule_leaves:
            if leaf.conclusion:
                results[id(leaf)] = _conclusion(leaf, yes, maybe, pending_missing)
            else:
                results[id(leaf)] = leaf_fns[id(leaf)](env)
        state = node_status(rule.when, results)
        status[rule.id] = state
        results_by_rule[rule.id] = results
        target = maybe if state.__class__ is Unknown else yes if state else None
        if target is not None:
            for name, value in rule.conclude:
                target.setdefault(name, {}).setdefault(value, []).append(rule.id)
            if state.__class__ is Unknown:
                pending_missing[rule.id] = state.missing
    return Statuses(status, results_by_rule, pending_missing)


def run(compiled: CompiledKnowledge, facts: dict[str, Any]) -> RunResult:
    """Run one situation (facts already validated by :func:`engine.validate.situation.parse_facts`).

    durable_rules decides what fires (and in which order); the three-valued pass explains it.
    The two must agree, or the run fails loudly rather than let a wrong explanation be printed.
    """
    env = compute_env(compiled, facts)
    order, _ = compiled.runtime.run(person_fact(compiled, env))
    statuses = rule_statuses(compiled, env)
    three = {rid for rid, s in statuses.status.items() if s.__class__ is not Unknown and s}
    if three != set(order):
        raise EngineFailure(
            "internal inconsistency between the rules engine and the explainer for rules: "
            + ", ".join(sorted(three ^ set(order)))
        )
    return RunResult(facts, env, order, statuses)


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
