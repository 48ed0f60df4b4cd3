"""What an answer just settled: one line per rule of the goal that now applies, and per figure now known.

Used by the interview to show results as soon as they are certain ("⚠ Pro-rata: about $6,700
of a $7,500 conversion would be taxable"), before the next question.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from engine.compile import CompiledKnowledge
from engine.model.conditions import PLACEHOLDER
from engine.model.expr import Unknown
from engine.model.interview import Headline
from engine.run.evaluate import compute_env
from engine.trace.formatting import format_value
from engine.trace.model import Explanation

__all__ = ["news", "headline_text", "MARKS"]

#: The mark in front of a line, by rule kind.
MARKS = {"warning": "⚠", "action": "→", "info": "·"}


def _fill(text: str, env: dict[str, Any], types: dict[str, str], about: frozenset[str]) -> str | None:
    """``text`` with its placeholders filled; None if one is unknown. Names in ``about`` are rounded to $100."""
    out, pos = [], 0
    for match in PLACEHOLDER.finditer(text):
        value = env.get(match.group(1), Unknown())
        if value is None or isinstance(value, Unknown):
            return None
        if match.group(1) in about and types.get(match.group(1)) == "money":
            value = (Decimal(value) / 100).quantize(Decimal(1), ROUND_HALF_UP) * 100
        out += [text[pos : match.start()], format_value(value, types.get(match.group(1), ""))]
        pos = match.end()
    return "".join(out) + text[pos:]


def headline_text(
    compiled: CompiledKnowledge,
    types: dict[str, str],
    head: Headline,
    facts: dict[str, Any],
    assumed: dict[str, Any] | None = None,
) -> str | None:
    """The headline with the person's numbers, or with the example answers ("about") while a fact is unknown.

    ``assumed`` are the explanation's stated assumptions (CONTRACT §7.1): the numbers are those the
    explanation itself shows.
    """
    # Facts with a declared answer are filled; a formula's stated fallback applies through ``fill``.
    merged = {**{n: v for n, v in (assumed or {}).items() if n in compiled.assume}, **facts}
    env = compute_env(compiled, merged, fill=bool(assumed))
    text = _fill(head.text, env, types, frozenset())
    if text is not None or not head.example:
        return text
    example = {name: env.get(value) for name, value in head.example if name not in facts}
    if any(v is None or isinstance(v, Unknown) for v in example.values()):
        return None
    # The example ("about") is figured with every declared assumption, as the explanation would be
    # once the example conversion is made.
    declared = {n: f.assume for n, f in compiled.knowledge.facts.items() if f.has_assume and n not in facts}
    trial = compute_env(compiled, {**declared, **merged, **example}, fill=True)
    derived = frozenset(n for n in PLACEHOLDER.findall(head.example_text) if n not in example)
    return _fill(head.example_text, trial, types, derived)


def news(
    compiled: CompiledKnowledge,
    types: dict[str, str],
    before: Explanation | None,
    after: Explanation,
    rules: frozenset[str],
    figures: tuple[str, ...],
) -> list[str]:
    """Lines for the goal's rules that apply now and did not before, then figures newly known.

    Args:
        compiled: The compiled knowledge (for headlines and their values).
        types: Value type of every name (``KnowledgeBase.static.types``).
        before: The explanation before the answer (None: nothing was shown yet).
        after: The explanation after it.
        rules: The goal's rules.
        figures: The goal's figures, announced when they become known.

    """
    headlines = compiled.knowledge.interview.headlines
    seen = set(before.fired) if before else set()
    lines = []
    for step in sorted(after.steps, key=lambda s: -s.importance):
        if step.rule in rules and step.rule not in seen:
            head = headlines.get(step.rule)
            assumed = {a.fact: a.assumed for a in after.assumptions}
            text = headline_text(compiled, types, head, after.facts, assumed) if head else None
            lines.append(f"{MARKS[step.kind]} {text or step.title}")
    known = {f.name for f in before.figures} if before else set()
    for figure in after.figures:
        if figure.name in figures and figure.name not in known:
            label = figure.description.split(" (")[0]
            lines.append(f"= {label}: {format_value(figure.value, figure.type)}")
    return lines
