"""The interview plan authored in ``knowledge/interview.yaml``: goals, question groups, gates, headlines.

A planner asks in an order people recognise (the year, you, your income, your IRAs, your
workplace plan, your HSA, withdrawals), not in the order rules happen to be ranked. The plan
says that order; the engine still decides which questions can change anything for the goal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Goal", "Question", "QuestionGroup", "Headline", "Interview"]


@dataclass(frozen=True)
class Goal:
    """What the person wants to do; it chooses the rules that matter."""

    id: str
    label: str
    #: Words that pick this goal when typed ("backdoor").
    words: tuple[str, ...]
    #: Rule topics that matter for the goal; empty means every topic.
    topics: tuple[str, ...] = ()
    #: Rules added to (or removed from) what the topics choose.
    also: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()
    #: Facts the goal itself answers (wanting a backdoor Roth means planning one).
    sets: tuple[tuple[str, Any], ...] = ()
    #: Figures announced as soon as they are known.
    figures: tuple[str, ...] = ()


@dataclass(frozen=True)
class Question:
    """One question: a single fact, or one amount split over several facts of a kind."""

    id: str
    facts: tuple[str, ...]
    #: The text asked (the fact's own question for a single fact).
    text: str = ""
    help: str = ""
    #: For a grouped amount: the word a person types for each fact ("rollover" -> rollover_ira_balance).
    kinds: tuple[tuple[str, str], ...] = ()

    @property
    def grouped(self) -> bool:
        """True when one answer fills several facts."""
        return len(self.facts) > 1


@dataclass(frozen=True)
class QuestionGroup:
    """Questions asked together, in the plan's order; a gate question opens or closes the rest."""

    id: str
    title: str
    questions: tuple[Question, ...]
    #: A yes/no or amount fact asked first; "no", zero or "don't know" skips the other questions.
    gate: Question | None = None
    #: Facts that follow from a "no" at the gate (no workplace plan: none takes roll-ins).
    when_no: tuple[tuple[str, Any], ...] = ()
    #: ``settles-most`` (default): the question that settles most first; ``as-written``: the plan's order.
    order: str = "settles-most"
    #: Goal ids this group is asked for; empty: every goal whose rules read one of its facts.
    goals: tuple[str, ...] = ()

    def all_questions(self) -> tuple[Question, ...]:
        """The gate (if any) followed by the other questions."""
        return ((self.gate,) if self.gate else ()) + self.questions


@dataclass(frozen=True)
class Headline:
    """The one line printed when a rule first applies, with the person's numbers.

    ``text`` is used when every placeholder is known. When the conversion is not yet known,
    ``example_text`` is filled with ``example`` facts set to the named values (a conversion of
    the full nondeductible contribution) and its money rounded to the hundred ("about").
    """

    rule: str
    text: str
    example_text: str = ""
    example: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Interview:
    """The whole plan; empty when the knowledge has no ``interview.yaml``."""

    goals: tuple[Goal, ...] = ()
    groups: tuple[QuestionGroup, ...] = ()
    headlines: dict[str, Headline] = field(default_factory=dict)

    def goal(self, goal_id: str) -> Goal | None:
        """The goal with this id, or None."""
        return next((g for g in self.goals if g.id == goal_id), None)
