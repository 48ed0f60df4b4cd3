"""What would make a rule apply: the failing conditions of a rule that did not fire, turned
into requirements ("your MAGI were at most $150,000"), with their thresholds and sources.

The result is in disjunctive form: a list of alternatives, any one of which would do; each
alternative is a list of requirements that must all hold. Conditions that already hold are
left out; conditions still unknown are kept (they too would have to hold).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import product
from typing import Any

from engine.model.expr import Unknown
from engine.model.knowledge import Group, Leaf
from engine.run.status import node_status

__all__ = ["Requirement", "requirements", "MAX_ALTERNATIVES"]

#: Alternatives kept per rule (the simplest first); more would not help a reader.
MAX_ALTERNATIVES = 4


@dataclass(slots=True)
class Requirement:
    """One condition that would have to hold for the rule to apply."""

    fact: str
    op: str
    threshold: Any
    threshold_name: str | None = None
    sources: list[str] = field(default_factory=list)
    value_type: str = ""
    #: True when the tested name is a conclusion of another rule.
    conclusion: bool = False
    #: The author's words for this requirement (a yes/no fact's yes_means/no_means), filled in.
    text: str = ""


def requirements(cond: Any, results: dict[int, tuple[Any, Any]], make: Any) -> list[list[Requirement]]:
    """Alternatives that would make ``cond`` true, given the evaluated leaf ``results``.

    Args:
        cond: The rule's condition tree.
        results: ``id(leaf) -> (left value, status)`` from the three-valued evaluation.
        make: ``make(leaf) -> Requirement`` for one leaf.

    """
    if isinstance(cond, Group) and cond.op == "all" and all(isinstance(i, Leaf) for i in cond.items):
        # The common shape, a flat "all": one alternative, every condition not yet true.
        return [[make(leaf) for leaf in cond.items if results[id(leaf)][1] is not True]]
    return sorted(_dnf(cond, results, make), key=len)[:MAX_ALTERNATIVES]


def _dnf(cond: Any, results: dict[int, tuple[Any, Any]], make: Any) -> list[list[Requirement]]:
    state = node_status(cond, results)
    if state.__class__ is not Unknown and state is True:
        return [[]]
    if isinstance(cond, Leaf):
        return [[make(cond)]]
    if cond.op == "any":
        out: list[list[Requirement]] = []
        for item in cond.items:
            out += _dnf(item, results, make)
        return out[: MAX_ALTERNATIVES * 2]
    parts = [_dnf(item, results, make) for item in cond.items]
    combined = [[req for group in combo for req in group] for combo in product(*parts)]
    return combined[: MAX_ALTERNATIVES * 2]
