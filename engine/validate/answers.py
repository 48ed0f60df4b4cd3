"""Typed answers of the interview: one fact, or one amount split by kind over several facts.

Every value goes through the one value reader (:func:`~engine.validate.situation.coerce_fact`,
CONTRACT §7.2); this module only splits an answer into its parts ("rollover 60k, sep 5k").
"""

from __future__ import annotations

import re
from typing import Any

from engine.model.interview import Question
from engine.model.knowledge import FactDef
from engine.validate.situation import coerce_fact

__all__ = ["answer_hint", "parse_answer", "parse_grouped", "parse_kind", "NONE_WORDS"]

#: Answers that mean "none of these" to a grouped amount question.
NONE_WORDS = frozenset({"no", "n", "none", "0", "$0", "nothing"})
_PARTS = re.compile(r"\s*(?:;|,\s(?=\D)|\band\b)\s*")


def answer_hint(fact: FactDef) -> str:
    """How to type an answer for this fact."""
    if fact.type == "bool":
        return "yes or no"
    if fact.type == "money":
        return "an amount, e.g. 12000, $12,000 or 12k"
    if fact.type in ("int", "number"):
        bounds = f" from {fact.min} to {fact.max}" if fact.min is not None and fact.max is not None else ""
        return f"a number{bounds}"
    if fact.type == "enum":
        return "a number or one of: " + ", ".join(f"{i} {v.replace('_', ' ')}" for i, v in enumerate(fact.values, 1))
    if fact.type == "date":
        return "a date as YYYY-MM-DD"
    if fact.type == "list":
        names = " ".join(name for name, _ in fact.items)
        return f"entries as '{names}' separated by ';', or 'none'"
    return fact.type


def parse_answer(fact: FactDef, text: str) -> tuple[Any, str | None]:
    """Turn typed text into a value of the fact's type; return (value, error or None)."""
    text = text.strip()
    if fact.type == "enum" and text.isdigit() and 1 <= int(text) <= len(fact.values):
        return fact.values[int(text) - 1], None  # the number of the menu entry
    if fact.type == "list":
        if text.lower() in ("none", "[]"):
            return [], None
        names = [name for name, _ in fact.items]
        entries = []
        for part in filter(None, (p.strip() for p in text.split(";"))):
            values = re.split(r"[\s,]+", part)
            if len(values) != len(names):
                return None, f"each entry needs {len(names)} values: {' '.join(names)}"
            entries.append(dict(zip(names, values, strict=True)))
        return coerce_fact(fact, entries)
    return coerce_fact(fact, text)


def _kind(q: Question, word: str) -> str | None:
    word = word.lower().strip()
    found = [fact for kind, fact in q.kinds if kind == word] or [fact for kind, fact in q.kinds if kind.startswith(word)]
    return found[0] if len(found) == 1 else None


def parse_grouped(q: Question, facts: dict[str, FactDef], text: str) -> tuple[dict[str, Any] | None, str | None]:
    """Read "no", "rollover 60k" or "traditional 5k, sep 10k" into one value per fact of ``q``.

    A kind not named is none (the person was asked for every kind at once). A bare amount
    returns ``(None, None)``: the caller asks which kind holds it.
    """
    low = " ".join(text.lower().split())
    if low in NONE_WORDS:
        return {name: 0 for name in q.facts}, None
    kinds = ", ".join(k for k, _ in q.kinds)
    parts = [p for p in _PARTS.split(low) if p]
    if len(parts) == 1 and _kind(q, parts[0]) is None and not re.search(r"[a-z]{3,}", parts[0].replace("k", "")):
        value, error = coerce_fact(facts[q.facts[0]], parts[0])
        if error:
            return None, f"{error} (answer no, or an amount by kind: {kinds})"
        return ({name: 0 for name in q.facts}, None) if value == 0 else (None, None)
    values: dict[str, Any] = {}
    for part in parts:
        words = part.replace(" ira", "").split()
        named = [w for w in words if _kind(q, w)]
        amounts = [w for w in words if not _kind(q, w)]
        if len(named) != 1 or len(amounts) != 1:
            return None, f"could not read '{part}': give a kind ({kinds}) and an amount, e.g. '{q.kinds[0][0]} 10k'"
        name = _kind(q, named[0]) or ""
        value, error = coerce_fact(facts[name], amounts[0])
        if error:
            return None, f"{named[0]}: {error}"
        values[name] = value
    return {name: values.get(name, 0) for name in q.facts}, None


def parse_kind(q: Question, facts: dict[str, FactDef], amount: str, text: str) -> tuple[dict[str, Any] | None, str | None]:
    """The follow-up to a bare amount: one kind word takes all of it, or the answer splits it."""
    name = _kind(q, text.replace(" ira", "").strip())
    if name is not None:
        return parse_grouped(q, facts, f"{text} {amount}")
    values, error = parse_grouped(q, facts, text)
    if error or values is None:
        return None, error or f"name the kind: {', '.join(k for k, _ in q.kinds)}"
    return values, None
