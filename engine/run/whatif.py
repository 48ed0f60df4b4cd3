"""Simulated answers: which unknown fact, once answered, would settle the most (the interview)."""

from __future__ import annotations

from typing import Any

from engine.compile import CompiledKnowledge
from engine.model.expr import Unknown
from engine.model.knowledge import FactDef
from engine.run.evaluate import compute_env, rule_statuses

__all__ = ["best_question", "sample_answers", "CHAIN_DISCOUNT"]

#: Factor applied per level of chaining when estimating what an answer settles.
CHAIN_DISCOUNT = 0.4


def sample_answers(fact: FactDef, tax_year: int) -> list[Any]:
    """Representative answers for a fact, used to estimate what answering it would settle."""
    if fact.type == "bool":
        return [True, False]
    if fact.type == "enum":
        return list(fact.values)
    if fact.type == "money":
        return [0, 10_000_000]
    if fact.type == "date":
        return [f"{tax_year - 70}-01-01", f"{tax_year - 30}-01-01"]
    if fact.type == "list":
        return [[]]
    if fact.name == "age":
        return [30, 70]
    if fact.name.endswith("_year"):
        return [tax_year - 10, tax_year]
    low = fact.min if fact.min is not None else 0
    high = fact.max if fact.max is not None else 10_000_000
    return [low, high]


def best_question(compiled: CompiledKnowledge, facts: dict[str, Any], candidates: list[str]) -> str | None:
    """The candidate fact whose answer is expected to settle the most (by importance).

    Each candidate is tried with representative answers (:func:`sample_answers`) through the
    three-valued pass only; the score is the average importance of the undetermined rules
    each answer would decide. Ties keep the order of ``candidates`` (the heuristic ranking).
    """
    # A rule deeper in a chain counts for less: settling a consequence before its premise
    # (e.g. "your plan takes roll-ins" before "do you have pre-tax IRA money") is worth little.
    importance = {c.rule.id: c.rule.importance * CHAIN_DISCOUNT**c.stratum for c in compiled.rules}
    base = rule_statuses(compiled, compute_env(compiled, facts)).status
    open_rules = [rid for rid, state in base.items() if state.__class__ is Unknown]
    best, best_score = None, -1.0
    for name in candidates:
        answers = sample_answers(compiled.knowledge.facts[name], facts["tax_year"])
        total = 0.0
        for answer in answers:
            status = rule_statuses(compiled, compute_env(compiled, dict(facts, **{name: answer}))).status
            total += sum(importance[r] for r in open_rules if status[r].__class__ is not Unknown)
        score = total / len(answers)
        if score > best_score + 1e-9:
            best, best_score = name, score
    return best
