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
from engine.model.bounds import waiting
from engine.model.expr import Unknown
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
    pending: dict[str, frozenset[str]] = {}
    status: dict[str, Any] = {}
    results_by_rule: dict[str, dict[int, tuple[Any, Any]]] = {}
    decided: dict[str, bool] = {}
    sources = compiled.conclusion_sources
    for rule, combine, entries in compiled.status_plan:
        results: dict[int, tuple[Any, Any]] = {}
        # Kleene all/any of a flat group, combined as the leaves come (engine.run.status does
        # the same for nested trees): the decisive value wins, else any unknown, else the other.
        decisive = combine == "any"
        hit = False
        unknowns = []
        for _, key, conclusion, fn, _, right, flag in entries:
            if conclusion:
                result = results[key] = _conclusion(sources[key], status)
            else:
                result = results[key] = fn(env)  # type: ignore[misc]
                if flag is not None and result[1] is True and _by_bounds(result, right, env):
                    decided[flag] = True
            held = result[1]
            if held.__class__ is Unknown:
                unknowns.append(held)
            elif held == decisive:
                hit = True
        rid = rule.id
        status[rid] = state = _combine(rule, combine, results, result, hit, unknowns, decisive)
        results_by_rule[rid] = results
        if state.__class__ is Unknown:
            pending[rid] = state.missing
    return Statuses(status, results_by_rule, pending, decided)


def _by_bounds(result: tuple[Any, Any], right: str | None, env: dict[str, Any]) -> bool:
    """A true condition settled by bounds while an operand is still unknown (durable_rules gets a flag)."""
    return result[0].__class__ is Unknown or (right is not None and env.get(right, _UNKNOWN).__class__ is Unknown)


def _again(compiled: CompiledKnowledge, env: dict[str, Any], base: Statuses, changed: set[str]) -> Statuses:
    """Pass B: pass A's results except where a value the conditions read has changed.

    ``changed``: the names whose values pass B changed (assumed facts and what was recomputed
    from them). A rule reading none of them, whose producing rules (of the conclusions it
    tests) all kept their pass-A status, is as in pass A; the others are looked at again, each
    condition whose names did not change keeping its pass-A result.
    """
    status = dict(base.status)
    results_by_rule = dict(base.results)
    pending = dict(base.pending)
    decided = dict(base.decided)
    sources = compiled.conclusion_sources
    moved: set[str] = set()  # rules whose status differs from pass A
    reorder = False
    for (rule, combine, entries), (names, upstream, flags) in zip(compiled.status_plan, compiled.status_inputs, strict=True):
        if names.isdisjoint(changed) and (not upstream or upstream.isdisjoint(moved)):
            continue
        rid = rule.id
        earlier = base.results[rid]
        for kept in flags:  # set again below by the conditions that decide them
            if decided.pop(kept, None):
                reorder = True
        results: dict[int, tuple[Any, Any]] = {}
        same = True
        decisive = combine == "any"
        hit = False
        unknowns = []
        for _, key, conclusion, fn, name, right, flag in entries:
            if conclusion:
                result = results[key] = _conclusion(sources[key], status)
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
            continue
        status[rid] = state = _combine(rule, combine, results, result, hit, unknowns, decisive)
        results_by_rule[rid] = results
        reorder = _settle(rid, state, base.status[rid], pending, moved) or reorder
    if reorder:  # in rule order, as pass A lists them (the person fact and the trace read them in order)
        pending = {rid: pending[rid] for rid in status if rid in pending}
        decided = {flag: True for flag in compiled.flag_order if flag in decided}
    return Statuses(status, results_by_rule, pending, decided)


def _settle(rid: str, state: Any, before: Any, pending: dict[str, frozenset[str]], moved: set[str]) -> bool:
    """Record a rule's new status in ``pending`` and ``moved``; True when ``pending`` gained or lost it."""
    if state.__class__ is Unknown:
        if before.__class__ is not Unknown or before.missing != state.missing:
            moved.add(rid)
        gained = rid not in pending
        pending[rid] = state.missing
        return gained
    if before.__class__ is Unknown or before != state:
        moved.add(rid)
    return pending.pop(rid, None) is not None


def _combine(rule: Any, combine: str, results: dict, last: tuple[Any, Any], hit: bool, unknowns: list, decisive: bool) -> Any:
    """The rule's status from its leaves' results (memoised in ``results`` for a flat group)."""
    if combine == "leaf":
        return last[1]
    if not combine:
        return node_status(rule.when, results)
    if hit:
        state: Any = decisive
    elif unknowns:
        missing = unknowns[0].missing
        for other in unknowns[1:]:
            missing = missing | other.missing
        state = waiting(missing)
    else:
        state = not decisive
    results[id(rule.when)] = (None, state)
    return state


def _conclusion(source: tuple[tuple[Any, ...], tuple[tuple[str, Any], ...]], status: dict[str, Any]) -> tuple[Any, Any]:
    """A condition on a conclusion: true when an earlier rule that applies concludes one of the
    accepted values, unknown (waiting on what those rules wait on) when only undetermined ones
    could, else false, showing the first value an applying rule concluded (None: none did).
    """
    wanted, producers = source
    fired: list[Any] = []
    could: list[frozenset[str]] = []
    for rid, value in producers:
        state = status[rid]
        if state.__class__ is Unknown:
            if value in wanted:
                could.append(state.missing)
        elif state:
            fired.append(value)
    for value in wanted:
        if value in fired:
            return value, True
    if could:
        return _UNKNOWN, waiting(could[0] if len(could) == 1 else frozenset().union(*could))
    return (fired[0] if fired else None), False
