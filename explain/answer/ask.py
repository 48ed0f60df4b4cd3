"""``rothkb ask "QUESTION"``: answer a free-text question from the FAQ and the rules.

1. :mod:`explain.answer.read` reads the facts the question states ("$93k in a traditional IRA",
   "filing jointly", "I'm 52"); they are validated by the engine and shown back ("I read: ...").
2. The FAQ entries are ranked lexically (BM25 with synonyms, :mod:`explain.search`), with a
   boost for the entries about the figure the question asks for; :func:`explain.search.is_covered`
   decides from the question's subject terms and the margin of the best match whether the
   knowledge base covers it. A question it does not cover gets "Not covered", what *is* covered,
   and the closest entries with one-line answers and links.
3. The engine runs on the facts read, merged with ``--facts`` (the file wins), and the answer
   leads with the figure asked for (:mod:`explain.answer.figures`), then the FAQ answer and sources.

The command (``explain.apps.ask``) and the JSON API (``explain.apps.serve``) both call :func:`ask`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from typing import Any

from engine import KnowledgeBase
from engine.errors import InputError
from engine.trace import Explanation
from engine.trace.formatting import json_number
from explain.answer.figures import asked_figures, lead
from explain.answer.read import Reading, normalise, read_question
from explain.search import Doc, Ranker, is_covered
from explain.views.labels import FAQ_TOPICS as TOPICS
from explain.views.render import to_json_dict
from explain.views.sentences import describe_check

__all__ = ["ask", "Answer"]
#: How many matches the answer lists.
TOP = 5

_INDEXES: dict[str, Ranker] = {}


@dataclass
class Answer:
    """The result of :func:`ask`."""

    question: str
    covered: bool
    matches: list[dict[str, Any]]
    markdown: str
    #: The facts read from the question (after validation), JSON-ready.
    facts_read: dict[str, Any] = field(default_factory=dict)
    #: The figures the engine computed, the one the question asks for first.
    computed: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        """The CONTRACT §1 JSON object, plus ``facts_read`` and ``computed``."""
        doc = {
            "question": self.question,
            "covered": self.covered,
            "matches": self.matches,
            "answer_markdown": self.markdown,
            "facts_read": self.facts_read,
            "computed": self.computed,
        }
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _index(kb: KnowledgeBase) -> Ranker:
    if kb.version not in _INDEXES:
        k = kb.knowledge
        titles = {r.id: r.title for r in k.rules}
        docs = [
            Doc(
                str(e["id"]),
                [
                    (str(e.get("question", "")), 3.0),
                    (" ".join(map(str, e.get("aliases") or ())), 2.0),
                    (str(e.get("answer", "")), 0.5),
                    (" ".join(titles.get(str(r), "") for r in e.get("rules") or ()), 1.0),
                ],
            )
            for e in k.faq
        ]
        shorts = {str(e["id"]): [str(e.get("question", ""))] + [str(a) for a in e.get("aliases") or ()] for e in k.faq}
        _INDEXES[kb.version] = Ranker(docs, shorts)
    return _INDEXES[kb.version]


def _escape(text: str) -> str:
    for ch in "\\`*_[]<>|#":
        text = text.replace(ch, "\\" + ch)
    return " ".join(text.split())


def _personal(kb: KnowledgeBase, entry: dict[str, Any], exp: Explanation) -> list[str]:
    descriptions = kb.descriptions()
    known = {r.id: r for r in kb.knowledge.rules}
    fired = [known[r].title for r in exp.fired if r in known]
    out = [
        "",
        "## For your situation",
        "",
        f"Running the rules on your facts for {exp.tax_year}: {len(fired)} rule{'s' if len(fired) != 1 else ''} "
        f"apply to you, {len(exp.undetermined)} could not be decided.",
        "",
    ]
    for rid in entry.get("rules") or ():
        rule = known.get(str(rid))
        if rule is None:
            continue
        step = next((s for s in exp.steps if s.rule == rule.id), None)
        if step:
            out += [f"- **{rule.title}** (`{rule.id}`) applies to you: {step.advice}"]
            continue
        undecided = next((u for u in exp.undetermined if u.rule == rule.id), None)
        if undecided:
            asks = [q.question for q in exp.questions if q.fact in undecided.missing] or undecided.missing
            out += [f"- **{rule.title}** (`{rule.id}`) cannot be decided yet; answer: " + " ".join(asks)]
            continue
        failed = next((n for n in exp.not_fired if n.rule == rule.id), None)
        why = "; ".join(describe_check(c, descriptions, exp.tax_year) for c in failed.failed) if failed else ""
        out += [f"- **{rule.title}** (`{rule.id}`) does not apply to you" + (f": {why}." if why else ".")]
    others = [f"{known[r].title} (`{r}`)" for r in exp.fired if r in known and r not in (entry.get("rules") or ())]
    if others:
        out += ["", "Other rules that apply to you: " + "; ".join(others[:6]) + "."]
    out += ["", "Run `rothkb explain` on a facts file with these facts for the full explanation with every figure."]
    return out


#: The rules behind each figure: a question that asks for a figure (and states the numbers for it)
#: is about the FAQ entries that explain those rules.
FIGURE_RULES = {
    "roth_contribution_limit": ("roth-contribution-phased-out",),
    "taxable_conversion": ("no-pretax-ira-by-dec31",),
    "mega_backdoor_room": ("mega-backdoor-available",),
    "hsa_funding_distribution_max": ("ira-to-hsa-once-per-lifetime",),
    "excess_contribution": ("excess-roth-contribution",),
    "early_withdrawal_penalty": ("five-year-rule-conversions", "contributions-come-out-first"),
    "qualified_distribution_year": ("five-year-rule-qualified-distribution",),
    "ira_contribution_limit": ("make-nondeductible-contribution",),
}
#: Share of the best score added to an entry about the figure asked for (its first rule / any rule).
BOOST = (0.5, 0.25)


def _boost(kb: KnowledgeBase, ranked: list[tuple[Doc, float, float]], asked: list[str]) -> list[tuple[Doc, float, float]]:
    """Raise the entries whose rules produce the figure the question asks for."""
    if not asked or not ranked:
        return ranked
    wanted = set(FIGURE_RULES.get(asked[0], ()))
    rules = {str(e["id"]): [str(r) for r in e.get("rules") or ()] for e in kb.knowledge.faq}
    top = ranked[0][1]
    out = []
    for doc, score, cover in ranked:
        own = rules.get(doc.id, [])
        bonus = BOOST[0] if own[:1] and own[0] in wanted else BOOST[1] if wanted & set(own) else 0.0
        out.append((doc, score + bonus * top, cover))
    return sorted(out, key=lambda s: (-s[1], s[0].id))


def _one_line(answer: str) -> str:
    """The first sentence of an FAQ answer, without Markdown emphasis."""
    text = " ".join(answer.replace("**", "").replace("*", "").split())
    out = ""
    for sentence in re.findall(r".+?[.!?](?=\s|$)|.+$", text):
        out = (out + " " + sentence.strip()).strip()
        if len(out) >= 80:  # "No." alone says too little
            break
    return out


def _link(entry_id: str, site_url: str | None) -> str:
    return (site_url.rstrip("/") + "/" if site_url else "") + f"faq/{entry_id}.html"


def _not_covered(kb: KnowledgeBase, question: str, matches: list[dict[str, Any]], site_url: str | None) -> list[str]:
    entries: dict[str, dict[str, Any]] = {str(e["id"]): e for e in kb.knowledge.faq}
    lines = [
        "# Not covered",
        "",
        f"You asked: “{_escape(question)}”",
        "",
        "The rothkb knowledge base does not cover this question, so it will not guess. It covers: "
        + "; ".join(TOPICS.values())
        + ".",
        "",
    ]
    close = [m for m in matches[:3] if m["faq"] in entries]
    if close:
        lines += ["The closest questions it does answer:", ""]
        for m in close:
            entry = entries[m["faq"]]
            lines += [
                f"- **{m['question']}** {_one_line(str(entry.get('answer', '')))} "
                f"([read more]({_link(m['faq'], site_url)}), id `{m['faq']}`)"
            ]
    return lines


def _read_line(reading: Reading, file_facts: dict[str, Any] | None) -> list[str]:
    """The "I read: ..." line (what the question said), what the facts file added, and what it overrode."""
    phrases = reading.phrases()
    out = []
    if phrases:
        out += [
            "**I read:** " + _escape("; ".join(phrases)) + ". If any of that is wrong, say it differently or "
            "give a facts file with `--facts` (the file wins).",
            "",
        ]
    if file_facts:
        overridden = [f for f in reading.facts if f in file_facts and file_facts[f] != reading.facts[f]]
        out += [
            f"**From your facts file:** {_escape(', '.join(sorted(file_facts)))}."
            + (f" It wins over what I read for {_escape(', '.join(overridden))}." if overridden else ""),
            "",
        ]
    for fact, why in reading.refused.items():
        out += [f"(I could not use what I read as {fact}: {_escape(why)}.)", ""]
    return out


def ask(
    kb: KnowledgeBase,
    question: str,
    facts: dict[str, Any] | None = None,
    today: dt.date | None = None,
    site_url: str | None = None,
) -> Answer:
    """Answer ``question`` from the FAQ and the rules.

    Args:
        kb: The knowledge base.
        question: The question in the person's words.
        facts: Validated facts from ``--facts``; they win over facts read from the question.
        today: The date that fixes the planning year (default: today).
        site_url: Base URL of the built FAQ site for links (default: site-relative paths).

    """
    reading = read_question(kb, question, today)
    bm = _index(kb)
    asked = asked_figures(normalise(question), reading.facts)
    ranked = _boost(kb, bm.rank(reading.rest or question), asked)
    entries: dict[str, dict[str, Any]] = {str(e["id"]): e for e in kb.knowledge.faq}
    matches: list[dict[str, Any]] = [
        {
            "faq": d.id,
            "question": str(entries[d.id].get("question", "")),
            "score": round(score, 3),
            "rules": [str(r) for r in entries[d.id].get("rules") or ()],
        }
        for d, score, _ in ranked[:TOP]
    ]
    covered = is_covered(bm, reading.rest or question, ranked)
    facts_read = {k: json_number(v) for k, v in reading.facts.items()}
    if not covered:
        lines = _not_covered(kb, question, matches, site_url)
        return Answer(question, False, matches, "\n".join(lines) + "\n", facts_read, {})
    best = entries[matches[0]["faq"]]
    sources = kb.knowledge.sources
    cited = [str(s) for s in best.get("sources") or () if str(s) in sources]
    rules = {r.id: r for r in kb.knowledge.rules}
    lines = [f"# {best.get('question', '')}", "", f"You asked: “{_escape(question)}”", ""]
    merged = _merge(kb, reading, facts)
    computed: dict[str, Any] = {}
    exp = None
    if merged is not None and (facts or set(reading.facts) - {"tax_year"}):
        exp = kb.explain(merged, validated=True)
        doc = to_json_dict(exp)
        lines += _read_line(reading, facts)
        asked = asked_figures(normalise(question), merged)
        sentence, named = lead(kb, asked, merged, doc)
        if sentence:
            # The figure's own sources, cited where the figure is stated.
            own = [sid for f in exp.figures if f.name in named for sid, _ in f.sources if sid in sources]
            own = list(dict.fromkeys(own))
            cited = list(dict.fromkeys(cited + own))
            lines += [sentence + "".join(f"[^{sid}]" for sid in own), ""]
        figures = doc.get("figures") or {}
        computed = {name: figures[name] for name in named + [f for f in figures if f not in named]}
    lines += [str(best.get("answer", "")).strip() + "".join(f"[^{s}]" for s in cited), ""]
    named_rules = [f"{rules[r].title} (`{r}`)" for r in matches[0]["rules"] if r in rules]
    if named_rules:
        lines += ["**Rules:** " + "; ".join(named_rules) + ".", ""]
    if exp is not None:
        lines += _personal(kb, best, exp)
    if len(matches) > 1:
        lines += ["", "## Related questions", ""] + [f"- {m['question']} (`{m['faq']}`)" for m in matches[1:4]]
    lines += [""] + [f"[^{s}]: {sources[s].title}. <{sources[s].url}>" for s in cited]
    return Answer(question, True, matches, "\n".join(lines).rstrip() + "\n", facts_read, computed)


def _merge(kb: KnowledgeBase, reading: Reading, facts: dict[str, Any] | None) -> dict[str, Any] | None:
    """Facts read from the question, overridden by the facts file; validated together."""
    combined = dict(reading.facts)
    if facts:
        combined.update(facts)
    try:
        return kb.parse_facts(combined, "<question and facts>")
    except InputError:
        # Read facts that contradict the file (e.g. an age that does not fit its birth date) give way to it.
        return facts if facts else None
