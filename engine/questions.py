"""Which unknown facts are worth asking, most useful first.

A fact is asked only when it is missing from an undetermined rule: its answer can change that
rule's outcome. Each undetermined rule shares its importance among the facts it waits on, so a
fact that alone settles several important rules (MAGI, typically) comes first: a rule's
importance is shared with a squared weight, so facts that settle a rule alone dominate. Facts a rule
waits on only through another rule's conclusion count for less: answering them settles the
other rule first, which is already counted there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .expr import Unknown
from .model import FactDef
from .trace import Question, Undetermined

if TYPE_CHECKING:
    from .compile import CompiledKnowledge

__all__ = ["rank_questions", "INHERITED_WEIGHT", "best_question", "sample_answers"]

#: Weight of a fact that a rule waits on only through another rule's conclusion.
INHERITED_WEIGHT = 0.25
#: Factor applied per level of chaining when estimating what an answer settles.
CHAIN_DISCOUNT = 0.4


def rank_questions(compiled: CompiledKnowledge, undetermined: list[Undetermined]) -> list[Question]:
    """Rank the missing facts of undetermined rules by how much they could settle."""
    k = compiled.knowledge
    importance = compiled.__dict__.get("_importance")
    if importance is None:  # per knowledge base, not per evaluation
        importance = compiled.__dict__["_importance"] = {c.rule.id: c.rule.importance for c in compiled.rules}
    scores: dict[str, float] = {}
    settles: dict[str, list[str]] = {}
    for item in undetermined:
        if not item.missing:
            continue
        inherited = set(item.inherited)
        weights = {f: INHERITED_WEIGHT if f in inherited else 1.0 for f in item.missing}
        total = sum(weights.values())
        for fact in item.missing:
            # Squared share: a fact that alone settles a rule counts fully; one of n unknowns
            # that must all be answered counts 1/n² (answering it alone rarely settles the rule).
            share = weights[fact] / total
            scores[fact] = scores.get(fact, 0.0) + importance[item.rule] * share * share
            settles.setdefault(fact, []).append(item.rule)
    ranked = sorted(scores, key=lambda f: (-round(scores[f], 6), f))
    return [Question(f, k.facts[f].question, sorted(settles[f]), round(scores[f], 2), k.facts[f].help)
            for f in ranked if f in k.facts]


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
    from .evaluate import compute_env, rule_statuses
    # A rule deeper in a chain counts for less: settling a consequence before its premise
    # (e.g. "your plan takes roll-ins" before "do you have pre-tax IRA money") is worth little.
    importance = {c.rule.id: c.rule.importance * CHAIN_DISCOUNT ** c.stratum for c in compiled.rules}
    base, _, _ = rule_statuses(compiled, compute_env(compiled, facts))
    open_rules = [rid for rid, state in base.items() if state.__class__ is Unknown]
    best, best_score = None, -1.0
    for name in candidates:
        answers = sample_answers(compiled.knowledge.facts[name], facts["tax_year"])
        total = 0.0
        for answer in answers:
            status, _, _ = rule_statuses(compiled, compute_env(compiled, dict(facts, **{name: answer})))
            total += sum(importance[r] for r in open_rules if status[r].__class__ is not Unknown)
        score = total / len(answers)
        if score > best_score + 1e-9:
            best, best_score = name, score
    return best
