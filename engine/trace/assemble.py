"""Stage 5: assemble the trace (plain dataclasses) from one evaluation's results.

Everything that depends only on the knowledge (leaf thresholds and their sources per year,
advice templates split into text and placeholders, which values are figures) is prepared
once per compiled knowledge base in a :class:`Static` (built by :func:`build_static` when the
knowledge base is loaded), so that a warm evaluation spends its
time on the person, not on re-reading the rules.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from engine.compile import CompiledKnowledge
from engine.model.conditions import PLACEHOLDER, leaves
from engine.model.expr import Unknown, render
from engine.model.knowledge import Leaf, Rule
from engine.run.evaluate import RunResult
from engine.run.status import WANT_UNKNOWN, select
from engine.trace.afterfix import Fixes, after_fix, build_fixes, done_text, touched_topics
from engine.trace.assumptions import Assumed, build_assumptions, with_assumptions
from engine.trace.formatting import format_value
from engine.trace.model import Check, Explanation, Figure, NotFired, SourceInfo, Step, Undetermined
from engine.trace.questions import rank_questions
from engine.trace.whynot import Requirement, requirements

__all__ = ["assemble", "build_static", "render_advice", "Static"]

_UNKNOWN = Unknown()


@dataclass(frozen=True)
class LeafInfo:
    """What a trace needs to know about one condition, independent of the person."""

    name: str
    op: str
    conclusion: bool
    value_type: str
    threshold_name: str | None
    threshold_sources: dict[int, list[str]]
    literal: Any
    shown: str
    text: str


@dataclass
class Static:
    """Per-knowledge data for fast trace assembly."""

    rules: dict[str, Rule]
    leaf: dict[int, LeafInfo]
    advice: dict[str, list[list[tuple[str, str | None]]]]
    deadline: dict[str, list[list[tuple[str, str | None]]]]
    figures: list[tuple[str, Any, tuple[tuple[str, str], ...]]]
    form8606: list[tuple[str, Any, tuple[tuple[str, str], ...]]]
    facts: frozenset[str]
    types: dict[str, str]
    #: Per rule: its citations as (source, pinpoint) and its rationale on one line.
    citations: dict[str, tuple[tuple[str, str], ...]]
    rationale: dict[str, str]
    #: Per rule: its leaves when its condition is a flat "all" of leaves (most rules), else None.
    flat: dict[str, tuple[Leaf, ...] | None]
    #: Per yes/no fact: its (yes_means, no_means) split for filling in, when the author gave them.
    means: dict[str, tuple[list[list[tuple[str, str | None]]], list[list[tuple[str, str | None]]]]]
    #: Compiled after-fix changes and the facts each rule reads (for done, after-fix and topics).
    fixes: Fixes | None = field(default=None)


def build_static(compiled: CompiledKnowledge) -> Static:
    """Everything the assembly needs that depends only on the knowledge (once per knowledge base)."""
    k = compiled.knowledge
    types = {n: f.type for n, f in k.facts.items()}
    types.update({n: ("money" if p.unit == "usd" else p.unit) for n, p in k.parameters.items()})
    types.update({n: v.type for n, v in k.values.items()})
    info: dict[int, LeafInfo] = {}
    for crule in compiled.rules:
        for leaf in leaves(crule.rule.when):
            right = leaf.right
            name = right.name if hasattr(right, "name") and not leaf.conclusion else None
            sources: dict[int, list[str]] = {}
            for year in k.years:
                if name in k.parameters:
                    sources[year] = [k.parameters[name].values[year].source]
                elif name in k.values:
                    sources[year] = [c.source for c in k.values[name].sources]
                else:
                    sources[year] = []
            literal = [i.value for i in right.items] if hasattr(right, "items") else getattr(right, "value", None)
            info[id(leaf)] = LeafInfo(
                leaf.name,
                leaf.op,
                leaf.conclusion,
                types.get(leaf.name, "enum" if leaf.conclusion else ""),
                name,
                sources,
                literal,
                render(right),
                leaf.text,
            )
    advice = {rule.id: _sentences(rule.advice) for rule in k.rules}
    deadline = {rule.id: _sentences(rule.deadline) for rule in k.rules}

    def cites(value: Any) -> tuple[tuple[str, str], ...]:
        return tuple((c.source, c.pinpoint) for c in value.sources)

    figures = [(n, v, cites(v)) for n, v in k.values.items() if v.figure and not v.form8606]
    form = sorted(
        ((n, v, cites(v)) for n, v in k.values.items() if v.form8606),
        key=lambda item: int(re.sub(r"\D", "", str(item[1].form8606)) or 0),
    )
    return Static(
        {r.id: r for r in k.rules},
        info,
        advice,
        deadline,
        figures,
        form,
        frozenset(k.facts),
        types,
        {r.id: cites(r) for r in k.rules},
        {r.id: " ".join(r.because.split()) for r in k.rules},
        {r.id: _flat(r.when) for r in k.rules},
        {n: (_sentences(f.yes_means), _sentences(f.no_means)) for n, f in k.facts.items() if f.yes_means or f.no_means},
        build_fixes(compiled),
    )


def _flat(cond: Any) -> tuple[Leaf, ...] | None:
    if isinstance(cond, Leaf):
        return (cond,)
    if cond.op == "all" and all(isinstance(item, Leaf) for item in cond.items):
        return tuple(cond.items)
    return None


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")


@functools.lru_cache(maxsize=4096)
def _sentences(text: str) -> list[list[tuple[str, str | None]]]:
    """Split text into sentences, each a list of (literal text, placeholder name or None).

    Memoised: the texts are the knowledge's own (advice, "already done" and "after the fix"
    sentences), split once rather than for every explanation; the result is never mutated.
    """
    out = []
    for sentence in _SENTENCE_END.split(" ".join(text.split())):
        parts: list[tuple[str, str | None]] = []
        pos = 0
        for match in PLACEHOLDER.finditer(sentence):
            parts.append((sentence[pos : match.start()], match.group(1)))
            pos = match.end()
        parts.append((sentence[pos:], None))
        out.append(parts)
    return out


_UNKNOWN_MARK = "\x00"
_PAREN_WITH_UNKNOWN = re.compile(r"\s?\([^()]*\x00[^()]*\)")


def render_advice(
    sentences: list[list[tuple[str, str | None]]],
    env: dict[str, Any],
    types: dict[str, str],
    assumed_of: Callable[[str], list[str]] | None = None,
    phrases: dict[str, str] | None = None,
) -> str:
    """Fill placeholders with the person's formatted values.

    A value still unknown must not be printed as "unknown" in advice: a parenthesis that holds
    one is left out ("(up to {x})"), and a sentence that still needs one is left out, unless
    every sentence would be; what is unknown is listed under the questions anyway.

    With ``assumed_of`` (name -> assumed facts it rests on), a sentence showing a value that
    rests on assumptions says so (", assuming you have no SEP IRA."), each assumption once.
    """
    rendered, complete = [], []
    stated: set[str] = set()
    for parts in sentences:
        out = []
        resting: list[str] = []
        for text, name in parts:
            out.append(text)
            if name is not None:
                value = env.get(name, _UNKNOWN)
                out.append(
                    _UNKNOWN_MARK
                    if value.__class__ is Unknown
                    else "(does not apply)"
                    if value is None
                    else format_value(value, types.get(name, ""))
                )
                if assumed_of is not None:
                    resting += [f for f in assumed_of(name) if f not in resting]
        sentence = "".join(out)
        if _UNKNOWN_MARK in sentence:
            sentence = _PAREN_WITH_UNKNOWN.sub("", sentence)
        new = [f for f in resting if f not in stated]
        if new and _UNKNOWN_MARK not in sentence:
            stated.update(new)
            sentence = with_assumptions(sentence, new, phrases or {})
        rendered.append(sentence.replace(_UNKNOWN_MARK, "(unknown)"))
        if _UNKNOWN_MARK not in sentence:
            complete.append(sentence)
    return " ".join(complete or rendered)


def _plain(value: Any) -> str:
    if value is None:
        return "unknown"
    if isinstance(value, bool):
        return "true" if value else "false"
    return format_value(value) if not isinstance(value, str) else value


def _check(st: Static, env: dict[str, Any], leaf: Leaf, result: tuple[Any, Any], year: int) -> Check:
    info = st.leaf[id(leaf)]
    left, holds = result
    threshold = None
    if info.threshold_name:
        threshold = env.get(info.threshold_name)
        # None is "does not apply to this person" (no phase-out range when nobody is covered at work);
        # an Unknown is "cannot be computed yet". They read differently.
        if threshold is None:
            shown = "no limit (it does not apply)"
        elif threshold.__class__ is Unknown:
            shown, threshold = "a figure that cannot be computed yet", None
        else:
            shown = _plain(threshold)
    else:
        shown = info.shown
    missing: list[str] = []
    if left.__class__ is Unknown or holds.__class__ is Unknown:
        found = (left.missing if left.__class__ is Unknown else frozenset()) | (
            holds.missing if holds.__class__ is Unknown else frozenset()
        )
        missing = sorted(found & st.facts)
    return Check(
        info.name,
        None if left.__class__ is Unknown else left,
        f"{info.op} {shown}",
        None if holds.__class__ is Unknown else bool(holds),
        info.threshold_name,
        threshold,
        info.threshold_sources[year],
        missing,
        info.text,
        info.value_type,
    )


def _requirement(st: Static, env: dict[str, Any], leaf: Leaf, year: int) -> Requirement:
    info = st.leaf[id(leaf)]
    if info.threshold_name:
        value = env.get(info.threshold_name)
        return Requirement(
            info.name,
            info.op,
            None if value.__class__ is Unknown else value,
            info.threshold_name,
            info.threshold_sources[year],
            info.value_type,
        )
    return Requirement(info.name, info.op, info.literal, None, [], info.value_type, info.conclusion, _means(st, env, info))


def _means(st: Static, env: dict[str, Any], info: LeafInfo) -> str:
    """The author's phrase for a yes/no requirement ("you stay HSA-eligible through ..."), or ""."""
    phrases = st.means.get(info.name)
    if phrases is None or not isinstance(info.literal, bool):
        return ""
    wanted_yes = info.literal == (info.op == "==")
    chosen = phrases[0] if wanted_yes else phrases[1]
    return render_advice(chosen, env, st.types) if chosen and chosen[0][0] + (chosen[0][1] or "") else ""


def _requirement_from(st: Static, env: dict[str, Any], check: Check, leaf: Leaf, year: int) -> Requirement:
    """The requirement for a failed flat condition, reusing its check's resolved threshold."""
    info = st.leaf[id(leaf)]
    if info.threshold_name:
        return Requirement(info.name, info.op, check.threshold, info.threshold_name, check.threshold_sources, info.value_type)
    return _requirement(st, env, leaf, year)


def assemble(compiled: CompiledKnowledge, st: Static, run: RunResult) -> Explanation:
    """Build the :class:`~engine.trace.Explanation` of one run."""
    k = compiled.knowledge
    facts, env, order = run.facts, run.env, run.order
    status, results, pending = run.statuses.status, run.statuses.results, run.statuses.pending
    year = facts["tax_year"]
    fixes = st.fixes or build_fixes(compiled)

    def fill(text: str, values: dict[str, Any]) -> str:
        return render_advice(_sentences(text), values, st.types)

    steps: list[Step] = []
    cited: list[str] = []
    assumed = Assumed(run)
    phrases = compiled.phrases
    affects: dict[str, list[str]] = {}

    def rests(key: str, found: list[str]) -> list[str]:
        for fact in found:
            keys = affects.setdefault(fact, [])
            if key not in keys:
                keys.append(key)
        return found

    def placeholder(name: str) -> list[str]:
        line = k.values[name].form8606 if name in k.values else None
        return rests(f"form8606.{line}" if line else name, assumed.value(name))

    of_value = placeholder if run.assumed else None

    for n, rid in enumerate(order, 1):
        rule, res = st.rules[rid], results[rid]
        flat = st.flat[rid]
        chosen = flat if flat is not None else select(rule.when, res, True)
        because = [_check(st, env, leaf, res[id(leaf)], year) for leaf in chosen]
        citations = st.citations[rid]
        steps.append(
            Step(
                n,
                rid,
                rule.title,
                rule.kind,
                rule.importance,
                render_advice(st.advice[rid], env, st.types, of_value, phrases),
                because,
                dict(rule.conclude),
                list(citations),
                st.rationale[rid],
                render_advice(st.deadline[rid], env, st.types, of_value, phrases) if rule.deadline else "",
                rests(rid, assumed.rule(rid)),
                topic=rule.topic,
                cost=rule.cost,
                order=rule.order,
                done=done_text(rule, facts, env, fill),
                after_fix=after_fix(compiled, fixes, rule, facts, env, fill, run.assumed),
                brief=render_advice(_sentences(rule.brief), env, st.types, of_value, phrases) if rule.brief else "",
            )
        )
        cited += [sid for sid, _ in citations]
        for ch in because:
            cited += ch.threshold_sources
    not_fired, undetermined = [], []
    for crule, _ in compiled.rule_leaves:
        rule = crule.rule
        state, res, flat = status[rule.id], results[rule.id], st.flat[rule.id]
        if state.__class__ is Unknown:
            chosen = (
                [leaf for leaf in flat if res[id(leaf)][1].__class__ is Unknown]
                if flat is not None
                else select(rule.when, res, WANT_UNKNOWN)
            )
            checks = [_check(st, env, leaf, res[id(leaf)], year) for leaf in chosen]
            own = {m for ch, leaf in zip(checks, chosen, strict=True) if not leaf.conclusion for m in ch.missing}
            missing = sorted({m for ch in checks for m in ch.missing} | (pending.get(rule.id, frozenset()) & st.facts))
            undetermined.append(Undetermined(rule.id, rule.title, missing, checks, sorted(set(missing) - own), rule.topic))
        elif not state:
            if flat is not None:
                chosen = [leaf for leaf in flat if res[id(leaf)][1] is False]
                checks = [_check(st, env, leaf, res[id(leaf)], year) for leaf in chosen]
                # Every condition not yet true is required: the failed ones (their checks
                # already hold the thresholds) and any still unknown.
                failed = {id(leaf): ch for ch, leaf in zip(checks, chosen, strict=True)}
                alternatives = [
                    [
                        _requirement_from(st, env, failed[id(leaf)], leaf, year)
                        if id(leaf) in failed
                        else _requirement(st, env, leaf, year)
                        for leaf in flat
                        if res[id(leaf)][1] is not True
                    ]
                ]
            else:
                chosen = select(rule.when, res, False)
                checks = [_check(st, env, leaf, res[id(leaf)], year) for leaf in chosen]
                alternatives = requirements(rule.when, res, lambda leaf: _requirement(st, env, leaf, year))
            resting = rests(rule.id, assumed.rule(rule.id))
            not_fired.append(NotFired(rule.id, rule.title, checks, alternatives, resting, rule.kind))
    figures: list[Figure] = []
    form: list[Figure] = []
    for target, triples in ((figures, st.figures), (form, st.form8606)):
        for name, value, citations in triples:
            current = env.get(name)
            if current is None or current.__class__ is Unknown:
                continue
            shown = str(value.form8606 or name)
            key = f"form8606.{shown}" if value.form8606 else shown
            target.append(Figure(shown, current, value.type, value.description, list(citations), rests(key, assumed.value(name))))
            cited += [sid for sid, _ in citations]
    sources = {
        sid: SourceInfo(sid, k.sources[sid].title, k.sources[sid].url, k.sources[sid].kind, k.sources[sid].pinpoint)
        for sid in sorted(set(cited))
    }
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
        rank_questions(compiled, undetermined, steps, not_fired, figures),
        sources,
        build_assumptions(list(k.facts), run.assumed, phrases, affects),
        topics=touched_topics(k, fixes, facts, list(order)),
    )
