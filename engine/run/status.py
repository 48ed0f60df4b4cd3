"""Three-valued status of a condition tree, shared by evaluation, trace and counterfactuals.

Leaf results are ``results[id(leaf)] = (left value, status)``; :func:`node_status` combines
them (Kleene ``all``/``any``) and memoises each group's status in the same mapping, so the
evaluator, the trace and the "what would make it apply" logic read one answer.
"""

from __future__ import annotations

from typing import Any

from engine.model.expr import Unknown
from engine.model.knowledge import Leaf

__all__ = ["node_status", "select", "WANT_UNKNOWN"]

#: Pass as ``want`` to :func:`select` to pick the undetermined conditions.
WANT_UNKNOWN = Unknown()


def node_status(cond: Any, results: dict[int, tuple[Any, Any]]) -> Any:
    """True, False or Unknown (naming what is missing) for a leaf or group; memoised."""
    hit = results.get(id(cond))
    if hit is not None:
        return hit[1]
    unknowns = []
    decisive = cond.op == "any"
    value: Any = not decisive
    for item in cond.items:
        state = node_status(item, results)
        if state.__class__ is Unknown:
            unknowns.append(state)
        elif state == decisive:
            value = decisive
            break
    else:
        if unknowns:
            value = Unknown(frozenset().union(*(u.missing for u in unknowns)))
    results[id(cond)] = (None, value)
    return value


def select(cond: Any, results: dict[int, tuple[Any, Any]], want: Any) -> list[Leaf]:
    """The leaves responsible for ``cond`` having status ``want`` (True, False or WANT_UNKNOWN)."""
    if isinstance(cond, Leaf):
        return [cond]
    out: list[Leaf] = []
    for item in cond.items:
        value = node_status(item, results)  # computes children a short-circuit skipped
        if want is WANT_UNKNOWN:
            same = value.__class__ is Unknown
        else:
            same = value.__class__ is not Unknown and value == want
        if same:
            out += select(item, results, want)
    return out
