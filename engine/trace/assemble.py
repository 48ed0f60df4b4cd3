"""Stage 5: assemble the trace (plain dataclasses) from one evaluation's results.

Everything that depends only on the knowledge (each condition's test text and threshold
sources per year, advice templates split into text and placeholders, which values are figures)
is prepared once per compiled knowledge base in :mod:`engine.trace.tables`, so that a warm
evaluation spends its time on the person, not on re-reading the rules.
"""

from __future__ import annotations

from typing import Any

from engine.compile import CompiledKnowledge
from engine.model.expr import Unknown
from engine.run.evaluate import RunResult
from engine.run.status import WANT_UNKNOWN
from engine.trace.advice import fill, render_advice, template
from engine.trace.afterfix import after_fix, done_text, touched_topics
from engine.trace.assumptions import Assumed, build_assumptions
from engine.trace.formatting import format_value
from engine.trace.model import Check, Explanation, Figure, NotFired, SourceInfo, Step, Undetermined
from engine.trace.questions import rank_questions
from engine.trace.tables import LeafRow, RuleRow, Static, build_static
from engine.trace.whynot import Requirement, requirements, select_rows

__all__ = ["assemble", "build_static", "render_advice", "Static"]

_EMPTY: frozenset[str] = frozenset()


def _plain(value: Any) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "true" if value else "false"
    return format_value(value) if not isinstance(value, str) else value


def _check(facts: frozenset[str], env: dict[str, Any], row: LeafRow, left: Any, holds: Any, year: int) -> Check:
    threshold_name = row.threshold_name
    threshold = None
    if threshold_name:
        threshold = env.get(threshold_name)
        # None is "does not apply to this person" (no phase-out range when nobody is covered at work);
        # an Unknown is "cannot be computed yet". They read differently.
        if threshold is None:
            test = f"{row.op} no limit (it does not apply)"
        elif threshold.__class__ is Unknown:
            test, threshold = f"{row.op} a figure that cannot be computed yet", None
        else:
            test = f"{row.op} {_plain(threshold)}"
    else:
        test = row.test
    missing: list[str]
    if left.__class__ is Unknown:
        if holds is left or holds.__class__ is not Unknown:
            missing = sorted(left.missing & facts)
        else:
            missing = sorted((left.missing | holds.missing) & facts)
        left = None
    elif holds.__class__ is Unknown:
        missing = sorted(holds.missing & facts)
    else:
        missing = []
    return Check(
        row.name,
        left,
        test,
        None if holds.__class__ is Unknown else bool(holds),
        threshold_name,
        threshold,
        row.threshold_sources[year],
        missing,
        row.text,
        row.value_type,
    )


def _requirement(env: dict[str, Any], row: LeafRow, year: int) -> Requirement:
    if row.threshold_name:
        value = env.get(row.threshold_name)
        return Requirement(
            row.name,
            row.op,
            None if value.__class__ is Unknown else value,
            row.threshold_name,
            row.threshold_sources[year],
            row.value_type,
        )
    means = row.means
    return Requirement(
        row.name, row.op, row.literal, None, [], row.value_type, row.conclusion, fill(means, env) if means is not None else ""
    )


def _why_not(st: Static, env: dict[str, Any], rule: RuleRow, res: dict[int, Any], year: int) -> tuple[list[Check], list[Any]]:
    """The failed conditions of a rule that does not apply, and what would make it apply."""
    facts = st.facts
    if rule.tree is not None:
        checks = []
        for row in select_rows(rule.tree, res, False):
            left, holds = res[row.key]
            checks.append(_check(facts, env, row, left, holds, year))
        return checks, requirements(rule.tree, res, lambda row: _requirement(env, row, year))
    # Every condition not yet true is required: the failed ones (their checks already hold
    # the thresholds) and any still unknown.
    checks, needed = [], []
    for row in rule.flat:  # type: ignore[union-attr]
        left, holds = res[row.key]
        if holds is True:
            continue
        if holds is False:
            check = _check(facts, env, row, left, holds, year)
            checks.append(check)
            if row.threshold_name:
                needed.append(
                    Requirement(row.name, row.op, check.threshold, row.threshold_name, check.threshold_sources, row.value_type)
                )
                continue
        needed.append(_requirement(env, row, year))
    return checks, [needed]


def _undetermined(st: Static, env: dict[str, Any], rule: RuleRow, res: dict[int, Any], waits: Any, year: int) -> Undetermined:
    """A rule that could apply or not: its undecided conditions and the facts it waits on."""
    facts = st.facts
    checks = []
    # Every fact it waits on, and those missing from a condition on a fact or value rather than
    # on another rule's conclusion (the others it only inherits).
    every: set[str] = set(waits & facts) if waits else set()
    own: set[str] = set()
    flat = rule.flat
    for row in flat if flat is not None else select_rows(rule.tree, res, WANT_UNKNOWN):  # type: ignore[arg-type]
        left, holds = res[row.key]
        if flat is not None and holds.__class__ is not Unknown:
            continue
        check = _check(facts, env, row, left, holds, year)
        checks.append(check)
        if check.missing:
            every.update(check.missing)
            if not row.conclusion:
                own.update(check.missing)
    missing = sorted(every)
    # ``own`` is part of ``every``: when empty or all of it, no second sort is needed.
    inherited = missing.copy() if not own else [] if len(own) == len(every) else sorted(every - own)
    return Undetermined(rule.id, rule.rule.title, missing, checks, inherited, rule.rule.topic)


def assemble(compiled: CompiledKnowledge, st: Static, run: RunResult) -> Explanation:
    """Build the :class:`~engine.trace.Explanation` of one run."""
    k = compiled.knowledge
    facts, env, order = run.facts, run.env, run.order
    status, results, pending = run.statuses.status, run.statuses.results, run.statuses.pending
    year = facts["tax_year"]
    fixes, said, known = st.fixes, st.said, st.facts

    def filled(text: str, values: dict[str, Any]) -> str:
        tpl = said.get(text)
        return fill(tpl if tpl is not None else template(text, st.types), values)

    steps: list[Step] = []
    cited: list[str] = []
    assumed = Assumed(run) if run.assumed else None
    phrases = compiled.phrases
    affects: dict[str, list[str]] = {}

    def rests(key: str, found: list[str]) -> list[str]:
        for fact in found:
            keys = affects.get(fact)  # not setdefault: that builds a list even when one is there
            if keys is None:
                affects[fact] = [key]
            elif key not in keys:
                keys.append(key)
        return found

    value_key = st.value_key

    def placeholder(name: str) -> list[str]:
        found = assumed.value(name)  # type: ignore[union-attr]
        return rests(value_key.get(name, name), found) if found else found

    # Without assumptions nothing rests on one: no placeholder or outcome needs recording.
    of_value = placeholder if assumed is not None else None
    rules = st.rules
    for n, rid in enumerate(order, 1):
        row = rules[rid]
        rule, res = row.rule, results[rid]
        chosen = row.flat if row.tree is None else select_rows(row.tree, res, True)
        because = [_check(known, env, leaf, *res[leaf.key], year) for leaf in chosen]  # type: ignore[union-attr]
        citations = row.citations
        # Keyword arguments after the positional ones: the order in which what rests on an
        # assumption is recorded (advice, deadline, the rule, the brief) is the order of the output.
        advice = fill(row.advice, env, of_value, phrases)
        deadline = fill(row.deadline, env, of_value, phrases) if row.deadline is not None else ""
        resting = rests(rid, assumed.rule(rid)) if assumed is not None else []
        steps.append(
            Step(
                n,
                rid,
                rule.title,
                rule.kind,
                rule.importance,
                advice,
                because,
                dict(rule.conclude),
                list(citations),
                row.rationale,
                deadline,
                resting,
                topic=rule.topic,
                cost=rule.cost,
                order=rule.order,
                done=done_text(rule, facts, env, filled),
                after_fix=after_fix(compiled, fixes, rule, facts, env, filled, run.assumed),
                brief=fill(row.brief, env, of_value, phrases) if row.brief is not None else "",
            )
        )
        cited += [sid for sid, _ in citations]
        for ch in because:
            cited += ch.threshold_sources
    not_fired, undetermined = [], []
    base = run.base.status
    for row in st.ordered:
        rid = row.id
        state = status[rid]
        if state.__class__ is Unknown:
            undetermined.append(_undetermined(st, env, row, results[rid], pending.get(rid, _EMPTY), year))
        elif not state:
            checks, alternatives = _why_not(st, env, row, results[rid], year)
            # Decided in the pass over the given facts alone: it rests on no assumption.
            resting = rests(rid, assumed.rule(rid)) if assumed is not None and base[rid].__class__ is Unknown else []
            not_fired.append(NotFired(rid, row.rule.title, checks, alternatives, resting, row.rule.kind))
    figures: list[Figure] = []
    form: list[Figure] = []
    for target, table in ((figures, st.figures), (form, st.form8606)):
        for fig in table:
            current = env.get(fig.name)
            if current is None or current.__class__ is Unknown:
                continue
            resting = rests(fig.key, assumed.value(fig.name)) if assumed is not None else []
            target.append(Figure(fig.shown, current, fig.type, fig.description, list(fig.citations), resting))
            cited += [sid for sid, _ in fig.citations]
    about = st.sources
    sources = {sid: SourceInfo(*about[sid]) for sid in sorted(set(cited))}
    return Explanation(
        year,
        k.version,
        dict(facts),
        list(order),
        steps,
        figures,
        form,
        not_fired,
        undetermined,
        rank_questions(compiled, undetermined, steps, not_fired, figures, st.asked),
        sources,
        build_assumptions(list(k.facts), run.assumed, phrases, affects),
        topics=touched_topics(st.topic, fixes, facts, order),
    )
