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
from explain.views.labels import FAQ_TOPICS
from explain.website.diagrams import DIAGRAMS, check_diagrams
from explain.website.extras import limit_rows, not_found, sitemap
from explain.website.gather import (
    STATUS_WORDS,
    FaqPage,
    advice_words,
    example_brief,
    gather_faq,
    limits_used,
    md_html,
    rule_conditions,
    rule_usage,
)
from explain.website.searchindex import search_index_js
from explain.website.svg import diagram_svg, timeline_svg

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


def _crumbs(*trail: tuple[str, str]) -> list[tuple[str, str]]:
    return [("Home", "index.html"), *trail]


def render_pages(env: jinja2.Environment, kb: KnowledgeBase, common: dict[str, Any], warn: Any) -> dict[str, str]:
    """Render every page of the site into memory: ``{relative path: HTML, JSON, JS or XML text}``."""
    k = kb.knowledge
    descriptions = kb.descriptions()
    faq = gather_faq(kb, env, warn)
    faq_by_id = {p.id: p for p in faq}
    rules = {r.id: r for r in k.rules}
    check_diagrams(rules, warn)
    usage = rule_usage(kb, faq)
    topics = {t: [p for p in faq if p.topic == t] for t in TOPICS}
    topics.update({t: [p for p in faq if p.topic == t] for t in sorted({p.topic for p in faq} - set(TOPICS))})
    topics = {t: entries for t, entries in topics.items() if entries}
    names = {t: TOPICS.get(t, t.replace("-", " ").capitalize()) for t in topics}
    diagram_of = {t: d for d in DIAGRAMS for t in d.topics}
    myths = [dict(m, correction_html=md_html(str(m.get("correction", "")))) for m in k.myths]
    myth_by_id = {str(m["id"]): m for m in myths}
    groups = defaultdict(list)
    for fact in k.facts.values():
        groups[fact.group].append(fact)
    shared = dict(
        common,
        kb=k,
        rules=rules,
        sources=k.sources,
        topic_names=names,
        group_names=FACT_GROUPS,
        diagrams=DIAGRAMS,
        status_words=STATUS_WORDS,
    )
    pages: dict[str, str] = {}

    def page(path: str, template: str, **ctx: Any) -> None:
        root = "../" * path.count("/")
        ctx.setdefault("crumbs", [])
        ctx.setdefault("toc", [])
        try:
            pages[path] = env.get_template(template).render(shared, root=root, path=path, **ctx)
        except jinja2.TemplateError as exc:
            raise UsageError(f"site/templates/{template}: error rendering {path}: {exc}") from None

    page("index.html", "index.html.j2", title="Backdoor Roth questions answered, with sources", topics=topics, faq=faq)
    year_now = int(common["build_date"][:4])
    current = min(max(year_now, k.years[0]), k.years[-1]) if k.years else year_now
    rows = limit_rows(kb)
    row_of = {row["p"].name: row for row in rows}
    drawn = {d.id: diagram_svg(d, rules, "../") for d in DIAGRAMS}
    page("diagrams/index.html", "diagrams.html.j2", title="Decision diagrams", crumbs=_crumbs())
    for d in DIAGRAMS:
        svg, steps = drawn[d.id]
        page(
            f"diagrams/{d.id}.html",
            "diagram.html.j2",
            title=d.title,
            d=d,
            svg=svg,
            steps=steps,
            crumbs=_crumbs(("Decision diagrams", "diagrams/index.html")),
        )
    for topic, entries in topics.items():
        page(
            f"topics/{topic}.html",
            "topic.html.j2",
            title=names[topic],
            topic=topic,
            entries=entries,
            diagram=diagram_of.get(topic),
            crumbs=_crumbs(),
        )
    for topic, entries in topics.items():
        for i, p in enumerate(entries):
            timeline = None
            if p.explanation is not None and (p.topic == "withdrawals" or any("five-year" in r for r in p.rules)):
                timeline = timeline_svg(p.explanation.facts, p.explanation.tax_year)
            toc = [("answer", "Answer"), ("example", "Worked example"), ("rules", "Rules behind this answer")]
            year = p.facts.get("tax_year") if p.facts.get("tax_year") in k.years else current
            page(
                f"faq/{p.id}.html",
                "faq.html.j2",
                title=p.question,
                p=p,
                timeline=timeline,
                brief=example_brief(p),
                limits_year=year,
                limits=[row_of[name] for name in limits_used(kb, p.rules)],
                prev=entries[i - 1] if i else None,
                next=entries[i + 1] if i + 1 < len(entries) else None,
                diagram=diagram_of.get(topic),
                toc=toc,
                crumbs=_crumbs((names[topic], f"topics/{topic}.html")),
            )
    page("myths.html", "myths.html.j2", title="Myths and corrections", myths=myths, crumbs=_crumbs())
    page("rules/index.html", "rules.html.j2", title="Rules", usage=usage, crumbs=_crumbs())
    for rule in k.rules:
        page(
            f"rules/{rule.id}.html",
            "rule.html.j2",
            title=rule.title,
            rule=rule,
            advice=advice_words(rule.advice, kb),
            usage=usage[rule.id],
            when=rule_conditions(rule, descriptions, k.parameters),
            faq_by_id=faq_by_id,
            myth_by_id=myth_by_id,
            crumbs=_crumbs(("Rules", "rules/index.html")),
        )
    used = _sources_used(kb, faq)
    page("sources/index.html", "sources.html.j2", title="Bibliography", used=used, crumbs=_crumbs())
    for sid, src in k.sources.items():
        page(
            f"sources/{sid}.html",
            "source.html.j2",
            title=src.short or src.title,
            src=src,
            used=used[sid],
            faq_by_id=faq_by_id,
            myth_by_id=myth_by_id,
            crumbs=_crumbs(("Sources", "sources/index.html")),
        )
    page(
        "parameters.html",
        "parameters.html.j2",
        title="Limits by year",
        years=k.years,
        current=current,
        rows=rows,
        crumbs=_crumbs(),
        toc=[(str(y), f"{y} limits") for y in k.years] + [("by-limit", "Each limit across the years")],
    )
    ordered = dict(sorted(groups.items(), key=lambda g: list(FACT_GROUPS).index(g[0]) if g[0] in FACT_GROUPS else 99))
    page(
        "glossary.html",
        "glossary.html.j2",
        title="Glossary",
        groups=ordered,
        crumbs=_crumbs(),
        toc=[(f"group-{g}", FACT_GROUPS.get(g, g)) for g in ordered],
    )
    page("search.html", "search.html.j2", title="Search", crumbs=_crumbs())
    page("how-to-check.html", "how-to-check.html.j2", title="Check your own situation", crumbs=_crumbs())
    pages["404.html"] = not_found(env, shared)
    pages["search-index.js"] = search_index_js(kb, faq, names)
    if common.get("base_url"):
        pages["sitemap.xml"] = sitemap(common["base_url"], [p for p in pages if p.endswith(".html") and p != "404.html"])
    executed = sum(p.executed for p in faq)
    pages["build.json"] = (
        json.dumps(
            {
                "knowledge_version": kb.version,
                "build_date": common["build_date"],
                "base_url": common.get("base_url") or None,
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
