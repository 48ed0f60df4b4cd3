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

from collections.abc import Iterable

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
    asked: dict[str, tuple[str, str]] | None = None,
) -> list[Question]:
    """Rank the missing facts of undetermined rules, and the assumed facts, by how much they could settle.

    Args:
        compiled: The compiled knowledge (rule importance, the names each rule's advice shows).
        undetermined: The undetermined rules, with the facts they wait on.
        steps: The rules that fired (their assumptions).
        not_fired: The rules that do not apply (their assumptions).
        figures: The figures shown (their assumptions).
        asked: Per fact, its question and help text (built from the knowledge when not given).

    """
    if asked is None:
        asked = {n: (f.question, f.help) for n, f in compiled.knowledge.facts.items()}
    importance = compiled.importance
    scores: dict[str, float] = {}
    settles: dict[str, list[str]] = {}
    for item in undetermined:
        missing = item.missing
        if not missing:
            continue
        rule = item.rule
        weight = importance[rule]
        # Squared share: a fact that alone settles a rule counts fully; one of n unknowns
        # that must all be answered counts 1/n² (answering it alone rarely settles the rule).
        inherited = item.inherited
        if inherited:
            weights = [INHERITED_WEIGHT if f in inherited else 1.0 for f in missing]
            total = sum(weights)
            for fact, part in zip(missing, weights, strict=True):
                share = part / total
                scores[fact] = scores.get(fact, 0.0) + weight * share * share
        else:
            share = 1.0 / len(missing)
            gain = weight * share * share
            for fact in missing:
                scores[fact] = scores.get(fact, 0.0) + gain
        for fact in missing:
            found = settles.get(fact)
            if found is None:
                settles[fact] = [rule]
            else:
                found.append(rule)
    if steps or not_fired or figures:
        _rank_assumed(compiled, scores, settles, steps or (), not_fired or (), figures or ())
    # The score rides along (never compared: facts are unique) so that it is not looked up again.
    ranked = sorted([(-round(score, 6), fact, score) for fact, score in scores.items()])
    out = []
    for _, fact, score in ranked:
        text = asked.get(fact)
        if text is not None:
            rules = settles[fact]
            rules.sort()  # built here for this question alone: sorted in place, not copied
            out.append(Question(fact, text[0], rules, round(score, 2), text[1]))
    return out


def _rank_assumed(
    compiled: CompiledKnowledge,
    scores: dict[str, float],
    settles: dict[str, list[str]],
    steps: Iterable[Step],
    not_fired: Iterable[NotFired],
    figures: Iterable[Figure],
) -> None:
    """Add the assumed facts that outcomes rest on (nothing to do when nothing was assumed)."""
    importance = compiled.importance
    resting: list[tuple[str, float, list[str]]] = [(s.rule, importance[s.rule], s.assumed) for s in steps if s.assumed]
    resting += [(n.rule, importance[n.rule], n.assumed) for n in not_fired if n.assumed]
    assumed_figures = [f for f in figures if f.assumed]
    if assumed_figures:
        shown: dict[str, float] = {}
        for step in steps:
            for name in compiled.advice_names.get(step.rule, ()):
                shown[name] = max(shown.get(name, 0), importance[step.rule])
        resting += [(f.name, shown.get(f.name, FIGURE_WEIGHT), f.assumed) for f in assumed_figures]
    for key, weight, facts in resting:
        for fact in facts:
            scores[fact] = scores.get(fact, 0.0) + ASSUMED_WEIGHT * weight / len(facts)
            found = settles.get(fact)  # not setdefault: that builds a list even when one is there
            if found is None:
                settles[fact] = [key]
            elif key not in found:
                found.append(key)
