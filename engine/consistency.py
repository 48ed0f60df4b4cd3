"""Consistency checks beyond the schema (``rothkb check``): they need the compiled knowledge."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .errors import Problem

if TYPE_CHECKING:
    from .compile import CompiledKnowledge

__all__ = ["consistency_problems"]


def consistency_problems(compiled: CompiledKnowledge) -> list[Problem]:
    """Warnings about unused facts and sources (errors are found by validation)."""
    k = compiled.knowledge
    problems: list[Problem] = []
    used: set[str] = set(compiled.condition_names)
    from . import expr
    for value in k.values.values():
        used |= expr.names_in(value.ast)
    for param in k.parameters.values():
        if param.by:
            used.add(param.by)
    for name, fact in k.facts.items():
        if name not in used and name != "tax_year":
            problems.append(Problem(fact.loc.path, fact.loc.line, fact.loc.column, f"facts.{name}",
                                    "fact is not used by any rule or value", severity="warning"))
    cited = {c.source for r in k.rules for c in r.sources}
    cited |= {c.source for v in k.values.values() for c in v.sources}
    cited |= {pv.source for p in k.parameters.values() for pv in p.values.values()}
    for entry in k.faq + k.myths:
        cited |= {str(s) for s in entry.get("sources") or ()}
    for sid, src in k.sources.items():
        if sid not in cited:
            problems.append(Problem(src.loc.path, src.loc.line, src.loc.column, f"sources.{sid}",
                                    "source is not cited anywhere", severity="warning"))
    return problems
