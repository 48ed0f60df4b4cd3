"""Stage 4: run one situation. durable_rules fires the rules; a three-valued evaluator over
the same compiled conditions explains them (fired, not fired with the failing conditions,
undetermined with the facts it waits on), and the two must agree.
"""

from __future__ import annotations

from typing import Any

from .assemble import assemble, static
from .compile import CompiledKnowledge
from .errors import EngineFailure
from .expr import Unknown
from .model import Leaf
from .status import node_status
from .trace import Explanation

__all__ = ["evaluate", "compute_env", "rule_statuses", "person_fact"]

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
    return {n: env[n] for n in compiled.condition_names
            if n in env and env[n] is not None and env[n].__class__ is not Unknown}


def rule_statuses(compiled: CompiledKnowledge, env: dict[str, Any]) -> tuple[dict[str, Any], dict, dict]:
    """The three-valued pass: every rule's status (True, False or Unknown) without durable_rules.

    Returns:
        ``(status by rule id, leaf results by rule id, facts each undetermined rule waits on)``.

    """
    yes: dict[str, dict[Any, list[str]]] = {}
    maybe: dict[str, dict[Any, list[str]]] = {}
    pending_missing: dict[str, frozenset[str]] = {}
    status: dict[str, Any] = {}
    results_by_rule: dict[str, dict[int, tuple[Any, Any]]] = {}
    leaf_fns = compiled.leaf_fns
    for crule, rule_leaves in static(compiled).rule_leaves:
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
    return status, results_by_rule, pending_missing


def evaluate(compiled: CompiledKnowledge, facts: dict[str, Any]) -> Explanation:
    """Explain one situation (facts already validated by :func:`engine.facts.parse_facts`).

    durable_rules decides what fires (and in which order); the three-valued pass explains it.
    The two must agree, or the evaluation fails loudly rather than print a wrong explanation.
    """
    env = compute_env(compiled, facts)
    order, _ = compiled.runtime.run(person_fact(compiled, env))
    status, results_by_rule, pending_missing = rule_statuses(compiled, env)
    three = {rid for rid, s in status.items() if s.__class__ is not Unknown and s}
    if three != set(order):
        raise EngineFailure(
            "internal inconsistency between the rules engine and the explainer for rules: "
            + ", ".join(sorted(three ^ set(order))))
    return assemble(compiled, facts, env, order, status, results_by_rule, pending_missing)


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
