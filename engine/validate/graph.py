"""The rule graph: conclusion producers, ``corrects`` and ``excludes`` targets, dependency cycles."""

from __future__ import annotations

from engine.errors import suggest
from engine.model.conditions import leaves
from engine.model.knowledge import Knowledge
from engine.model.order import dependency_order
from engine.validate.checker import Checker

__all__ = ["check_rule_graph"]


def check_rule_graph(knowledge: Knowledge, check: Checker) -> None:
    """Every tested conclusion has a producer; ``excludes`` names real rules; no chain is a circle."""
    producers: dict[str, list[str]] = {}
    for rule in knowledge.rules:
        for name, _ in rule.conclude:
            producers.setdefault(name, []).append(rule.id)
    ids = [r.id for r in knowledge.rules]
    myths = [str(m.get("id")) for m in knowledge.myths]
    deps: dict[str, set[str]] = {}
    for rule in knowledge.rules:
        deps[rule.id] = set()
        where = (rule.loc.line, rule.loc.column)
        for myth in rule.corrects:
            if myth not in myths:
                check.error(rule.loc.path, where, f"rules({rule.id}).corrects", f"unknown myth '{myth}'", suggest(myth, myths))
        for other in rule.excludes:
            if other not in ids or other == rule.id:
                what = "a rule cannot exclude itself" if other == rule.id else f"unknown rule '{other}'"
                check.error(
                    rule.loc.path, where, f"rules({rule.id}).excludes", what, None if other == rule.id else suggest(other, ids)
                )
        for leaf in leaves(rule.when):
            if leaf.conclusion:
                if leaf.name not in producers:
                    check.error(
                        leaf.loc.path,
                        (leaf.loc.line, leaf.loc.column),
                        f"rules({rule.id}).when",
                        f"no rule concludes '{leaf.name}', so this rule can never fire",
                    )
                deps[rule.id] |= set(producers.get(leaf.name, ()))

    def circle(cycle: list[str]) -> None:
        rule = knowledge.rule(cycle[0])
        check.error(
            rule.loc.path,
            (rule.loc.line, rule.loc.column),
            f"rules({cycle[0]})",
            "rules depend on each other in a circle: " + " -> ".join(cycle),
        )

    dependency_order(sorted(deps), lambda rid: sorted(deps.get(rid, ())), circle)
