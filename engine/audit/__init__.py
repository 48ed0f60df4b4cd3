"""``rothkb check`` beyond validation: checks that need the whole, compiled knowledge base.

Owns the warnings (and test-file errors) of :func:`consistency_problems`: unused facts and
sources, rules no scenario test exercises, FAQ entries and myths pointing at missing rules, and
contradictory rules (``contradictions``). May import ``engine.trace`` and the stages below it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.audit.contradictions import contradictions
from engine.compile import CompiledKnowledge
from engine.errors import KnowledgeError, Problem, RothkbError, suggest
from engine.load.yamlio import mark_of
from engine.model import expr
from engine.model.knowledge import Knowledge
from engine.run.evaluate import run
from engine.trace.assemble import assemble, build_static
from engine.validate.scenarios import load_scenarios
from engine.validate.situation import parse_facts

__all__ = ["consistency_problems", "untested_rules"]


def consistency_problems(compiled: CompiledKnowledge) -> list[Problem]:
    """Warnings (and test-file errors) that need the whole, compiled knowledge base."""
    k = compiled.knowledge
    problems = _unused(compiled)
    problems += untested_rules(k)
    problems += _faq_rules(k)
    problems += _faq_example_rules(compiled)
    problems += contradictions(k)
    return problems


def _unused(compiled: CompiledKnowledge) -> list[Problem]:
    k = compiled.knowledge
    problems: list[Problem] = []
    used: set[str] = set(compiled.condition_names)
    for value in k.values.values():
        used |= expr.names_in(value.ast)
    for param in k.parameters.values():
        if param.by:
            used.add(param.by)
    for name, fact in k.facts.items():
        if name not in used and name != "tax_year":
            problems.append(
                Problem(
                    fact.loc.path,
                    fact.loc.line,
                    fact.loc.column,
                    f"facts.{name}",
                    "fact is not used by any rule or value",
                    severity="warning",
                )
            )
    cited = {c.source for r in k.rules for c in r.sources}
    cited |= {c.source for v in k.values.values() for c in v.sources}
    cited |= {pv.source for p in k.parameters.values() for pv in p.values.values()}
    for entry in k.faq + k.myths:
        cited |= {str(s) for s in entry.get("sources") or ()}
    for sid, src in k.sources.items():
        if sid not in cited:
            problems.append(
                Problem(
                    src.loc.path,
                    src.loc.line,
                    src.loc.column,
                    f"sources.{sid}",
                    "source is not cited anywhere",
                    severity="warning",
                )
            )
    return problems


def _faq_example_rules(compiled: CompiledKnowledge) -> list[Problem]:
    """Warnings for FAQ entries whose example fires a rule the entry's ``rules:`` does not list
    (the answer would be personalised without the rule that speaks to the example).
    """
    k = compiled.knowledge
    static = build_static(compiled)
    problems: list[Problem] = []
    for entry in k.faq:
        facts = (entry.get("example") or {}).get("facts") if isinstance(entry.get("example"), dict) else None
        if not isinstance(facts, dict) or not facts:
            continue
        where = entry["_loc"]
        try:
            typed = parse_facts(dict(facts), k, f"{where.path}:{where.line}")
            fired = assemble(compiled, static, run(compiled, typed)).fired
        except RothkbError:
            continue  # an example that cannot run is reported by the site build
        listed = entry.get("rules") or []
        listed = set(listed) if isinstance(listed, list) else set()
        missing = [rid for rid in fired if rid not in listed]
        if missing:
            problems.append(
                Problem(
                    where.path,
                    where.line,
                    where.column,
                    f"faq({entry.get('id')}).rules",
                    "the example fires rules the entry does not list: "
                    + ", ".join(missing)
                    + " (add them to rules:, or change the example)",
                    severity="warning",
                )
            )
    return problems


def _faq_rules(k: Knowledge) -> list[Problem]:
    ids = [r.id for r in k.rules]
    problems: list[Problem] = []
    for kind, entries in (("faq", k.faq), ("myths", k.myths)):
        for entry in entries:
            listed: Any = entry.get("rules") or []
            where = entry["_loc"]
            for i, rid in enumerate(listed if isinstance(listed, list) else []):
                if rid not in ids:
                    line, col = mark_of(listed, i) if hasattr(listed, "marks") else (where.line, where.column)
                    problems.append(
                        Problem(
                            where.path,
                            line,
                            col,
                            f"{kind}({entry.get('id')}).rules[{i}]",
                            f"refers to rule '{rid}', which does not exist",
                            suggest(str(rid), ids),
                            "warning",
                        )
                    )
    return problems


def untested_rules(k: Knowledge) -> list[Problem]:
    """Errors for scenario tests naming unknown rules; warnings for rules no test exercises.

    A rule is exercised when a test in the knowledge folder's ``tests/`` lists it under
    ``fires`` or ``does_not_fire``.
    """
    folder = Path(k.root) / "tests"
    if not folder.is_dir():
        return []
    try:
        scenarios = load_scenarios([folder], Path(k.root))
    except KnowledgeError as exc:
        return list(exc.problems)
    ids = [r.id for r in k.rules]
    exercised: set[str] = set()
    problems: list[Problem] = []
    for scenario in scenarios:
        for key in ("fires", "does_not_fire", "undetermined"):
            listed = scenario.expect.get(key) or []
            for i, rid in enumerate(listed):
                if rid in ids:
                    if key != "undetermined":
                        exercised.add(rid)
                    continue
                line, col = mark_of(listed, i)
                problems.append(
                    Problem(
                        scenario.path,
                        line,
                        col,
                        f"tests({scenario.name}).{key}[{i}]",
                        f"unknown rule '{rid}'",
                        suggest(str(rid), ids),
                    )
                )
    for rule in k.rules:
        if rule.id not in exercised:
            problems.append(
                Problem(
                    rule.loc.path,
                    rule.loc.line,
                    rule.loc.column,
                    f"rules({rule.id})",
                    "no scenario test checks this rule (list it under 'fires' or 'does_not_fire' of a test in tests/)",
                    severity="warning",
                )
            )
    return problems
