"""What would make a rule apply: the failing conditions of a rule that did not fire, turned
into requirements ("your MAGI were at most $150,000"), with their thresholds and sources.

The result is in disjunctive form: a list of alternatives, any one of which would do; each
alternative is a list of requirements that must all hold. Conditions that already hold are
left out; conditions still unknown are kept (they too would have to hold).

A rule's condition tree is walked as a :class:`Node` tree built once per knowledge base (each
node knows the key of its result in the run's per-rule results), so that a walk reads the
run's results directly; groups are combined as :mod:`engine.run.status` combines them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import product
from typing import Any

from engine.model.expr import Unknown
from engine.model.knowledge import Leaf

__all__ = ["Requirement", "Node", "node_tree", "requirements", "select_rows", "MAX_ALTERNATIVES"]

#: Alternatives kept per rule (the simplest first); more would not help a reader.
MAX_ALTERNATIVES = 4

_UNKNOWN = Unknown()


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


class Node:
    """A condition tree node: a leaf (``row`` set, ``key`` its result's key) or an all/any group."""

    __slots__ = ("any", "items", "key", "row")

    def __init__(self, cond: Any, rows: dict[int, Any]) -> None:
        leaf = isinstance(cond, Leaf)
        #: The condition's row (see :class:`engine.trace.tables.LeafRow`); None for a group.
        row = rows[id(cond)] if leaf else None
        self.row = row
        #: The key of the condition's result (a group's status is memoised under it by the run).
        self.key: int = row.key if row is not None else id(cond)
        self.any = not leaf and cond.op == "any"
        self.items: tuple[Node, ...] = () if leaf else tuple(Node(item, rows) for item in cond.items)


def node_tree(cond: Any, rows: dict[int, Any]) -> Node:
    """The :class:`Node` tree of a condition, with the rows of its leaves by ``id``."""
    return Node(cond, rows)


def _state(node: Node, results: dict[int, tuple[Any, Any]]) -> Any:
    """True, False or an Unknown: the Kleene all/any of :func:`engine.run.status.node_status`.

    An unknown's missing facts are not needed here (only whether it is unknown), so a group
    not memoised by the run is combined without them.
    """
    hit = results.get(node.key)
    if hit is not None:
        return hit[1]
    decisive = node.any
    unknown = False
    for item in node.items:
        state = _state(item, results)
        if state.__class__ is Unknown:
            unknown = True
        elif state == decisive:
            return decisive
    return _UNKNOWN if unknown else not decisive


def select_rows(node: Node, results: dict[int, tuple[Any, Any]], want: Any) -> list[Any]:
    """The rows of the leaves responsible for ``node`` having status ``want`` (True, False or an Unknown)."""
    if node.row is not None:
        return [node.row]
    out: list[Any] = []
    unknown = want.__class__ is Unknown
    for item in node.items:
        value = _state(item, results)
        if value.__class__ is Unknown if unknown else (value.__class__ is not Unknown and value == want):
            out += select_rows(item, results, want)
    return out


def requirements(node: Node, results: dict[int, tuple[Any, Any]], make: Callable[[Any], Requirement]) -> list[list[Requirement]]:
    """Alternatives that would make ``node`` true, given the evaluated leaf ``results``.

    Args:
        node: The rule's condition tree.
        results: Each condition's ``(left value, status)`` from the three-valued evaluation.
        make: ``make(row) -> Requirement`` for one leaf's row.

    """
    if not node.any and node.row is None and all(item.row is not None for item in node.items):
        # The common shape, a flat "all": one alternative, every condition not yet true.
        return [[make(item.row) for item in node.items if results[item.key][1] is not True]]
    return sorted(_dnf(node, results, make), key=len)[:MAX_ALTERNATIVES]


def _dnf(node: Node, results: dict[int, tuple[Any, Any]], make: Callable[[Any], Requirement]) -> list[list[Requirement]]:
    state = _state(node, results)
    if state.__class__ is not Unknown and state is True:
        return [[]]
    if node.row is not None:
        return [[make(node.row)]]
    if node.any:
        out: list[list[Requirement]] = []
        for item in node.items:
            out += _dnf(item, results, make)
        return out[: MAX_ALTERNATIVES * 2]
    parts = [_dnf(item, results, make) for item in node.items]
    combined = [[req for group in combo for req in group] for combo in product(*parts)]
    return combined[: MAX_ALTERNATIVES * 2]
