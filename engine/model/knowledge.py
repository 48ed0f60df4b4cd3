"""Typed, immutable model of a validated knowledge base.

Every object remembers where it was written (:class:`Loc`) so that later stages (compile,
consistency checks, tests) can still point at a file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.model.expr import Node
from engine.model.interview import Interview

__all__ = [
    "Loc",
    "FactDef",
    "ConclusionDef",
    "Source",
    "Citation",
    "ParamValue",
    "Parameter",
    "ValueDef",
    "Leaf",
    "Group",
    "Condition",
    "Rule",
    "Knowledge",
    "PRIMARY_KINDS",
    "SOURCE_KINDS",
    "FACT_TYPES",
    "VALUE_TYPES",
    "RULE_KINDS",
    "RULE_COSTS",
    "DoneWhen",
    "AfterFix",
]

FACT_TYPES = ("int", "number", "money", "bool", "enum", "date", "list")
VALUE_TYPES = ("int", "number", "money", "bool", "enum", "date", "year", "ratio")
RULE_KINDS = ("action", "warning", "info")
#: What ignoring a rule costs, most costly first: explanations rank items in this order.
#: excise: a tax charged every year until fixed (6% on an excess contribution); penalty: a
#: one-time additional tax or penalty (10% early-withdrawal tax); tax: income tax that could be
#: avoided (pro-rata); deadline: a chance lost once a date passes; saving: a benefit missed;
#: none: context that changes nothing by itself.
RULE_COSTS = ("excise", "penalty", "tax", "deadline", "saving", "none")
SOURCE_KINDS = (
    "statute",
    "regulation",
    "form",
    "form_instructions",
    "publication",
    "notice",
    "revenue_procedure",
    "news_release",
    "announcement",
    "legislative_history",
    "court_case",
    "irs_guidance",
    "practitioner",
)
PRIMARY_KINDS = frozenset(SOURCE_KINDS) - {"practitioner"}


@dataclass(frozen=True)
class Loc:
    """Where something was written."""

    path: str
    line: int = 0
    column: int = 0


@dataclass(frozen=True)
class FactDef:
    """One fact of the vocabulary."""

    name: str
    type: str
    description: str
    question: str
    group: str = "other"
    help: str = ""
    values: tuple[str, ...] = ()
    default: Any = None
    has_default: bool = False
    min: Any = None
    max: Any = None
    items: tuple[tuple[str, str], ...] = ()
    #: For list facts: each entry field as a fact of its own, with the bounds declared for it.
    item_facts: tuple[FactDef, ...] = ()
    loc: Loc = Loc("")
    #: For yes/no facts: what each answer would mean, for "it would apply if ..." sentences.
    yes_means: str = ""
    no_means: str = ""
    #: The answer assumed when the fact is not given (CONTRACT §7.1), typed as a given value.
    assume: Any = None
    has_assume: bool = False
    #: The plain phrase of that assumption ("you have no SEP IRA"); a fact assumed only by a
    #: formula's ``default(fact, fallback)`` has the phrase without ``assume``.
    assume_phrase: str = ""


@dataclass(frozen=True)
class ConclusionDef:
    """A conclusion a rule can assert for other rules to test."""

    name: str
    type: str
    description: str
    values: tuple[str, ...] = ()
    loc: Loc = Loc("")


@dataclass(frozen=True)
class Source:
    """A cited document."""

    id: str
    title: str
    kind: str
    url: str
    pinpoint: str = ""
    summary: str = ""
    date: str = ""
    loc: Loc = Loc("")
    #: A short label for tables and lists (the title when not authored).
    short: str = ""

    @property
    def primary(self) -> bool:
        """True for statute, regulation, IRS forms and guidance; False for practitioners."""
        return self.kind in PRIMARY_KINDS


@dataclass(frozen=True)
class Citation:
    """A reference to a source, with an optional pinpoint (line, section, page)."""

    source: str
    pinpoint: str = ""


@dataclass(frozen=True)
class ParamValue:
    """A parameter's value for one year; ``value`` is a scalar or a column mapping."""

    value: Any
    source: str
    note: str = ""
    loc: Loc = Loc("")


@dataclass(frozen=True)
class Parameter:
    """A dated parameter, optionally with columns picked by another name (``by``)."""

    name: str
    description: str
    unit: str
    values: dict[int, ParamValue]
    by: str | None = None
    reference: str = ""
    loc: Loc = Loc("")
    #: Order on the site's limits page (1 = most looked up; None = after the ranked ones).
    rank: int | None = None


@dataclass(frozen=True)
class ValueDef:
    """A derived value (formula); figures and Form 8606 lines are shown in explanations."""

    name: str
    type: str
    description: str
    formula: str
    ast: Node
    figure: bool = False
    form8606: str | None = None
    sources: tuple[Citation, ...] = ()
    loc: Loc = Loc("")


@dataclass(frozen=True)
class Leaf:
    """One condition ``name op right``; ``right`` is a literal AST node or a name."""

    text: str
    name: str
    op: str
    right: Node
    conclusion: bool = False
    loc: Loc = Loc("")


@dataclass(frozen=True)
class Group:
    """``all`` or ``any`` of conditions (``not`` is pushed down to the leaves at load)."""

    op: str
    items: tuple[Condition, ...]
    loc: Loc = Loc("")


Condition = Leaf | Group


@dataclass(frozen=True)
class DoneWhen:
    """When the facts say a rule's step was already done, and what to say then."""

    #: Facts that, all given and neither zero nor "no", mean the step is done.
    facts: tuple[str, ...]
    #: What is done and what is left, with {placeholders}.
    says: str


@dataclass(frozen=True)
class AfterFix:
    """The figure after following a rule's advice, computed by re-running changed facts."""

    #: Facts to change: (fact, expression in the formula language, evaluated on the current facts).
    facts: tuple[tuple[str, Node], ...]
    #: The value (figure) the sentence reports.
    figure: str
    #: The sentence, with {placeholders} filled from the changed situation.
    says: str


@dataclass(frozen=True)
class Rule:
    """A declarative rule."""

    id: str
    title: str
    kind: str
    importance: int
    when: Condition
    advice: str
    because: str
    sources: tuple[Citation, ...]
    conclude: tuple[tuple[str, Any], ...] = ()
    topic: str = ""
    deadline: str = ""
    corrects: tuple[str, ...] = ()
    loc: Loc = Loc("")
    #: Rules whose advice contradicts this one (``rothkb check`` warns if both can fire).
    excludes: tuple[str, ...] = ()
    #: What ignoring the rule costs (one of RULE_COSTS): the first key of an explanation's order.
    cost: str = "none"
    #: Place within a plan (1, 2, 3 for the backdoor steps); 0 when the rule is not a plan step.
    order: int = 0
    done_when: DoneWhen | None = None
    after_fix: AfterFix | None = None
    #: The advice in one sentence for brief explanations (default: the advice's first sentence).
    brief: str = ""


@dataclass
class Knowledge:
    """A validated knowledge base (before compilation)."""

    root: str
    facts: dict[str, FactDef]
    conclusions: dict[str, ConclusionDef]
    sources: dict[str, Source]
    parameters: dict[str, Parameter]
    values: dict[str, ValueDef]
    rules: list[Rule]
    years: tuple[int, ...]
    version: str
    faq: list[dict[str, Any]] = field(default_factory=list)
    myths: list[dict[str, Any]] = field(default_factory=list)
    files: tuple[str, ...] = ()
    #: The interview plan (knowledge/interview.yaml); empty when the file is absent.
    interview: Interview = field(default_factory=Interview)

    def rule(self, rule_id: str) -> Rule:
        """The rule with this id (KeyError if absent)."""
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)
