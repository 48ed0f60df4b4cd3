"""Helpers on condition trees and advice text, shared by validation, compilation and assembly."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from engine.model.expr import names_in
from engine.model.knowledge import Knowledge, Leaf

__all__ = ["PLACEHOLDER", "condition_names", "leaves", "names_read"]

#: A ``{name}`` placeholder in advice or deadline text.
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def leaves(cond: Any) -> list[Leaf]:
    """All leaves of a condition tree, in order."""
    if isinstance(cond, Leaf):
        return [cond]
    return [leaf for item in cond.items for leaf in leaves(item)]


def names_read(k: Knowledge, names: Iterable[str]) -> set[str]:
    """``names`` and every name they read, through derived values and parameters chosen by a fact.

    Args:
        k: The knowledge base.
        names: Names of facts, values or parameters (a condition's left and right sides, say).

    Returns:
        The closure: the names given, the names their formulas use, and so on, with the fact
        that picks a parameter's entry (``by``); a name read twice is walked once.

    """
    todo, seen = list(names), set[str]()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in k.values:
            todo.extend(names_in(k.values[name].ast))
        elif name in k.parameters and k.parameters[name].by:
            todo.append(str(k.parameters[name].by))
    return seen


def condition_names(cond: Any) -> list[str]:
    """The names a condition tree compares: each leaf's left side and the names in its right side."""
    return [name for leaf in leaves(cond) for name in (leaf.name, *names_in(leaf.right))]
