"""The trace: plain dataclasses that every view (Markdown, HTML, JSON) reads.

The engine fills these in; ``explain/`` only renders them. Nothing here formats text for a
particular view except :func:`format_value`, which all views share so numbers read the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "AfterFixFigure",
    "Assumption",
    "Check",
    "Step",
    "NotFired",
    "Undetermined",
    "Question",
    "Figure",
    "SourceInfo",
    "Explanation",
]


@dataclass(slots=True)
class Check:
    """One condition of a rule, as evaluated for this person."""

    #: The fact, value or conclusion tested.
    fact: str
    #: Its value for this person (None when unknown).
    value: Any
    #: The test, with any threshold written out: ``>= 165000``.
    test: str
    #: True, False, or None when undetermined.
    holds: bool | None
    #: Name of the parameter or value the threshold came from.
    threshold_name: str | None = None
    #: The threshold's value.
    threshold: Any = None
    #: Sources of the threshold (the parameter's source for the year, or the value's sources).
    threshold_sources: list[str] = field(default_factory=list)
    #: Facts whose absence left this condition undetermined.
    missing: list[str] = field(default_factory=list)
    #: The condition as written by the author.
    text: str = ""
    #: Value types (money, ratio, ...) used to format value and threshold.
    value_type: str = ""


@dataclass(slots=True)
class AfterFixFigure:
    """A figure after following a step's advice, computed by re-running the changed facts."""

    #: The facts changed, with their new values.
    facts: dict[str, Any]
    #: The figure reported, its value and type after the change.
    figure: str
    value: Any
    type: str
    #: The author's sentence, filled from the changed situation.
    says: str


@dataclass(slots=True)
class Step:
    """A rule that fired."""

    step: int
    rule: str
    title: str
    kind: str
    importance: int
    advice: str
    because: list[Check]
    concluded: dict[str, Any]
    sources: list[tuple[str, str]]
    rationale: str = ""
    deadline: str = ""
    #: Facts assumed (CONTRACT §7.1) that this step rests on; empty when decided from the facts alone.
    assumed: list[str] = field(default_factory=list)
    #: The rule's topic, what ignoring it costs (a RULE_COSTS word) and its place within a plan.
    topic: str = ""
    cost: str = "none"
    order: int = 0
    #: What the facts say was already done, and what is left (empty when not done).
    done: str = ""
    #: The figure after following the advice, when the rule says how to compute it.
    after_fix: AfterFixFigure | None = None
    #: The advice in one sentence, when the rule gives one (brief explanations).
    brief: str = ""


@dataclass(slots=True)
class NotFired:
    """A rule that does not apply, the conditions that failed, and what would make it apply."""

    rule: str
    title: str
    failed: list[Check]
    #: Alternatives (any one would do) of requirements (all needed): see engine.counterfactual.
    would_fire_if: list[list[Any]] = field(default_factory=list)
    #: Facts assumed (CONTRACT §7.1) that this outcome rests on; empty when decided from the facts alone.
    assumed: list[str] = field(default_factory=list)
    #: The rule's kind (action, warning, info).
    kind: str = ""


@dataclass(slots=True)
class Undetermined:
    """A rule that could apply or not, and the facts it waits on."""

    rule: str
    title: str
    missing: list[str]
    pending: list[Check]
    #: Missing facts that this rule waits on only through a conclusion of another rule.
    inherited: list[str] = field(default_factory=list)
    #: The rule's topic.
    topic: str = ""


@dataclass(slots=True)
class Question:
    """A question whose answer could change a conclusion."""

    fact: str
    question: str
    settles: list[str]
    score: float
    help: str = ""


@dataclass(slots=True)
class Figure:
    """A computed figure with its sources."""

    name: str
    value: Any
    type: str
    description: str
    sources: list[tuple[str, str]]
    #: Facts assumed (CONTRACT §7.1) that this figure rests on; empty when computed from the facts alone.
    assumed: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Assumption:
    """A fact the person did not give, answered with its declared assumption (CONTRACT §7.1)."""

    fact: str
    #: The assumed value (typed, as a given fact would be).
    assumed: Any
    #: The plain phrase, e.g. "you have no SEP IRA".
    phrase: str
    #: Rule ids, figure names and ``form8606.line_N`` keys whose outcome rests on it.
    affects: list[str] = field(default_factory=list)


@dataclass(slots=True)
class SourceInfo:
    """A cited source, as shown in footnotes and JSON."""

    id: str
    title: str
    url: str
    kind: str
    pinpoint: str = ""


@dataclass(slots=True)
class Explanation:
    """Everything rothkb concluded about one situation."""

    tax_year: int
    knowledge_version: str
    facts: dict[str, Any]
    fired: list[str]
    steps: list[Step]
    figures: list[Figure]
    form8606: list[Figure]
    not_fired: list[NotFired]
    undetermined: list[Undetermined]
    questions: list[Question]
    sources: dict[str, SourceInfo]
    #: Assumptions made for facts not given (CONTRACT §7.1), in the order of facts.yaml.
    assumptions: list[Assumption] = field(default_factory=list)
    #: Topics the person's facts touch (a rule of the topic fired, or reads a fact given).
    topics: list[str] = field(default_factory=list)
