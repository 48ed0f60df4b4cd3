"""The interview's next question: the plan's order (knowledge/interview.yaml), the goal's rules.

A question is asked only when one of its facts is still awaited by an undetermined rule of the
goal; groups come in the authored order; a group with a gate asks the gate first and skips the
rest when the gate is "no", zero or "don't know". Within a group the question that settles most
of the goal's open rules comes first (unless the group says ``as-written``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.compile import CompiledKnowledge
from engine.model.conditions import leaves
from engine.model.expr import Unknown, names_in
from engine.model.interview import Goal, Question, QuestionGroup
from engine.model.knowledge import Knowledge
from engine.run.evaluate import compute_env, rule_statuses
from engine.run.whatif import CHAIN_DISCOUNT, sample_answers

__all__ = [
    "Ask",
    "goal_rules",
    "plan_groups",
    "groups_for",
    "gate_open",
    "open_rules",
    "awaited_facts",
    "next_question",
    "planning_year",
    "figure_inputs",
]


@dataclass(frozen=True)
class Assumed:
    """Facts answered by a stated assumption (CONTRACT §7.1): all of them, and those bearing on the goal."""

    all: frozenset[str] = frozenset()
    relevant: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Ask:
    """The next question, the group it belongs to, and whether it is the group's gate."""

    group: QuestionGroup
    question: Question
    gate: bool = False


def goal_rules(knowledge: Knowledge, goal: Goal | None) -> frozenset[str]:
    """The rules that matter for a goal: its topics (every topic when none), plus ``also``, minus ``drop``."""
    if goal is None:
        return frozenset(r.id for r in knowledge.rules)
    chosen = {r.id for r in knowledge.rules if not goal.topics or r.topic in goal.topics}
    return frozenset((chosen | set(goal.also)) - set(goal.drop))


def groups_for(knowledge: Knowledge, goal: Goal | None) -> tuple[QuestionGroup, ...]:
    """The plan's groups that are asked for ``goal`` (a group naming ``goals`` is asked only for those)."""
    return tuple(g for g in plan_groups(knowledge) if not g.goals or (goal is not None and goal.id in g.goals))


def plan_groups(knowledge: Knowledge) -> tuple[QuestionGroup, ...]:
    """The authored groups, then one group of every fact the plan does not name (so none is unreachable)."""
    groups = knowledge.interview.groups
    named = {f for g in groups for q in g.all_questions() for f in q.facts}
    rest = tuple(Question(n, (n,)) for n in knowledge.facts if n not in named)
    return groups + ((QuestionGroup("other", "Other questions", rest),) if rest else ())


def gate_open(value: Any) -> bool:
    """A gate opens on yes or an amount above zero; no, zero and unknown keep it closed."""
    if isinstance(value, bool) or value is None:
        return value is True
    try:
        return bool(value > 0)
    except TypeError:
        return False


def figure_inputs(knowledge: Knowledge, figure: str) -> frozenset[str]:
    """The facts without a default that a figure's formula reads, through other values."""
    seen: set[str] = set()
    todo = [figure]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in knowledge.values:
            todo.extend(names_in(knowledge.values[name].ast))
        elif name in knowledge.parameters and knowledge.parameters[name].by:
            todo.append(str(knowledge.parameters[name].by))  # a column picked by a fact (HSA coverage)
    return frozenset(n for n in seen if n in knowledge.facts and not knowledge.facts[n].has_default)


def goal_facts(knowledge: Knowledge, goal: Goal | None) -> frozenset[str]:
    """Every fact a rule or figure of the goal can read, through values and the rules behind conclusions.

    The web form shows, for a goal, only the sections that hold one of these facts.
    """
    rules = goal_rules(knowledge, goal)
    producers: dict[str, list[Any]] = {}
    for rule in knowledge.rules:
        for name, _ in rule.conclude:
            producers.setdefault(name, []).append(rule)
    todo: list[str] = list(goal.figures if goal else ())
    for rule in knowledge.rules:
        if rule.id in rules:
            todo.extend(_condition_names(rule.when))
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in knowledge.values:
            todo.extend(names_in(knowledge.values[name].ast))
        elif name in knowledge.parameters and knowledge.parameters[name].by:
            todo.append(str(knowledge.parameters[name].by))
        for rule in producers.get(name, ()):
            todo.extend(_condition_names(rule.when))
    return frozenset(n for n in seen if n in knowledge.facts)


def _condition_names(cond: Any) -> list[str]:
    out = []
    for leaf in leaves(cond):
        out.append(leaf.name)
        out.extend(names_in(leaf.right))
    return out


def _needed_inputs(compiled: CompiledKnowledge, facts: dict[str, Any], figure: str) -> set[str]:
    """A smallest set of unknown facts whose answers make ``figure`` known (empty when none can).

    Starting from every unknown input answered (with a representative answer), each input is
    dropped in the vocabulary's order while the figure stays known. So HSA coverage and
    contributions are both asked for the HSA transfer limit, age (not also the birth date) for
    a catch-up, and a spouse's pay is not asked for the IRA limit of someone filing single.
    """
    k = compiled.knowledge
    inputs = [f for f in k.facts if f in figure_inputs(k, figure) and f not in facts]
    trial = {f: sample_answers(k.facts[f], facts["tax_year"])[-1] for f in inputs}
    if compute_env(compiled, dict(facts, **trial)).get(figure).__class__ is Unknown:
        return set()
    for name in inputs:
        without = {f: v for f, v in trial.items() if f != name}
        if compute_env(compiled, dict(facts, **without)).get(figure).__class__ is not Unknown:
            trial = without
    return set(trial)


def open_rules(compiled: CompiledKnowledge, facts: dict[str, Any], rules: frozenset[str]) -> dict[str, frozenset[str]]:
    """The goal's undetermined rules and, for each, the facts it waits on."""
    st = rule_statuses(compiled, compute_env(compiled, facts))
    return {r: st.pending.get(r, frozenset()) for r in rules if st.status.get(r).__class__ is Unknown}


def awaited_facts(compiled: CompiledKnowledge, facts: dict[str, Any], rules: frozenset[str]) -> dict[str, list[str]]:
    """Per fact still awaited: the goal's rules it could help decide (what ``?`` explains)."""
    out: dict[str, list[str]] = {}
    for rule, missing in open_rules(compiled, facts, rules).items():
        for name in missing:
            out.setdefault(name, []).append(rule)
    return out


def _askable(q: Question, facts: dict[str, Any], skipped: set[str], awaited: set[str], assumed: Assumed) -> list[Question]:
    """The question as it can still be asked: whole, or fact by fact when part of it is already known.

    A fact answered by a stated assumption (CONTRACT §7.1) is not asked on its own (the explanation
    lists it: "assumed, tell us if wrong"), but a grouped question is asked when an assumption
    about one of its facts bears on the goal: it exists to ask exactly those balances.
    """
    unknown = [f for f in q.facts if f not in facts and f not in skipped]
    if len(unknown) == len(q.facts) and q.grouped and any(f in awaited or f in assumed.relevant for f in unknown):
        return [q]
    return [Question(f, (f,)) for f in unknown if f in awaited and f not in assumed.all]


def _score(compiled: CompiledKnowledge, facts: dict[str, Any], q: Question, base: dict[str, frozenset[str]]) -> float:
    """Average importance of the goal's open rules that an answer to ``q`` would decide."""
    weight = {c.rule.id: c.rule.importance * CHAIN_DISCOUNT**c.stratum for c in compiled.rules}
    answers = sample_answers(compiled.knowledge.facts[q.facts[0]], facts["tax_year"])
    total = 0.0
    for answer in answers:
        trial = dict(facts, **{f: answer for f in q.facts})
        still = open_rules(compiled, trial, frozenset(base))
        total += sum(weight[r] for r in base if r not in still)
    return total / len(answers)


def next_question(
    compiled: CompiledKnowledge,
    groups: tuple[QuestionGroup, ...],
    rules: frozenset[str],
    facts: dict[str, Any],
    skipped: set[str],
    figures: tuple[str, ...] = (),
    assumed: Assumed = Assumed(),
) -> Ask | None:
    """The next question to ask, or None when no answer could change a rule of the goal.

    Args:
        compiled: The compiled knowledge.
        groups: The plan's groups (:func:`plan_groups`).
        rules: The goal's rules (:func:`goal_rules`).
        facts: Validated facts so far (``tax_year`` must be among them).
        skipped: Facts answered "don't know" (never asked again).
        figures: The goal's figures: while one is unknown, the facts it reads are awaited too.
        assumed: Facts answered by stated assumptions (from the explanation's ``assumptions``).

    """
    # A fact with a declared answer (CONTRACT §7.1) is answered by it and stated, not asked on its own;
    # a grouped question still asks such balances when one bears on the goal.
    assumed = Assumed(assumed.all | frozenset(compiled.assume), assumed.relevant)
    base = open_rules(compiled, facts, rules)
    awaited = {f for missing in base.values() for f in missing}
    env = compute_env(compiled, facts)
    for figure in figures:
        if env.get(figure).__class__ is Unknown:
            awaited |= _needed_inputs(compiled, facts, figure) - assumed.all
    for group in groups:
        candidates = [a for q in group.questions for a in _askable(q, facts, skipped, awaited, assumed)]
        if group.gate is not None:
            gate = group.gate.facts[0]
            if (gate in facts and not gate_open(facts[gate])) or gate in skipped:
                continue
            if gate not in facts and (candidates or gate in awaited):
                return Ask(group, group.gate, gate=True)
        if not candidates:
            continue
        if group.order == "as-written" or len(candidates) == 1:
            return Ask(group, candidates[0])
        scores = [_score(compiled, facts, q, base) for q in candidates]
        best = max(range(len(candidates)), key=lambda i: (scores[i], -i))
        return Ask(group, candidates[best])
    return None


def planning_year(knowledge: Knowledge, today: int) -> int:
    """The year a person is most likely planning: the latest covered year not after ``today``."""
    years = [y for y in knowledge.years if y <= today]
    return years[-1] if years else knowledge.years[0]
