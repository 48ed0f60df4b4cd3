"""Per-knowledge tables for the trace, built once when a knowledge base is loaded.

Everything that depends only on the knowledge is prepared here, so that assembling one
explanation spends its time on the person: per condition (:class:`LeafRow`) its name, test
text, thresholds' sources per year and requirement phrase; per rule (:class:`RuleRow`) its
constants, its advice split into templates and its conditions in evaluation order; per
figure, per fact asked and per source the constant parts of what the trace shows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from engine.compile import CompiledKnowledge
from engine.model.expr import render
from engine.model.knowledge import Leaf, Rule
from engine.trace.advice import Template, template
from engine.trace.afterfix import Fixes, build_fixes
from engine.trace.whynot import Node, node_tree

__all__ = ["LeafRow", "RuleRow", "FigureRow", "Static", "build_static"]


@dataclass(frozen=True, slots=True)
class LeafRow:
    """What a trace needs to know about one condition, independent of the person."""

    #: The key of the condition's result in the run's per-rule results.
    key: int
    name: str
    op: str
    conclusion: bool
    value_type: str
    threshold_name: str | None
    #: Per year: the sources of the threshold (shared, never mutated).
    threshold_sources: dict[int, list[str]]
    literal: Any
    #: The test written out (``>= 165000``) when it has no threshold from the environment.
    test: str
    text: str
    #: The author's yes/no phrase of the requirement (``yes_means``/``no_means``), or None.
    means: Template | None


@dataclass(frozen=True, slots=True)
class RuleRow:
    """One rule's constant parts, in the order of ``compiled.rule_leaves``."""

    rule: Rule
    id: str
    #: Its conditions when they are a flat "all" of leaves (most rules), else None.
    flat: tuple[LeafRow, ...] | None
    #: Its condition tree, walked when the condition is not flat (None when it is).
    tree: Node | None
    citations: tuple[tuple[str, str], ...]
    rationale: str
    advice: Template
    deadline: Template | None
    brief: Template | None


@dataclass(frozen=True, slots=True)
class FigureRow:
    """A figure or Form 8606 line: the value's name and what is shown of it."""

    name: str
    shown: str
    #: The key its assumptions are recorded under (``form8606.line_N`` for a line).
    key: str
    type: str
    description: str
    citations: tuple[tuple[str, str], ...]


@dataclass
class Static:
    """Per-knowledge data for fast trace assembly."""

    rules: dict[str, RuleRow]
    #: Rules in ``compiled.rule_leaves`` order (the order of "not fired" and "undetermined").
    ordered: tuple[RuleRow, ...]
    figures: tuple[FigureRow, ...]
    form8606: tuple[FigureRow, ...]
    facts: frozenset[str]
    types: dict[str, str]
    #: Per source id: the arguments of its ``SourceInfo``.
    sources: dict[str, tuple[str, str, str, str, str]]
    #: Per fact: its question and help text.
    asked: dict[str, tuple[str, str]]
    #: Per rule id: its topic.
    topic: dict[str, str]
    #: The "already done" and "after the fix" sentences of every rule, by text.
    said: dict[str, Template]
    #: The key a value's assumptions are recorded under, when it is not its name (``form8606.line_N``).
    value_key: dict[str, str]
    #: Compiled after-fix changes and the facts each rule reads (for after-fix and topics).
    fixes: Fixes = field(repr=False)


def _types(compiled: CompiledKnowledge) -> dict[str, str]:
    k = compiled.knowledge
    types = {n: f.type for n, f in k.facts.items()}
    types.update({n: ("money" if p.unit == "usd" else p.unit) for n, p in k.parameters.items()})
    types.update({n: v.type for n, v in k.values.items()})
    return types


def _leaf_row(compiled: CompiledKnowledge, leaf: Leaf, key: int, types: dict[str, str]) -> LeafRow:
    k = compiled.knowledge
    right = leaf.right
    name = right.name if hasattr(right, "name") and not leaf.conclusion else None
    sources: dict[int, list[str]] = {}
    for year in k.years:
        if name in k.parameters:
            sources[year] = [k.parameters[name].values[year].source]
        elif name in k.values:
            sources[year] = [c.source for c in k.values[name].sources]
        else:
            sources[year] = []
    literal = [i.value for i in right.items] if hasattr(right, "items") else getattr(right, "value", None)
    means = None
    fact = k.facts.get(leaf.name)
    if not name and fact is not None and (fact.yes_means or fact.no_means) and isinstance(literal, bool):
        chosen = template(fact.yes_means if literal == (leaf.op == "==") else fact.no_means, types)
        means = None if chosen.empty else chosen
    return LeafRow(
        key,
        leaf.name,
        leaf.op,
        leaf.conclusion,
        types.get(leaf.name, "enum" if leaf.conclusion else ""),
        name,
        sources,
        literal,
        f"{leaf.op} {render(right)}",
        leaf.text,
        means,
    )


def _rule_row(rule: Rule, rows: dict[int, LeafRow], types: dict[str, str]) -> RuleRow:
    when = rule.when
    if isinstance(when, Leaf):
        flat: tuple[LeafRow, ...] | None = (rows[id(when)],)
    elif when.op == "all" and all(isinstance(item, Leaf) for item in when.items):
        flat = tuple(rows[id(item)] for item in when.items)
    else:
        flat = None

    def tpl(text: str) -> Template | None:
        return template(text, types) if text else None

    return RuleRow(
        rule,
        rule.id,
        flat,
        node_tree(when, rows) if flat is None else None,
        tuple((c.source, c.pinpoint) for c in rule.sources),
        " ".join(rule.because.split()),
        template(rule.advice, types),
        tpl(rule.deadline),
        tpl(rule.brief),
    )


def _said(rule: Rule) -> list[str]:
    return ([rule.done_when.says] if rule.done_when else []) + ([rule.after_fix.says] if rule.after_fix else [])


def build_static(compiled: CompiledKnowledge) -> Static:
    """Everything the assembly needs that depends only on the knowledge (once per knowledge base)."""
    k = compiled.knowledge
    types = _types(compiled)
    # The keys the run stores each condition's result under, as its planned pass reads them.
    keys = {id(entry[0]): entry[1] for _, _, entries in compiled.status_plan for entry in entries}
    rows: dict[int, LeafRow] = {}
    for _, rule_leaves in compiled.rule_leaves:
        for leaf in rule_leaves:
            rows[id(leaf)] = _leaf_row(compiled, leaf, keys.get(id(leaf), id(leaf)), types)
    ordered = tuple(_rule_row(crule.rule, rows, types) for crule, _ in compiled.rule_leaves)

    def figure(name: str) -> FigureRow:
        value = k.values[name]
        shown = str(value.form8606 or name)
        return FigureRow(
            name,
            shown,
            f"form8606.{shown}" if value.form8606 else shown,
            value.type,
            value.description,
            tuple((c.source, c.pinpoint) for c in value.sources),
        )

    figures = tuple(figure(n) for n, v in k.values.items() if v.figure and not v.form8606)
    form = tuple(
        figure(n)
        for n, _ in sorted(
            ((n, v) for n, v in k.values.items() if v.form8606),
            key=lambda item: int(re.sub(r"\D", "", str(item[1].form8606)) or 0),
        )
    )
    return Static(
        {row.id: row for row in ordered},
        ordered,
        figures,
        form,
        frozenset(k.facts),
        types,
        {sid: (sid, s.title, s.url, s.kind, s.pinpoint) for sid, s in k.sources.items()},
        {n: (f.question, f.help) for n, f in k.facts.items()},
        {r.id: r.topic for r in k.rules},
        {text: template(text, types) for r in k.rules for text in _said(r)},
        {n: f"form8606.{v.form8606}" for n, v in k.values.items() if v.form8606},
        build_fixes(compiled),
    )
