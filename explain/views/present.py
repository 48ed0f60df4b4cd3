"""What an explanation shows, and in which order: the one reading shared by Markdown and HTML.

The order is authored in the knowledge: each rule says what ignoring it costs (``cost``) and its
place within a plan (``order``); importance breaks ties. Rules whose cost is ``none`` are context
("good to know"). Undecided rules and questions are kept to the topics the person's facts touch;
the full detail shows the rest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from engine.model.knowledge import RULE_COSTS
from engine.trace.formatting import format_value
from engine.trace.model import Explanation, Figure, NotFired, Question, SourceInfo, Step, Undetermined
from explain.views.labels import count, figure_label, filing_phrase, join_words, lower_first, strip_step_label, topic_label

__all__ = ["Item", "Ask", "Presentation", "present", "MAX_QUESTIONS"]

#: Questions shown in the brief explanation.
MAX_QUESTIONS = 5
#: When more than WITH_TEXT items apply, the brief view asks only this many questions.
FEW_QUESTIONS = 3
#: Items shown with their whole advice in the brief view (the first: the costliest); the rest
#: show their first sentence, and the full view has everything.
WHOLE_ADVICE = 1
#: Items after this many show their title and deadline only in the brief view.
WITH_TEXT = 4
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")
_ASIDE = re.compile(r"\s\([^()]*\)")
_RANK = {cost: n for n, cost in enumerate(RULE_COSTS)}
_KIND_WORD = {"warning": "Warning", "action": "To do", "info": "Good to know"}


@dataclass
class Item:
    """One thing that applies, ready to show."""

    number: int
    title: str
    #: "Warning", "To do", "Done" or "Good to know".
    tag: str
    step: Step
    #: Phrases of the assumptions this item rests on.
    assumed: list[str] = field(default_factory=list)
    #: What the brief view says: what was done, the whole advice, or its first sentence.
    text: str = ""
    #: True when ``text`` is only the first sentence of the advice.
    shortened: bool = False
    #: The deadline as the brief view says it (asides in parentheses left to the full view).
    deadline: str = ""


@dataclass
class Ask:
    """A question and, in a few words, why it matters."""

    question: str
    why: str
    fact: str


@dataclass
class Presentation:
    """Everything the brief view shows, in order; the full view adds the trace."""

    summary: list[str]
    items: list[Item]
    notes: list[Item]
    figures: list[tuple[str, Figure]]
    form8606: list[Figure]
    assumptions: list[str]
    asks: list[Ask]
    #: Undecided rules in the topics the person's facts touch, and how many others there are.
    undecided: list[Undetermined]
    other_undecided: int
    other_questions: int
    footnotes: list[SourceInfo]
    #: Warnings and steps that an assumption keeps from applying (CONTRACT §7.1: say what would change).
    kept: list[NotFired] = field(default_factory=list)


def _key(step: Step) -> tuple[int, int, int, int]:
    return (_RANK.get(step.cost, len(_RANK)), step.order, -step.importance, step.step)


def _situation(exp: Explanation) -> str:
    facts = exp.facts
    parts = [f"For {exp.tax_year}"]
    if facts.get("filing_status"):
        parts.append(filing_phrase(facts["filing_status"]))
    if "magi" in facts:
        parts.append(f"with a MAGI of {format_value(facts['magi'], 'money')}")
    return ", ".join(parts)


def _summary(exp: Explanation, items: list[Item], notes: list[Item], asks: list[Ask]) -> list[str]:
    """Two sentences: what applies, and the one thing that matters most."""
    warnings = sum(1 for i in items if i.step.kind == "warning")
    what = count(len(items), "thing") + " to act on" if items else "nothing to act on yet"
    if items and warnings:
        what += f" ({count(warnings, 'warning')})"
    first = f"{_situation(exp)}, rothkb finds {what}"
    if notes:
        first += f" and {count(len(notes), 'note')}"
    first += "."
    todo = [i for i in items if not i.step.done]
    if todo:
        # What is already done does not lead: the costliest thing left to do does.
        top = todo[0]
        lead = "The one thing that matters most" if len(items) > 1 else "It is this"
        second = f"{lead}: {lower_first(top.title)}."
    elif items:
        second = f"What the facts say is done: {join_words([lower_first(i.title) for i in items])}."
    elif asks:
        second = f"The question that matters most: {asks[0].question}"
    else:
        second = "No unanswered question could change that."
    return [first, second]


def _why(question: Question, topics: dict[str, str], relevant: set[str]) -> str:
    about = sorted({topics[r] for r in question.settles if topics.get(r) and (not relevant or topics[r] in relevant)})
    return join_words([topic_label(t) for t in about]) if about else "what applies to you"


def present(exp: Explanation, full: bool = False, whole: bool = False) -> Presentation:
    """The ranked, relevant reading of an explanation.

    Args:
        exp: The explanation.
        full: Keep every undecided rule and question (``--detail full``), not only the relevant ones.
        whole: Show every item's whole advice and deadline (implied by ``full``).

    """
    phrases = {a.fact: a.phrase for a in exp.assumptions}
    ranked = sorted(exp.steps, key=_key)
    items: list[Item] = []
    notes: list[Item] = []
    for step in ranked:
        target = notes if step.cost == "none" else items
        tag = "Done" if step.done else _KIND_WORD.get(step.kind, "Note")
        item = Item(len(target) + 1, strip_step_label(step.title), tag, step, [phrases[f] for f in step.assumed if f in phrases])
        entire = full or whole or bool(step.done) or item.number <= WHOLE_ADVICE
        item.text = step.done or step.advice
        if not entire and target is items:
            first = _SENTENCE_END.split(step.advice, maxsplit=1)
            item.text, item.shortened = step.brief or first[0], bool(step.brief) or len(first) > 1
            if item.number > WITH_TEXT:
                item.text, item.shortened = "", True
        item.deadline = step.deadline if entire else _ASIDE.sub("", step.deadline)
        target.append(item)
    relevant = set(exp.topics)
    undecided = [u for u in exp.undetermined if full or not relevant or u.topic in relevant]
    kept = {u.rule for u in undecided}
    topics = {u.rule: u.topic for u in exp.undetermined}
    questions = [q for q in exp.questions if full or set(q.settles) & kept]
    shown = questions if full else questions[: MAX_QUESTIONS if len(items) <= WITH_TEXT else FEW_QUESTIONS]
    asks = [Ask(q.question, _why(q, topics, set() if full else relevant), q.fact) for q in shown]
    figures = [(figure_label(f.name), f) for f in exp.figures]
    # Warnings an assumption blocks directly (not those that would follow from another rule's
    # conclusion): what a wrong assumption would change. The brief view names at most three.
    blocked = [
        n
        for n in exp.not_fired
        if n.assumed and n.kind == "warning" and any(not any(r.conclusion for r in a) for a in n.would_fire_if)
    ]
    blocked = blocked if full else blocked[:3]
    # The brief view states the assumptions that what it shows rests on; the full view states all.
    shown_keys = {i.step.rule for i in items + notes} | {f.name for _, f in figures} | {n.rule for n in blocked}
    shown_keys |= {f"form8606.{f.name}" for f in exp.form8606}
    cited: list[str] = []
    for item in items + notes:
        cited += [sid for sid, _ in item.step.sources]
    for _, fig in figures:
        cited += [sid for sid, _ in fig.sources]
    if full:
        for step in ranked:
            for check in step.because:
                cited += check.threshold_sources
        for nf in exp.not_fired:
            for alt in nf.would_fire_if:
                for req in alt:
                    cited += list(req.sources)
    order = list(dict.fromkeys(cited))
    return Presentation(
        _summary(exp, items, notes, asks),
        items,
        notes,
        figures,
        list(exp.form8606),
        [a.phrase for a in exp.assumptions if full or set(a.affects) & shown_keys],
        asks,
        undecided,
        len(exp.undetermined) - len(undecided),
        len(exp.questions) - len(shown),
        [exp.sources[s] for s in order if s in exp.sources],
        blocked,
    )
