"""The three-valued pass, planned once per knowledge base (what :mod:`engine.run.passes` reads).

Per rule: how its status combines its leaves and, per leaf, everything the pass looks up; the
names and producing rules that let the pass with assumptions keep a rule as it was; and, per
condition on a conclusion, the earlier rules that conclude it. May import ``engine.model`` only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from engine.model import expr
from engine.model.knowledge import Leaf, Rule

__all__ = ["StatusLeaf", "status_plan", "status_inputs", "conclusion_sources"]

#: Per rule in firing order: (the compiled rule, whose ``.rule`` is the :class:`Rule`; its leaves).
RuleLeaves = Sequence[tuple[Any, tuple[Leaf, ...]]]

#: One leaf as the three-valued pass reads it: the leaf, its key (``id``), whether it tests a
#: conclusion, its closure (None for a conclusion), the fact it reads, the name on its right-hand
#: side (or None) and its person-fact flag (or None).
StatusLeaf = tuple[Leaf, int, bool, Callable[[dict[str, Any]], tuple[Any, Any]] | None, str, str | None, str | None]


def status_plan(
    rule_leaves: RuleLeaves,
    fns: dict[int, Callable[[dict[str, Any]], tuple[Any, Any]]],
    rights: dict[int, str],
    flags: dict[int, str],
) -> tuple[tuple[Rule, str, tuple[StatusLeaf, ...]], ...]:
    """Per rule: ``(rule, combine, leaves)``. ``combine`` is ``"all"`` or ``"any"`` for a flat group
    of leaves (most rules: its status is combined straight from the leaves' results), ``"leaf"``
    for a single condition, ``""`` for a nested tree (combined by ``engine.run.status``).
    """
    out = []
    for crule, rule_leaves_of in rule_leaves:
        when = crule.rule.when
        if isinstance(when, Leaf):
            combine = "leaf"
        elif when.op in ("all", "any") and all(isinstance(item, Leaf) for item in when.items):
            combine = when.op
        else:
            combine = ""
        entries = tuple(
            (leaf, id(leaf), leaf.conclusion, fns.get(id(leaf)), leaf.name, rights.get(id(leaf)), flags.get(id(leaf)))
            for leaf in rule_leaves_of
        )
        out.append((crule.rule, combine, entries))
    return tuple(out)


def status_inputs(
    rule_leaves: RuleLeaves, flags: dict[int, str]
) -> tuple[tuple[frozenset[str], frozenset[str], tuple[str, ...]], ...]:
    """Per rule: the names its conditions read, the rules whose conclusions it tests, its flags."""
    producers: dict[str, set[str]] = {}
    out = []
    for crule, lv in rule_leaves:
        names = frozenset(n for leaf in lv if not leaf.conclusion for n in ({leaf.name} | expr.names_in(leaf.right)))
        upstream = frozenset(r for leaf in lv if leaf.conclusion for r in producers.get(leaf.name, ()))
        out.append((names, upstream, tuple(flags[id(leaf)] for leaf in lv if id(leaf) in flags)))
        for name, _ in crule.rule.conclude:
            producers.setdefault(name, set()).add(crule.rule.id)
    return tuple(out)


def conclusion_sources(
    rule_leaves: RuleLeaves,
) -> dict[int, tuple[tuple[Any, ...], tuple[tuple[str, Any], ...]]]:
    """Per conclusion leaf: the values it accepts and the earlier rules that conclude its name."""
    concluded: list[tuple[str, str, Any]] = []  # (name, rule id, value) in rule order
    out: dict[int, tuple[tuple[Any, ...], tuple[tuple[str, Any], ...]]] = {}
    for crule, lv in rule_leaves:
        for leaf in lv:
            if leaf.conclusion:
                right = leaf.right
                wanted = tuple(i.value for i in right.items) if leaf.op == "in" else (right.value,)  # type: ignore[attr-defined]
                out[id(leaf)] = (wanted, tuple((rid, value) for name, rid, value in concluded if name == leaf.name))
        concluded += [(name, crule.rule.id, value) for name, value in crule.rule.conclude]
    return out
