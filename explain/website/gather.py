"""Phase 1 of the site build: gather and check everything the pages need, before writing any.

Each FAQ example is run through the engine here. An example that cannot run, or a rule that
does not fire on its example, never stops the build: the page says what happened and the
build prints a warning naming the FAQ file and line.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import markdown as md
from markupsafe import Markup, escape

from engine import KnowledgeBase
from engine.model.conditions import condition_names, names_read
from engine.model.expr import Name, render
from engine.model.knowledge import Group, Leaf, Rule
from engine.trace.model import Explanation
from engine.validate.scenarios import load_scenarios
from explain.views.html import explanation_fragment
from explain.views.sentences import OP_WORDS, label

__all__ = [
    "FaqPage",
    "gather_faq",
    "rule_conditions",
    "md_html",
    "plain_text",
    "explanation_html",
    "rule_usage",
    "leaf_sentence",
    "advice_words",
    "STATUS_WORDS",
]

#: How a rule's outcome on an FAQ example is said on the page.
STATUS_WORDS = {
    "fired": "applies to this example",
    "not fired": "does not apply to this example",
    "undetermined": "cannot be decided from this example's facts",
    "missing": "not yet written as a rule",
    "not run": "example not run",
}


@dataclass
class FaqPage:
    """One FAQ entry with its example already run."""

    id: str
    topic: str
    question: str
    aliases: list[str]
    answer_html: str
    rules: list[str]
    sources: list[str]
    where: str
    answer: str = ""
    example_description: str = ""
    facts: dict[str, Any] = field(default_factory=dict)
    explanation: Explanation | None = None
    explanation_html: str = ""
    error: str = ""
    reviewed: str = ""
    #: (rule id, status) with status "fired", "not fired", "undetermined" or "missing".
    rule_status: list[tuple[str, str]] = field(default_factory=list)

    @property
    def executed(self) -> bool:
        """True when the example ran through the engine."""
        return self.explanation is not None


_HREF = re.compile(r'href="(?!https?:|mailto:|#|\.{0,2}/|[a-z0-9-]+\.html)[^"]*"', re.I)


def md_html(text: str) -> str:
    """Markdown written in the knowledge (answers, corrections) to HTML, never passing authored HTML through.

    ``rothkb check`` already refuses raw HTML and ``javascript:`` links in the knowledge; this
    is the second fence for a knowledge folder that was not checked: ``<`` is escaped before
    Markdown sees it, and any link with another scheme loses its address.
    """
    out = md.markdown(text.replace("<", "&lt;"), extensions=["footnotes", "tables"], output_format="html")
    return _HREF.sub('href="#"', out)


def plain_text(markdown_text: str) -> str:
    """Markdown as plain text (for search and summaries): emphasis, links and code marks removed."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown_text)
    text = re.sub(r"[*_`#>]+", "", text)
    return html.unescape(" ".join(text.split()))


def advice_words(text: str, kb: KnowledgeBase) -> Markup:
    """A rule's advice with each ``{name}`` placeholder said in words, in italics (filled in an explanation)."""
    k = kb.knowledge

    def words(name: str) -> str:
        if name in k.parameters:
            said = "the " + label(name).replace("phaseout", "phase-out")
        elif name in ("tax_year", "next_year", "prior_year"):
            said = {"tax_year": "the tax year", "next_year": "the next year", "prior_year": "the year before"}[name]
        else:
            said = "your " + label(name).replace("phaseout", "phase-out").replace("form8606", "Form 8606")
        return f'<em class="slot">{escape(said)}</em>'

    parts = re.split(r"(\{[A-Za-z_][A-Za-z0-9_]*\})", text)
    return Markup(  # noqa: S704 - every piece is escaped above: authored text by escape(), words() escapes its phrase
        "".join(words(p[1:-1]) if p.startswith("{") and p.endswith("}") else str(escape(p)) for p in parts)
    )


def explanation_html(exp: Explanation, kb: KnowledgeBase, level: int = 2, root: str = "") -> str:
    """An explanation as the one HTML fragment of :mod:`explain.views.html`: brief, the full view folded.

    Args:
        exp: The explanation.
        kb: The knowledge base (descriptions and questions for plain-English conditions).
        level: Heading level of the explanation's title.
        root: Relative path from the page to the site root (for rule and source links).

    """
    return explanation_fragment(
        exp,
        kb.descriptions(),
        kb.questions(),
        "brief",
        level,
        rule_url=lambda rid: f"{root}rules/{rid}.html",
        source_url=lambda sid: f"{root}sources/{sid}.html",
    )


def _status(exp: Explanation, rule_id: str, known: set[str]) -> str:
    if rule_id not in known:
        return "missing"
    if rule_id in exp.fired:
        return "fired"
    if any(u.rule == rule_id for u in exp.undetermined):
        return "undetermined"
    return "not fired"


def gather_faq(kb: KnowledgeBase, env: jinja2.Environment, warn: Any) -> list[FaqPage]:
    """Every FAQ entry with its example run, in file order.

    Args:
        kb: The knowledge base.
        env: The site's Jinja environment (for the explanation fragment).
        warn: Called with one message per problem (the build prints them; nothing is raised).

    """
    known = {r.id for r in kb.knowledge.rules}
    pages = []
    for entry in kb.knowledge.faq:
        loc = entry.get("_loc")
        where = f"{loc.path}:{loc.line}" if loc else "knowledge/faq"
        example = entry.get("example") or {}
        page = FaqPage(
            id=str(entry["id"]),
            topic=str(entry.get("topic", "other")),
            question=str(entry.get("question", "")),
            aliases=[str(a) for a in entry.get("aliases") or ()],
            answer_html=md_html(str(entry.get("answer", ""))),
            rules=[str(r) for r in entry.get("rules") or ()],
            sources=[str(s) for s in entry.get("sources") or ()],
            where=where,
            answer=str(entry.get("answer", "")),
            example_description=str(example.get("description", "")),
            facts=dict(example.get("facts") or {}),
            reviewed=str(entry.get("reviewed") or ""),
        )
        if not page.facts:
            page.error = "This entry has no example situation yet."
            warn(f"{where}: faq.{page.id}.example: no example facts")
        else:
            try:
                page.explanation = kb.explain(page.facts, f"{where} (faq {page.id} example)")
            except Exception as exc:  # noqa: BLE001 - an example that cannot run is reported on its page, not fatal
                page.error = f"The example could not be run: {exc}"
                warn(f"{where}: faq.{page.id}.example: could not run: {exc}")
        if page.explanation is not None:
            page.explanation_html = explanation_html(page.explanation, kb, level=3, root="../")
            page.rule_status = [(r, _status(page.explanation, r, known)) for r in page.rules]
        else:
            page.rule_status = [(r, "missing" if r not in known else "not run") for r in page.rules]
        pages.append(page)
    return pages


def leaf_sentence(leaf: Leaf, descriptions: dict[str, str], parameters: Any = ()) -> str:
    """One condition in plain English: "your MAGI is at least the Roth phase-out end" (no identifiers)."""
    subject = label(leaf.name).replace("phaseout", "phase-out")
    right = leaf.right
    if leaf.op == "==" and render(right) in ("true", "false"):
        described = descriptions.get(leaf.name, subject)
        return f"{described.rstrip('.')}: {'yes' if render(right) == 'true' else 'no'}"
    if isinstance(right, Name):
        said = label(right.name).replace("phaseout", "phase-out")
        target = f"the {said} (a yearly limit)" if right.name in parameters else f"your {said}"
    else:
        target = render(right).replace("_", " ").replace('"', "").replace("[", "").replace("]", "").replace(",", " or")
    return f"your {subject} {OP_WORDS.get(leaf.op, leaf.op)} {target}"


def rule_conditions(rule: Rule, descriptions: dict[str, str], parameters: Any = ()) -> dict[str, Any]:
    """A rule's ``when`` as a tree of plain-English sentences: ``{"op", "items"}`` or ``{"text", "code"}``."""

    def walk(node: Group | Leaf) -> dict[str, Any]:
        if isinstance(node, Leaf):
            return {"text": leaf_sentence(node, descriptions, parameters), "code": node.text}
        return {"op": node.op, "items": [walk(item) for item in node.items]}

    return walk(rule.when)


def rule_usage(kb: KnowledgeBase, faq: list[FaqPage]) -> dict[str, dict[str, list[str]]]:
    """For each rule id: the FAQ entries, myths and scenario tests that use it."""
    usage: dict[str, dict[str, list[str]]] = {r.id: {"faq": [], "myths": [], "tests": []} for r in kb.knowledge.rules}
    for page in faq:
        for rid in page.rules:
            if rid in usage:
                usage[rid]["faq"].append(page.id)
    for myth in kb.knowledge.myths:
        for rid in myth.get("rules") or ():
            if rid in usage:
                usage[rid]["myths"].append(str(myth["id"]))
    tests_dir = Path(kb.knowledge.root) / "tests"
    scenarios = load_scenarios([tests_dir]) if tests_dir.is_dir() else []
    for scenario in scenarios:
        named: set[str] = set()
        for key in ("fires", "does_not_fire", "undetermined"):
            named |= {str(r) for r in scenario.expect.get(key) or ()}
        for rid in sorted(named & set(usage)):
            usage[rid]["tests"].append(f"{Path(scenario.path).name}: {scenario.name}")
    return usage


_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")


def example_brief(page: FaqPage, limit: int = 2) -> dict[str, Any]:
    """The short worked example: the steps of the entry's own rules that apply, and the figures they rest on.

    Until the brief HTML view of an explanation lands (``explain/views/html.py``), the site shows
    this much and folds the full explanation.
    """
    exp = page.explanation
    if exp is None:
        return {"steps": [], "figures": []}
    own = [s for rid in page.rules for s in exp.steps if s.rule == rid]
    steps = (own or sorted(exp.steps, key=lambda s: (-s.importance, s.step)))[:limit]
    used = {c.fact for s in steps for c in s.because} | {c.threshold_name for s in steps for c in s.because if c.threshold_name}
    figures = [f for f in exp.figures if f.name in used][:3]
    # As in the brief view: the first item in full, the next in its one sentence (the full
    # explanation folded below has every word), so a page stays about 600 words.
    shown = [
        {"kind": s.kind, "title": s.title, "text": s.advice if i == 0 else (s.brief or _SENTENCE.split(s.advice, maxsplit=1)[0])}
        for i, s in enumerate(steps)
    ]
    return {"steps": shown, "figures": figures}


def limits_used(kb: KnowledgeBase, rule_ids: list[str], limit: int = 3) -> list[str]:
    """The yearly limits an entry's rules depend on (through their conditions and the values those read), most looked up first."""
    k = kb.knowledge
    rules = {r.id: r for r in k.rules}
    seen = names_read(k, [name for rid in rule_ids if rid in rules for name in condition_names(rules[rid].when)])
    params = sorted((k.parameters[n] for n in seen if n in k.parameters), key=lambda p: (p.rank is None, p.rank or 0, p.name))
    return [p.name for p in params[:limit]]
