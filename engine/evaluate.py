"""Stage 4: run one situation. durable_rules fires the rules; a three-valued evaluator over
the same compiled conditions explains them (fired, not fired with the failing conditions,
undetermined with the facts it waits on), and the two must agree.
"""

from __future__ import annotations

import re
from typing import Any

from .compile import CompiledKnowledge, CompiledRule
from .counterfactual import Requirement, requirements
from .errors import EngineFailure
from .expr import Unknown, render
from .model import Leaf
from .trace import (
    Check,
    Explanation,
    Figure,
    NotFired,
    SourceInfo,
    Step,
    Undetermined,
    format_value,
)
from .validate_rules import PLACEHOLDER

__all__ = ["evaluate", "compute_env", "value_types", "rule_statuses", "person_fact"]

_UNKNOWN = Unknown()


def value_types(compiled: CompiledKnowledge) -> dict[str, str]:
    """Display type of every name (money, ratio, int, ...)."""
    cache = getattr(compiled, "_types", None)
    if cache is None:
        k = compiled.knowledge
        cache = {n: f.type for n, f in k.facts.items()}
        cache.update({n: ("money" if p.unit == "usd" else p.unit) for n, p in k.parameters.items()})
        cache.update({n: v.type for n, v in k.values.items()})
        compiled._types = cache  # type: ignore[attr-defined]
    return cache


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


def _status(cond: Any, results: dict[int, tuple[Any, Any]]) -> Any:
    if isinstance(cond, Leaf):
        return results[id(cond)][1]
    unknowns = []
    decisive = cond.op == "any"
    for item in cond.items:
        value = _status(item, results)
        if value.__class__ is Unknown:
            unknowns.append(value)
        elif value == decisive:
            return decisive
    if unknowns:
        return Unknown(frozenset().union(*(u.missing for u in unknowns)))
    return not decisive


def _select(cond: Any, results: dict[int, tuple[Any, Any]], want: Any) -> list[Leaf]:
    """The leaves responsible for ``cond`` having status ``want`` (True/False/Unknown)."""
    if isinstance(cond, Leaf):
        return [cond]
    out: list[Leaf] = []
    for item in cond.items:
        value = _status(item, results)
        same = value.__class__ is Unknown if want is _UNKNOWN else (value.__class__ is not Unknown and value == want)
        if same:
            out += _select(item, results, want)
    return out


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
    for crule in compiled.rules:
        rule = crule.rule
        results: dict[int, tuple[Any, Any]] = {}
        for leaf in _leaves(rule.when):
            if leaf.conclusion:
                results[id(leaf)] = _conclusion(leaf, yes, maybe, pending_missing)
            else:
                results[id(leaf)] = compiled.leaf_fns[id(leaf)](env)
        state = _status(rule.when, results)
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
    year = facts["tax_year"]
    env = compute_env(compiled, facts)
    order, _ = compiled.runtime.run(person_fact(compiled, env))
    status, results_by_rule, pending_missing = rule_statuses(compiled, env)
    three = {rid for rid, s in status.items() if s.__class__ is not Unknown and s}
    if three != set(order):
        raise EngineFailure(
            "internal inconsistency between the rules engine and the explainer for rules: "
            + ", ".join(sorted(three ^ set(order))))
    return _build(compiled, facts, env, order, status, results_by_rule, pending_missing, year)


def _leaves(cond: Any) -> list[Leaf]:
    if isinstance(cond, Leaf):
        return [cond]
    return [leaf for item in cond.items for leaf in _leaves(item)]


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


def _check(compiled: CompiledKnowledge, env: dict[str, Any], leaf: Leaf, result: tuple[Any, Any],
           year: int) -> Check:
    k = compiled.knowledge
    types = value_types(compiled)
    left, holds = result
    right = leaf.right
    threshold_name = threshold = None
    sources: list[str] = []
    vtype = types.get(leaf.name, "enum" if leaf.conclusion else "")
    missing: set[str] = set()
    if left.__class__ is Unknown:
        missing |= left.missing
    if hasattr(right, "name") and not leaf.conclusion:
        threshold_name = right.name  # type: ignore[attr-defined]
        threshold = env.get(threshold_name)
        threshold = None if threshold.__class__ is Unknown else threshold
        if threshold_name in k.parameters:
            sources = [k.parameters[threshold_name].values[year].source]
        elif threshold_name in k.values:
            sources = [c.source for c in k.values[threshold_name].sources]
        shown = format_plain(threshold)
    else:
        shown = render(right)
    if holds.__class__ is Unknown:
        missing |= holds.missing
    facts = compiled.knowledge.facts
    return Check(
        fact=leaf.name, value=None if left.__class__ is Unknown else left, test=f"{leaf.op} {shown}",
        holds=None if holds.__class__ is Unknown else bool(holds), threshold_name=threshold_name,
        threshold=threshold, threshold_sources=sources,
        missing=sorted(m for m in missing if m in facts), text=leaf.text, value_type=vtype,
    )


def _requirement(compiled: CompiledKnowledge, env: dict[str, Any], leaf: Leaf, year: int) -> Requirement:
    """The requirement that ``leaf`` hold, with its threshold resolved for this person."""
    k = compiled.knowledge
    right = leaf.right
    if hasattr(right, "name") and not leaf.conclusion:
        name = right.name  # type: ignore[attr-defined]
        value = env.get(name)
        sources = ([k.parameters[name].values[year].source] if name in k.parameters
                   else [c.source for c in k.values[name].sources] if name in k.values else [])
        return Requirement(leaf.name, leaf.op, None if value.__class__ is Unknown else value, name, sources,
                           value_types(compiled).get(leaf.name, ""))
    if hasattr(right, "items"):
        threshold: Any = [item.value for item in right.items]  # type: ignore[attr-defined]
    else:
        threshold = getattr(right, "value", None)
    return Requirement(leaf.name, leaf.op, threshold, None, [], value_types(compiled).get(leaf.name, "enum"),
                       leaf.conclusion)


def format_plain(value: Any) -> str:
    """A threshold as plain text for the ``test`` string (``165000``, ``0.06``)."""
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "true" if value else "false"
    return format_value(value) if not isinstance(value, str) else value


def render_advice(text: str, env: dict[str, Any], types: dict[str, str]) -> str:
    """Fill ``{name}`` placeholders with the person's formatted values."""
    def fill(match: re.Match[str]) -> str:
        value = env.get(match.group(1), _UNKNOWN)
        if value.__class__ is Unknown:
            return "(unknown)"
        if value is None:
            return "(does not apply)"
        return format_value(value, types.get(match.group(1), ""))
    return " ".join(PLACEHOLDER.sub(fill, text).split())


def _build(compiled: CompiledKnowledge, facts: dict[str, Any], env: dict[str, Any], order: list[str],
           status: dict[str, Any], results: dict[str, dict[int, tuple[Any, Any]]],
           pending: dict[str, frozenset[str]], year: int) -> Explanation:
    from .questions import rank_questions
    k = compiled.knowledge
    types = value_types(compiled)
    by_id: dict[str, CompiledRule] = {c.rule.id: c for c in compiled.rules}
    steps: list[Step] = []
    cited: list[str] = []
    for n, rid in enumerate(order, 1):
        rule = by_id[rid].rule
        because = [_check(compiled, env, leaf, results[rid][id(leaf)], year) for leaf in _select(rule.when, results[rid], True)]
        steps.append(Step(n, rid, rule.title, rule.kind, rule.importance, render_advice(rule.advice, env, types),
                          because, dict(rule.conclude), [(c.source, c.pinpoint) for c in rule.sources],
                          " ".join(rule.because.split()), rule.deadline))
        cited += [c.source for c in rule.sources] + [s for ch in because for s in ch.threshold_sources]
    not_fired, undetermined = [], []
    for crule in compiled.rules:
        rule, state = crule.rule, status[crule.rule.id]
        if state.__class__ is Unknown:
            chosen = _select(rule.when, results[rule.id], _UNKNOWN)
            checks = [_check(compiled, env, leaf, results[rule.id][id(leaf)], year) for leaf in chosen]
            own = {m for ch, leaf in zip(checks, chosen, strict=True) if not leaf.conclusion for m in ch.missing}
            missing = sorted({m for ch in checks for m in ch.missing}
                             | {m for m in pending.get(rule.id, ()) if m in k.facts})
            undetermined.append(Undetermined(rule.id, rule.title, missing, checks, sorted(set(missing) - own)))
        elif not state:
            chosen = _select(rule.when, results[rule.id], False)
            checks = [_check(compiled, env, leaf, results[rule.id][id(leaf)], year) for leaf in chosen]
            alternatives = requirements(rule.when, results[rule.id],
                                        lambda leaf, r=rule: _requirement(compiled, env, leaf, year))
            not_fired.append(NotFired(rule.id, rule.title, checks, alternatives))
    figures, form = [], []
    for name, value in k.values.items():
        if not (value.figure or value.form8606):
            continue
        current = env.get(name)
        if current is None or current.__class__ is Unknown:
            continue
        fig = Figure(str(value.form8606 or name), current, value.type, value.description,
                     [(c.source, c.pinpoint) for c in value.sources])
        (form if value.form8606 else figures).append(fig)
        cited += [c.source for c in value.sources]
    if form:
        form.sort(key=lambda f: int(f.name.split("_")[1].rstrip("abc") or 0))
    questions = rank_questions(compiled, undetermined)
    sources = {}
    for sid in sorted(dict.fromkeys(cited)):
        src = k.sources[sid]
        sources[sid] = SourceInfo(sid, src.title, src.url, src.kind, src.pinpoint)
    return Explanation(year, k.version, dict(facts), list(order), steps, figures, form, not_fired,
                       undetermined, questions, sources)
