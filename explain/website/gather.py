"""Phase 1 of the site build: gather and check everything the pages need, before writing any.

Each FAQ example is run through the engine here. An example that cannot run, or a rule that
does not fire on its example, never stops the build: the page says what happened and the
build prints a warning naming the FAQ file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import markdown as md

from engine import KnowledgeBase
from engine.model.expr import Name, render
from engine.model.knowledge import Group, Leaf, Rule
from engine.trace.model import Explanation
from engine.validate.scenarios import load_scenarios
from explain.views.html import explanation_fragment
from explain.views.sentences import OP_WORDS, label

__all__ = ["FaqPage", "gather_faq", "rule_conditions", "md_html", "explanation_html", "rule_usage", "leaf_sentence"]


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
    #: (rule id, status) with status "fired", "not fired", "undetermined" or "missing".
    rule_status: list[tuple[str, str]] = field(default_factory=list)

    @property
    def executed(self) -> bool:
        """True when the example ran through the engine."""
        return self.explanation is not None


def md_html(text: str) -> str:
    """Markdown written in the knowledge (answers, corrections) to HTML."""
    return md.markdown(text, extensions=["footnotes", "tables"], output_format="html")


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


def leaf_sentence(leaf: Leaf, descriptions: dict[str, str]) -> str:
    subject = label(leaf.name)
    right = leaf.right
    if leaf.op == "==" and render(right) in ("true", "false"):
        described = descriptions.get(leaf.name, subject)
        return f"{described.rstrip('.')}: {'yes' if render(right) == 'true' else 'no'}"
    if isinstance(right, Name):
        where = descriptions.get(right.name) or label(right.name)
        target = f"{where[0].lower() + where[1:]} ({right.name})"
    else:
        target = render(right).replace("_", " ").replace('"', "")
    return f"{subject} {OP_WORDS.get(leaf.op, leaf.op)} {target}"


def rule_conditions(rule: Rule, descriptions: dict[str, str]) -> dict[str, Any]:
    """A rule's ``when`` as a tree of plain-English sentences: ``{"op", "items"}`` or ``{"text", "code"}``."""

    def walk(node: Group | Leaf) -> dict[str, Any]:
        if isinstance(node, Leaf):
            return {"text": leaf_sentence(node, descriptions), "code": node.text}
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
