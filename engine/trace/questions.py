"""Which unknown facts are worth asking, most useful first.

A fact is asked when it is missing from an undetermined rule (its answer can change that
rule's outcome) or when it was answered by an assumption that a rule's outcome or a figure rests
on (CONTRACT §7.1: every assumption is also a question). Each undetermined rule shares its
importance among the facts it waits on, so a fact that alone settles several important rules
(MAGI, typically) comes first: a rule's importance is shared with a squared weight, so facts that
settle a rule alone dominate. Facts a rule waits on only through another rule's conclusion count
for less: answering them settles the other rule first, which is already counted there.

An assumption is worth the importance of what rests on it, shared (linearly: a different answer
to any one of them changes the outcome) among the facts assumed for it; a figure is worth the
importance of the most important fired rule whose advice shows it.
"""

from __future__ import annotations

from engine.compile import CompiledKnowledge
from engine.trace.model import Figure, NotFired, Question, Step, Undetermined

__all__ = ["rank_questions", "INHERITED_WEIGHT", "FIGURE_WEIGHT", "ASSUMED_WEIGHT"]

#: Weight of a fact that a rule waits on only through another rule's conclusion.
INHERITED_WEIGHT = 0.25
#: Importance of a figure that no fired rule's advice shows.
FIGURE_WEIGHT = 20
#: Weight of an assumed fact's question: the declared assumption is what most people would answer
#: ("none"), so asking it changes the outcome less often than asking a fact nobody can guess (MAGI).
ASSUMED_WEIGHT = 0.25


def rank_questions(
    compiled: CompiledKnowledge,
    undetermined: list[Undetermined],
    steps: list[Step] | None = None,
    not_fired: list[NotFired] | None = None,
    figures: list[Figure] | None = None,
) -> list[Question]:
    """Rank the missing facts of undetermined rules, and the assumed facts, by how much they could settle."""
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
    resting: list[tuple[str, float, list[str]]] = [(s.rule, importance[s.rule], s.assumed) for s in steps or ()]
    resting += [(n.rule, importance[n.rule], n.assumed) for n in not_fired or ()]
    shown: dict[str, float] = {}
    for step in steps or ():
        for name in compiled.advice_names.get(step.rule, ()):
            shown[name] = max(shown.get(name, 0), importance[step.rule])
    resting += [(f.name, shown.get(f.name, FIGURE_WEIGHT), f.assumed) for f in figures or ()]
    for key, weight, facts in resting:
        for fact in facts:
            scores[fact] = scores.get(fact, 0.0) + ASSUMED_WEIGHT * weight / len(facts)
            if key not in settles.setdefault(fact, []):
                settles[fact].append(key)
    ranked = sorted(scores, key=lambda f: (-round(scores[f], 6), f))
    return [
        Question(f, k.facts[f].question, sorted(settles[f]), round(scores[f], 2), k.facts[f].help) for f in ranked if f in k.facts
    ]
