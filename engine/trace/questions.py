"""Which unknown facts are worth asking, most useful first.

A fact is asked only when it is missing from an undetermined rule: its answer can change that
rule's outcome. Each undetermined rule shares its importance among the facts it waits on, so a
fact that alone settles several important rules (MAGI, typically) comes first: a rule's
importance is shared with a squared weight, so facts that settle a rule alone dominate. Facts a rule
waits on only through another rule's conclusion count for less: answering them settles the
other rule first, which is already counted there.
"""

from __future__ import annotations

from engine.compile import CompiledKnowledge
from engine.trace.model import Question, Undetermined

__all__ = ["rank_questions", "INHERITED_WEIGHT"]

#: Weight of a fact that a rule waits on only through another rule's conclusion.
INHERITED_WEIGHT = 0.25


def rank_questions(compiled: CompiledKnowledge, undetermined: list[Undetermined]) -> list[Question]:
    """Rank the missing facts of undetermined rules by how much they could settle."""
    k = compiled.knowledge
    importance = compiled.importance
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
    return [
        Question(f, k.facts[f].question, sorted(settles[f]), round(scores[f], 2), k.facts[f].help) for f in ranked if f in k.facts
    ]
