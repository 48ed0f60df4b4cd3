"""What the facts say was already done, the figure after following advice, and the topics touched.

These read a rule's authored ``done_when`` and ``after_fix`` (see ``knowledge/README.md``). The
figure after a fix is never written by hand: the changed facts are run through the same compiled
formulas as the person's own, and the sentence is filled from that run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from engine.compile import CompiledKnowledge
from engine.compile.formulas import FILL, compile_expr
from engine.model.conditions import PLACEHOLDER, condition_names, names_read
from engine.model.expr import Unknown
from engine.model.functions import FUNCTIONS
from engine.model.knowledge import AfterFix, Knowledge, Rule
from engine.run.evaluate import compute_env
from engine.trace.model import AfterFixFigure

__all__ = ["Fixes", "build_fixes", "done_text", "after_fix", "touched_topics"]

Render = Callable[[str, dict[str, Any]], str]


@dataclass(frozen=True)
class Fixes:
    """Per-knowledge data: compiled after-fix changes and the facts each rule reads."""

    changes: dict[str, tuple[tuple[str, Callable[[dict[str, Any]], Any]], ...]]
    #: Per rule id: the facts it reads, directly or through derived values.
    reads: dict[str, frozenset[str]]
    #: Per fact: its home topic, where the rules reading it weigh most (total importance); giving
    #: the fact touches that topic.
    home: dict[str, frozenset[str]]
    #: Per rule with an after-fix: the indexes into ``compiled.plan`` (in plan order) of the values
    #: to recompute after its change: those that read a changed fact and that its figure or its
    #: sentence reads (no other value of the changed situation is looked at).
    redo: dict[str, tuple[int, ...]]


def _facts_read(k: Knowledge, rule: Rule) -> frozenset[str]:
    return frozenset(n for n in names_read(k, condition_names(rule.when)) if n in k.facts)


def build_fixes(compiled: CompiledKnowledge) -> Fixes:
    """Compile every rule's after-fix changes and index the facts rules read (once per knowledge)."""
    k = compiled.knowledge
    changes = {
        r.id: tuple((name, compile_expr(node, FUNCTIONS)) for name, node in r.after_fix.facts) for r in k.rules if r.after_fix
    }
    reads = {r.id: _facts_read(k, r) for r in k.rules}
    redo = {r.id: _redo(compiled, r.after_fix) for r in k.rules if r.after_fix}
    # A fact read in passing by one rule of another topic (IRA balances by a mega-backdoor note)
    # does not make that topic something the person asked about.
    readers: dict[str, dict[str, int]] = {}
    for r in k.rules:
        for fact in reads[r.id]:
            per = readers.setdefault(fact, {})
            per[r.topic] = per.get(r.topic, 0) + r.importance
    # A fact read across half the topics or more (age, filing status) says nothing about what
    # the person is asking.
    wide = max(2, len({r.topic for r in k.rules}) // 2)
    home = {f: frozenset(t for t, n in per.items() if n == max(per.values())) for f, per in readers.items() if len(per) < wide}
    return Fixes(changes, reads, home, redo)


def _redo(compiled: CompiledKnowledge, fix: AfterFix) -> tuple[int, ...]:
    wanted = names_read(compiled.knowledge, [fix.figure, *PLACEHOLDER.findall(fix.says)])
    plan, refresh = compiled.plan, compiled.refresh
    return tuple(sorted({i for name, _ in fix.facts for i in refresh.get(name, ()) if plan[i][0] in wanted}))


def _done_value(value: Any) -> bool:
    if value is None or value.__class__ is Unknown or value is False:
        return False
    return not (isinstance(value, int | float | Decimal) and value == 0)


def done_text(rule: Rule, facts: dict[str, Any], env: dict[str, Any], render: Render) -> str:
    """The rule's "already done" sentence when every fact it names was given and is not zero or no."""
    if rule.done_when is None or not all(_done_value(facts.get(name)) for name in rule.done_when.facts):
        return ""
    return render(rule.done_when.says, env)


def after_fix(
    compiled: CompiledKnowledge,
    fixes: Fixes,
    rule: Rule,
    facts: dict[str, Any],
    env: dict[str, Any],
    render: Render,
    assumed: dict[str, Any] | None = None,
) -> AfterFixFigure | None:
    """The figure after following ``rule``'s advice, or None when it cannot be computed.

    The changed facts are evaluated on the person's situation, then the whole situation is run
    again, with the same stated assumptions (``assumed``) as the run itself; a change that would
    make a fact unknown or negative is not reported.
    """
    if rule.after_fix is None:
        return None
    shown: dict[str, Any] = {}
    for name, fn in fixes.changes[rule.id]:
        value = fn(env)
        if value is None or value.__class__ is Unknown or (isinstance(value, int | float | Decimal) and value < 0):
            return None
        shown[name] = value
    if all(facts.get(name) == value for name, value in shown.items()):
        return None  # the advice is already followed: nothing changes
    after = _changed_env(compiled, facts, env, shown, assumed, fixes.redo[rule.id])
    value = after.get(rule.after_fix.figure)
    if value is None or value.__class__ is Unknown:
        return None
    vtype = compiled.knowledge.values[rule.after_fix.figure].type if rule.after_fix.figure in compiled.knowledge.values else ""
    return AfterFixFigure(shown, rule.after_fix.figure, value, vtype, render(rule.after_fix.says, after))


def _changed_env(
    compiled: CompiledKnowledge,
    facts: dict[str, Any],
    env: dict[str, Any],
    shown: dict[str, Any],
    assumed: dict[str, Any] | None,
    redo: tuple[int, ...],
) -> dict[str, Any]:
    """The run's environment with the changed facts, and only what depends on them recomputed.

    The run's environment is :func:`compute_env` of the facts with the declared answers filled
    in (and ``fill`` when anything was assumed), so replacing the changed facts and recomputing
    the values that read them (``compiled.refresh``, in plan order) gives what computing it all
    again gives, at a fraction of the cost; of those, only the ones the result is read for
    (``redo``) are recomputed. A change of the year (its parameters) is run whole.
    """
    if "tax_year" in shown or (FILL in env) != bool(assumed):
        # Facts with a declared answer are filled; a formula's stated fallback applies through ``fill``.
        declared = {n: v for n, v in (assumed or {}).items() if n in compiled.assume}
        return compute_env(compiled, {**declared, **facts, **shown}, fill=bool(assumed))
    after = dict(env)
    after.update(shown)
    plan = compiled.plan
    for i in redo:
        name, fn = plan[i]
        after[name] = fn(after)
    return after


def touched_topics(topic: dict[str, str], fixes: Fixes, facts: dict[str, Any], fired: list[str]) -> list[str]:
    """Topics the person's facts touch: a rule of the topic fired, or it is the home of a fact given.

    Args:
        topic: Every rule's topic, by rule id.
        fixes: The per-knowledge table of :func:`build_fixes` (each fact's home topics).
        facts: The facts given.
        fired: The ids of the rules that fired.

    """
    topics = {topic[rid] for rid in fired}
    for name in facts:
        topics |= fixes.home.get(name, frozenset())
    return sorted(t for t in topics if t)
