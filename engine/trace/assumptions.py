"""Which outcomes rest on stated assumptions (CONTRACT §7.1), and the words for them.

A run has two passes (:mod:`engine.run.evaluate`): pass A with the given facts alone, pass B
with declared assumptions for the facts pass A still waits on. A rule or value decided in pass A
rests on no assumption; one decided only in pass B rests on the assumed facts it waited on in
pass A (all of the assumed facts, should that set ever come out empty: over-stating an
assumption is safe, hiding one is not).
"""

from __future__ import annotations

from typing import Any

from engine.model.expr import Unknown
from engine.run.evaluate import RunResult
from engine.trace.model import Assumption

__all__ = ["Assumed", "join_phrases", "with_assumptions", "build_assumptions"]


class Assumed:
    """Answers "which assumed facts does this rest on?" for rules and values of one run."""

    __slots__ = ("run", "facts", "_cache")

    def __init__(self, run: RunResult) -> None:
        self.run = run
        self.facts = run.assumed
        self._cache: dict[str, list[str]] = {}

    def _from(self, base: Any) -> list[str]:
        if base.__class__ is not Unknown:
            return []
        found = base.missing & self.facts.keys()
        return sorted(found or self.facts)

    def value(self, name: str) -> list[str]:
        """Assumed facts a value (figure, Form 8606 line, advice placeholder) rests on."""
        if not self.facts:
            return []
        hit = self._cache.get(name)
        if hit is None:
            current = self.run.env.get(name)
            known = current is not None and current.__class__ is not Unknown
            hit = self._cache[name] = self._from(self.run.base_env.get(name)) if known else []
        return hit

    def rule(self, rule_id: str) -> list[str]:
        """Assumed facts a rule's outcome (fired or not) rests on; [] when decided without them."""
        if not self.facts:
            return []
        if self.run.statuses.status[rule_id].__class__ is Unknown:
            return []
        return self._from(self.run.base.status[rule_id])


def join_phrases(phrases: list[str], sep: str = ", ", last: str = " and ") -> str:
    """Phrases as one clause: "you have no rollover IRA" + "you have no SEP IRA" become
    "you have no rollover or SEP IRA"; the rest are joined with commas and "and".
    """
    accounts = [p[len("you have no ") : -len(" IRA")] for p in phrases if p.startswith("you have no ") and p.endswith(" IRA")]
    rest = [p for p in phrases if not (p.startswith("you have no ") and p.endswith(" IRA"))]
    parts: list[str] = []
    if accounts:
        kinds = accounts[0] if len(accounts) == 1 else ", ".join(accounts[:-1]) + " or " + accounts[-1]
        parts.append(f"you have no {kinds} IRA")
    parts += rest
    if len(parts) <= 1:
        return "".join(parts)
    return sep.join(parts[:-1]) + last + parts[-1]


def with_assumptions(sentence: str, facts: list[str], phrases: dict[str, str]) -> str:
    """The sentence with ", assuming ..." before its final punctuation."""
    clause = join_phrases([phrases.get(f, f"{f} is as assumed") for f in facts])
    if not clause:
        return sentence
    stripped = sentence.rstrip()
    if stripped and stripped[-1] in ".!?":
        return f"{stripped[:-1]}, assuming {clause}{stripped[-1]}"
    return f"{stripped} (assuming {clause})"


def build_assumptions(
    order: list[str], assumed: dict[str, Any], phrases: dict[str, str], affects: dict[str, list[str]]
) -> list[Assumption]:
    """One :class:`Assumption` per assumed fact that something rests on, in the order of ``order``."""
    return [
        Assumption(name, assumed[name], phrases.get(name, ""), affects[name])
        for name in order
        if name in assumed and affects.get(name)
    ]
