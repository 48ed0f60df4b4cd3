"""Phase 2 of the site build: turn the gathered knowledge into page contexts and render them.

Every page is rendered into memory first (``{relative path: text}``); nothing is written until
every page rendered, so a template error never leaves half a site behind.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import jinja2

from engine import KnowledgeBase
from engine.errors import UsageError
from engine.trace.formatting import format_value
from explain.search import PHRASES, STOPWORDS, SYNONYMS, Bm25, Doc, Ranker
from explain.views.labels import FAQ_TOPICS
from explain.website.gather import FaqPage, gather_faq, md_html, rule_conditions, rule_usage
from explain.website.svg import flowchart_svg, timeline_svg

__all__ = ["render_pages", "TOPICS", "FACT_GROUPS"]

#: Display names of FAQ topics, in the order the FAQ lists them.
#: FAQ topics and their section titles (shared with rothkb ask, which lists them as what is covered).
TOPICS = FAQ_TOPICS

#: Display names of fact groups (glossary and the "check my situation" form).
FACT_GROUPS = {
    "basics": "About you",
    "income": "Income",
    "iras": "Your IRAs on December 31",
    "conversion": "This year's contributions and conversion",
    "plans": "What you plan to do",
    "employer_plan": "Your employer plan",
    "mega_backdoor": "After-tax 401(k) money",
    "hsa": "Health savings account",
    "withdrawals": "Roth withdrawals",
}


def _bm25_json(bm: Bm25) -> dict[str, Any]:
    return {"k1": bm.k1, "b": bm.b, "avg": round(bm.avg, 3), "idf": {t: round(v, 4) for t, v in sorted(bm.idf.items())}}


def _search_index(kb: KnowledgeBase, faq: list[FaqPage]) -> str:
    """The same ranking as ``rothkb ask`` (best short text + half the full entry), precomputed for search.js."""
    rules = kb.knowledge.rules
    docs = [Doc(f"faq/{p.id}.html", [(p.question, 3.0), (" ".join(p.aliases), 2.0), (p.answer, 0.5)]) for p in faq]
    docs += [Doc(f"rules/{r.id}.html", [(r.title, 3.0), (r.advice, 0.5), (r.because, 0.5)]) for r in rules]
    shorts = {f"faq/{p.id}.html": [p.question, *p.aliases] for p in faq}
    shorts.update({f"rules/{r.id}.html": [r.title] for r in rules})
    ranker = Ranker(docs, shorts)
    by_owner: dict[str, list[Doc]] = defaultdict(list)
    for short in ranker.short.docs:
        by_owner[short.id.rsplit("#", 1)[0]].append(short)
    titles = {f"faq/{p.id}.html": (p.question, "FAQ") for p in faq}
    titles.update({f"rules/{r.id}.html": (r.title, "Rule") for r in rules})
    out = {
        "version": kb.version,
        "weight": ranker.weight,
        "full": _bm25_json(ranker.full),
        "short": _bm25_json(ranker.short),
        "docs": [
            {
                "url": d.id,
                "title": titles[d.id][0],
                "kind": titles[d.id][1],
                "length": d.length,
                "tf": dict(sorted(d.tf.items())),
                "shorts": [{"length": s.length, "tf": dict(sorted(s.tf.items()))} for s in by_owner[d.id]],
            }
            for d in docs
        ],
        "phrases": [[p, r] for p, r in PHRASES],
        "synonyms": dict(sorted(SYNONYMS.items())),
        "stopwords": sorted(STOPWORDS),
    }
    return json.dumps(out, ensure_ascii=False, sort_keys=False, separators=(",", ":"))


def _sources_used(kb: KnowledgeBase, faq: list[FaqPage]) -> dict[str, dict[str, list[str]]]:
    used: dict[str, dict[str, list[str]]] = defaultdict(lambda: {"rules": [], "faq": [], "parameters": [], "myths": []})
    for rule in kb.knowledge.rules:
        for c in rule.sources:
            used[c.source]["rules"].append(rule.id)
    for page in faq:
        for sid in page.sources:
            used[sid]["faq"].append(page.id)
    for myth in kb.knowledge.myths:
        for sid in myth.get("sources") or ():
            used[str(sid)]["myths"].append(str(myth["id"]))
    for param in kb.knowledge.parameters.values():
        for sid in sorted({pv.source for pv in param.values.values()}):
            used[sid]["parameters"].append(param.name)
    return used


def _param_rows(kb: KnowledgeBase) -> list[dict[str, Any]]:
    rows = []
    for param in kb.knowledge.parameters.values():
        cells = {}
        for year, pv in sorted(param.values.items()):
            unit = "money" if param.unit == "usd" else ""
            if isinstance(pv.value, dict):
                text = "; ".join(f"{k.replace('_', ' ')}: {format_value(v, unit)}" for k, v in pv.value.items())
            else:
                text = format_value(pv.value, unit)
            cells[year] = {"text": text, "source": pv.source, "note": pv.note}
        rows.append({"p": param, "cells": cells})
    return rows


def render_pages(env: jinja2.Environment, kb: KnowledgeBase, common: dict[str, Any], warn: Any) -> dict[str, str]:
    """Render every page of the site into memory: ``{relative path: HTML or JSON text}``."""
    k = kb.knowledge
    descriptions = kb.descriptions()
    faq = gather_faq(kb, env, warn)
    rules = {r.id: r for r in k.rules}
    usage = rule_usage(kb, faq)
    topics = {t: [p for p in faq if p.topic == t] for t in TOPICS}
    topics.update({t: [p for p in faq if p.topic == t] for t in sorted({p.topic for p in faq} - set(TOPICS))})
    myths = [dict(m, correction_html=md_html(str(m.get("correction", "")))) for m in k.myths]
    groups = defaultdict(list)
    for fact in k.facts.values():
        groups[fact.group].append(fact)
    shared = dict(common, kb=k, rules=rules, sources=k.sources, topic_names=TOPICS, group_names=FACT_GROUPS)
    pages: dict[str, str] = {}

    def page(path: str, template: str, **ctx: Any) -> None:
        root = "../" * path.count("/")
        try:
            pages[path] = env.get_template(template).render(shared, root=root, path=path, **ctx)
        except jinja2.TemplateError as exc:
            raise UsageError(f"site/templates/{template}: error rendering {path}: {exc}") from None

    flow, flow_steps = flowchart_svg(rules, descriptions, "")
    page("index.html", "index.html.j2", title="Backdoor Roth FAQ", topics=topics, faq=faq, flow=flow, flow_steps=flow_steps)
    page("flowchart.html", "flowchart.html.j2", title="Backdoor Roth decision flowchart", flow=flow, flow_steps=flow_steps)
    for p in faq:
        timeline = None
        if p.explanation is not None and (p.topic == "withdrawals" or any("five-year" in r for r in p.rules)):
            timeline = timeline_svg(p.explanation.facts, p.explanation.tax_year)
        page(f"faq/{p.id}.html", "faq.html.j2", title=p.question, p=p, timeline=timeline)
    page("myths.html", "myths.html.j2", title="Myths and corrections", myths=myths)
    page("rules/index.html", "rules.html.j2", title="Rules", usage=usage)
    for rule in k.rules:
        page(
            f"rules/{rule.id}.html",
            "rule.html.j2",
            title=rule.title,
            rule=rule,
            usage=usage[rule.id],
            when=rule_conditions(rule, descriptions),
            faq_by_id={p.id: p for p in faq},
        )
    used = _sources_used(kb, faq)
    page("sources/index.html", "sources.html.j2", title="Bibliography", used=used)
    for sid, src in k.sources.items():
        page(f"sources/{sid}.html", "source.html.j2", title=src.title, src=src, used=used[sid], faq_by_id={p.id: p for p in faq})
    page("parameters.html", "parameters.html.j2", title="Limits and thresholds by year", years=k.years, rows=_param_rows(kb))
    page(
        "glossary.html",
        "glossary.html.j2",
        title="Glossary of facts",
        groups=dict(sorted(groups.items(), key=lambda g: list(FACT_GROUPS).index(g[0]) if g[0] in FACT_GROUPS else 99)),
    )
    page("search.html", "search.html.j2", title="Search")
    pages["search-index.json"] = _search_index(kb, faq) + "\n"
    executed = sum(p.executed for p in faq)
    pages["build.json"] = (
        json.dumps(
            {
                "knowledge_version": kb.version,
                "build_date": common["build_date"],
                "faq": len(faq),
                "faq_examples_executed": executed,
                "myths": len(myths),
                "rules": len(k.rules),
                "sources": len(k.sources),
            },
            indent=2,
        )
        + "\n"
    )
    return pages
