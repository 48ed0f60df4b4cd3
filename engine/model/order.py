"""Depth-first order of a dependency graph, without recursion.

A knowledge base may chain thousands of values (or rules) one after another; a recursive walk
would hit Python's recursion limit on such a chain, so both validation (circles between rules)
and compilation (the order formulas are computed in) walk with an explicit stack.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

__all__ = ["dependency_order"]


def dependency_order(
    names: Iterable[str], deps: Callable[[str], Iterable[str]], on_cycle: Callable[[list[str]], None]
) -> list[str]:
    """Every name after the names it depends on (depth first, in the given order).

    Args:
        names: The names to order; each is visited once, in this order.
        deps: The names a name depends on (visited in the order given; names for which
            ``deps`` yields nothing are leaves).
        on_cycle: Called with the circle (``[a, b, a]``) each time a name is reached again
            while it is still being visited; the edge that closes it is then skipped.

    Returns:
        The names in an order where each comes after its dependencies.

    """
    order: list[str] = []
    done: set[str] = set()
    for start in names:
        if start in done:
            continue
        path: list[str] = [start]
        on_path = {start}
        stack = [iter(deps(start))]
        while stack:
            dep = next(stack[-1], None)
            if dep is None:
                stack.pop()
                name = path.pop()
                on_path.discard(name)
                done.add(name)
                order.append(name)
                continue
            if dep in done:
                continue
            if dep in on_path:
                on_cycle(path[path.index(dep) :] + [dep])
                continue
            path.append(dep)
            on_path.add(dep)
            stack.append(iter(deps(dep)))
    return order
