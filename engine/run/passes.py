"""The three-valued pass: every rule's status (True, False or Unknown) without durable_rules.

Pass A (the given facts alone) evaluates every condition; pass B (with assumptions) starts
from pass A and looks again only at what the assumptions changed (CONTRACT §7.1; see
:mod:`engine.run.evaluate`). Leaf results are ``results[rule id][id(leaf)] = (left value,
status)``, what the trace reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.compile.knowledge import CompiledKnowledge
from engine.model.expr import Unknown
from engine.model.knowledge import Leaf
from engine.run.status import node_status

__all__ = ["Statuses", "rule_statuses"]

_UNKNOWN = Unknown()


@dataclass(frozen=True, slots=True)
class Statuses:
    """The three-valued pass over every rule."""

    #: True, False or an :class:`Unknown` per rule id.
    status: dict[str, Any]
    #: Per rule id: each leaf's ``(value, result)`` keyed by ``id(leaf)``.
    results: dict[str, dict[int, tuple[Any, Any]]]
    #: Per undetermined rule id: the facts it waits on.
    pending: dict[str, frozenset[str]]
    #: Person-fact flags of the conditions decided true by bounds alone (see ``person_fact``).
    decided: dict[str, bool]


def rule_statuses(
    compiled: CompiledKnowledge,
    env: dict[str, Any],
    base: Statuses | None = None,
    base_env: dict[str, Any] | None = None,
    changed: set[str] | None = None,
) -> Statuses:
    """The three-valued pass: every rule's status (True, False or Unknown) without durable_rules.

    Args:
        compiled: The compiled knowledge.
        env: The environment of :func:`engine.run.evaluate.compute_env`.
        base: The pass over the given facts alone, when ``env`` adds assumptions to them.
        base_env: The environment of ``base``: a rule none of whose names has changed keeps
            its results and status, and a condition whose values are the very same objects
            there keeps its result.
        changed: The names whose values differ between ``base_env`` and ``env`` (worked out
            here when not given).

    Returns:
        The status, leaf results and pending facts of every rule.

    """
    if base is None or base_env is None:
        return _alone(compiled, env)
    if changed is None:
        changed = {n for n in compiled.condition_names if env.get(n) is not base_env.get(n)}
    return _again(compiled, env, base, changed)


def _alone(compiled: CompiledKnowledge, env: dict[str, Any]) -> Statuses:
    """Pass A: every condition of every rule, in rule order (conclusions chain forward)."""
    yes: dict[str, dict[Any, list[str]]] = {}
    maybe: dict[str, dict[Any, list[str]]] = {}
    pending: dict[str, frozenset[str]] = {}
    status: dict[str, Any] = {}
    results_by_rule: dict[str, dict[int, tuple[Any, Any]]] = {}
    decided: dict[str, bool] = {}
    for rule, combine, entries in compiled.status_plan:
        results: dict[int, tuple[Any, Any]] = {}
        # Kleene all/any of a flat group, combined as the leaves come (engine.run.status does
        # the same for nested trees): the decisive value wins, else any unknown, else the other.
        decisive = combine == "any"
        hit = False
        unknowns = []
        for leaf, key, conclusion, fn, _, right, flag in entries:
            if conclusion:
                result = results[key] = _conclusion(leaf, yes, maybe, pending)
            else:
                result = results[key] = fn(env)  # type: ignore[misc]
                if flag is not None and result[1] is True and _by_bounds(result, right, env):
                    decided[flag] = True
            held = result[1]
            if held.__class__ is Unknown:
                unknowns.append(held)
            elif held == decisive:
                hit = True
        status[rule.id] = state = _combine(rule, combine, results, result, hit, unknowns, decisive)
        results_by_rule[rule.id] = results
        _note(rule, state, yes, maybe, pending)
    return Statuses(status, results_by_rule, pending, decided)


def _by_bounds(result: tuple[Any, Any], right: str | None, env: dict[str, Any]) -> bool:
    """A true condition settled by bounds while an operand is still unknown (durable_rules gets a flag)."""
    return result[0].__class__ is Unknown or (right is not None and env.get(right, _UNKNOWN).__class__ is Unknown)


def _again(compiled: CompiledKnowledge, env: dict[str, Any], base: Statuses, changed: set[str]) -> Statuses:
    """Pass B: pass A's results except where a value the conditions read has changed."""
    yes: dict[str, dict[Any, list[str]]] = {}
    maybe: dict[str, dict[Any, list[str]]] = {}
    pending: dict[str, frozenset[str]] = {}
    status: dict[str, Any] = {}
    results_by_rule: dict[str, dict[int, tuple[Any, Any]]] = {}
    decided: dict[str, bool] = {}
    # ``changed``: the names whose values pass B changed (assumed facts and what was recomputed
    # from them): a rule reading none of them (and no conclusion) is as in pass A.
    for (rule, combine, entries), (names, flags) in zip(compiled.status_plan, compiled.status_inputs, strict=True):
        rid = rule.id
        earlier = base.results[rid]
        if names is not None and names.isdisjoint(changed):
            state = status[rid] = base.status[rid]
            results_by_rule[rid] = earlier
            for kept in flags:  # the same results decide the same flags
                if kept in base.decided:
                    decided[kept] = True
            _note(rule, state, yes, maybe, pending)
            continue
        results: dict[int, tuple[Any, Any]] = {}
        same = True
        decisive = combine == "any"
        hit = False
        unknowns = []
        for leaf, key, conclusion, fn, name, right, flag in entries:
            if conclusion:
                result = results[key] = _conclusion(leaf, yes, maybe, pending)
                if same and result != earlier[key]:
                    same = False
            else:
                if name not in changed and right not in changed:  # right: None or a name
                    result = results[key] = earlier[key]
                else:
                    same = False
                    result = results[key] = fn(env)  # type: ignore[misc]
                if flag is not None and result[1] is True and _by_bounds(result, right, env):
                    decided[flag] = True
            held = result[1]
            if held.__class__ is Unknown:
                unknowns.append(held)
            elif held == decisive:
                hit = True
        if same:  # every condition as in pass A: so is the rule (and its memoised groups)
            state = status[rid] = base.status[rid]
            results_by_rule[rid] = earlier
        else:
            status[rid] = state = _combine(rule, combine, results, result, hit, unknowns, decisive)
            results_by_rule[rid] = results
        _note(rule, state, yes, maybe, pending)
    return Statuses(status, results_by_rule, pending, decided)


def _combine(rule: Any, combine: str, results: dict, last: tuple[Any, Any], hit: bool, unknowns: list, decisive: bool) -> Any:
    """The rule's status from its leaves' results (memoised in ``results`` for a flat group)."""
    if combine == "leaf":
        return last[1]
    if not combine:
        return node_status(rule.when, results)
    if hit:
        state: Any = decisive
    elif unknowns:
        missing = unknowns[0].missing if len(unknowns) == 1 else frozenset().union(*(u.missing for u in unknowns))
        state = Unknown(missing)
    else:
        state = not decisive
    results[id(rule.when)] = (None, state)
    return state


def _note(rule: Any, state: Any, yes: dict, maybe: dict, pending: dict) -> None:
    """Record the rule's conclusions as certain (fired) or possible (undetermined)."""
    target = maybe if state.__class__ is Unknown else yes if state else None
    if target is not None:
        for name, value in rule.conclude:
            target.setdefault(name, {}).setdefault(value, []).append(rule.id)
        if state.__class__ is Unknown:
            pending[rule.id] = state.missing


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
