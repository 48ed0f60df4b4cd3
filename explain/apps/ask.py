"""``rothkb ask "QUESTION"``: answer a free-text question from the FAQ and the rules.

Matching is lexical (BM25 over each FAQ entry's question, aliases, answer and the titles of its
rules, with synonyms; see :mod:`explain.site_index`). Below a confidence threshold the answer
says plainly that the knowledge base does not cover the question, and lists the closest topics.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from typing import Any

from engine import KnowledgeBase, load_knowledge
from engine.errors import UsageError
from engine.trace.model import Explanation
from explain.io import read_input, write_output
from explain.search import Doc, Ranker
from explain.views.sentences import describe_check
from explain.website.pages import TOPICS

__all__ = ["configure", "ask", "Answer", "MIN_SCORE", "MIN_COVERAGE"]

#: A best match needs at least this BM25 score ...
MIN_SCORE = 5.0
#: ... and must contain at least this share of the question's (idf-weighted) terms.
MIN_COVERAGE = 0.2
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

    def to_json(self) -> str:
        """The CONTRACT §1 JSON object."""
        doc = {"question": self.question, "covered": self.covered, "matches": self.matches, "answer_markdown": self.markdown}
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
    out += ["", "Run `rothkb explain` on your facts file for the full explanation with every figure."]
    return out


def ask(kb: KnowledgeBase, question: str, facts: dict[str, Any] | None = None) -> Answer:
    """Answer ``question`` from the FAQ; personalise with validated ``facts`` when given."""
    bm = _index(kb)
    ranked = bm.rank(question)
    entries = {str(e["id"]): e for e in kb.knowledge.faq}
    matches = [
        {
            "faq": d.id,
            "question": str(entries[d.id].get("question", "")),
            "score": round(score, 3),
            "rules": [str(r) for r in entries[d.id].get("rules") or ()],
        }
        for d, score, _ in ranked[:TOP]
    ]
    covered = bool(ranked) and ranked[0][1] >= MIN_SCORE and ranked[0][2] >= MIN_COVERAGE and bm.anchored(question, ranked[0][0])
    lines: list[str]
    if not covered:
        lines = [
            "# Not covered",
            "",
            f"You asked: “{_escape(question)}”",
            "",
            "The rothkb knowledge base does not cover this question. It answers questions about the backdoor "
            "Roth IRA, the mega backdoor Roth 401(k), the pro-rata rule, Form 8606, Roth withdrawals and the "
            "5-year rules, and the IRA-to-HSA transfer.",
            "",
        ]
        if matches:
            lines += ["Closest topics it does cover:", ""] + [f"- {m['question']} (`{m['faq']}`)" for m in matches[:3]]
        else:
            lines += ["Topics it does cover: " + "; ".join(TOPICS.values()) + "."]
        return Answer(question, False, matches, "\n".join(lines) + "\n")
    best = entries[matches[0]["faq"]]
    sources = kb.knowledge.sources
    cited = [str(s) for s in best.get("sources") or () if str(s) in sources]
    rules = {r.id: r for r in kb.knowledge.rules}
    lines = [
        f"# {best.get('question', '')}",
        "",
        f"You asked: “{_escape(question)}”",
        "",
        str(best.get("answer", "")).strip() + "".join(f"[^{s}]" for s in cited),
        "",
    ]
    named = [f"{rules[r].title} (`{r}`)" for r in matches[0]["rules"] if r in rules]
    if named:
        lines += ["**Rules:** " + "; ".join(named) + ".", ""]
    if facts is not None:
        lines += _personal(kb, best, kb.explain(facts, validated=True))
    if len(matches) > 1:
        lines += ["", "## Related questions", ""] + [f"- {m['question']} (`{m['faq']}`)" for m in matches[1:4]]
    lines += [""] + [f"[^{s}]: {sources[s].title}. <{sources[s].url}>" for s in cited]
    return Answer(question, True, matches, "\n".join(lines).rstrip() + "\n")


def cmd_ask(args: argparse.Namespace) -> int:
    """``rothkb ask "QUESTION" [--facts FILE] [--format md|json]``."""
    question = " ".join(args.question).strip()
    if not question:
        raise UsageError("rothkb ask: the question is empty; ask something like 'Does my spouse's IRA affect my backdoor Roth?'")
    if len(question) > 2000:
        raise UsageError("rothkb ask: the question is too long (at most 2,000 characters)")
    kb = load_knowledge(args.knowledge)
    facts = None
    if args.facts:
        text, name = read_input(args.facts)
        facts = kb.read_facts(text, name)
    answer = ask(kb, question, facts)
    write_output(answer.to_json() if args.format == "json" else answer.markdown, None)
    return 0


def configure(command: str, p: argparse.ArgumentParser) -> Any:
    """Arguments of ``rothkb ask``; returns its handler."""
    p.add_argument("question", nargs="+", metavar="QUESTION", help="the question, in your own words")
    p.add_argument("--facts", metavar="FACTS", help="YAML or JSON facts file (or -) to personalise the answer")
    p.add_argument("--format", choices=("md", "json"), default="md")
    return cmd_ask
