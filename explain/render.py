"""Render one :class:`~engine.trace.Explanation` as JSON, Markdown or HTML.

All three are views of the same trace; none computes anything the engine did not decide.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jinja2
import markdown as md

from engine.trace import Explanation, format_value, json_number

from .sentences import describe_check, label

__all__ = ["to_json_dict", "render_json", "render_markdown", "render_html", "SCHEMA"]

SCHEMA = "rothkb.explanation/1"
_TEMPLATES = Path(__file__).parent / "templates"


def _check_json(check: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"fact": check.fact, "value": json_number(check.value), "test": check.test}
    if check.threshold_name:
        out["threshold"] = {"name": check.threshold_name, "value": json_number(check.threshold),
                            "sources": check.threshold_sources}
    if check.missing:
        out["missing"] = check.missing
    return out


def to_json_dict(exp: Explanation) -> dict[str, Any]:
    """The CONTRACT §5 object (plus a few extra, additive keys)."""
    return {
        "schema": SCHEMA,
        "tax_year": exp.tax_year,
        "knowledge_version": exp.knowledge_version,
        "fired": exp.fired,
        "figures": {f.name: json_number(f.value) for f in exp.figures},
        "form8606": {f.name: json_number(f.value) for f in exp.form8606},
        "figure_sources": {f.name: [s for s, _ in f.sources] for f in exp.figures + exp.form8606},
        "trace": [
            {"step": s.step, "rule": s.rule, "title": s.title, "kind": s.kind,
             "because": [_check_json(c) for c in s.because], "concluded": json_number(s.concluded),
             "advice": s.advice, "sources": [sid for sid, _ in s.sources],
             "pinpoints": {sid: pin for sid, pin in s.sources if pin}}
            for s in exp.steps
        ],
        "not_fired": [{"rule": n.rule, "failed": [_check_json(c) for c in n.failed]} for n in exp.not_fired],
        "undetermined": [{"rule": u.rule, "missing": u.missing} for u in exp.undetermined],
        "questions": [{"fact": q.fact, "question": q.question, "settles": q.settles} for q in exp.questions],
        "sources": {sid: {"title": s.title, "url": s.url, "kind": s.kind, **({"pinpoint": s.pinpoint} if s.pinpoint else {})}
                    for sid, s in exp.sources.items()},
    }


def render_json(exp: Explanation) -> str:
    """Deterministic JSON text (fixed key order, two-space indent, trailing newline)."""
    return json.dumps(to_json_dict(exp), indent=2, ensure_ascii=False) + "\n"


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_TEMPLATES)), undefined=jinja2.StrictUndefined,
        autoescape=False,  # noqa: S701 - Markdown output; HTML is escaped by the markdown step and typed facts
        keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
    )
    env.filters["fmt"] = format_value
    env.filters["label"] = label
    env.filters["md_escape"] = _md_escape
    return env


_ENV: jinja2.Environment | None = None


def _md_escape(text: Any) -> str:
    """Escape characters that would start Markdown or HTML markup in user-supplied text."""
    out = str(text)
    for ch in "\\`*_[]<>|":
        out = out.replace(ch, "\\" + ch)
    return out


def render_markdown(exp: Explanation, descriptions: dict[str, str] | None = None) -> str:
    """The CONTRACT §6 Markdown explanation."""
    global _ENV
    if _ENV is None:
        _ENV = _env()
    descriptions = descriptions or {}
    order = sorted(exp.steps, key=lambda s: (-s.importance, s.step))
    footnotes: list[str] = []
    for step in order:
        for sid, _ in step.sources:
            if sid not in footnotes:
                footnotes.append(sid)
        for check in step.because:
            footnotes += [s for s in check.threshold_sources if s not in footnotes]
    for fig in exp.figures + exp.form8606:
        footnotes += [s for s, _ in fig.sources if s not in footnotes]
    return _ENV.get_template("explanation.md.j2").render(
        exp=exp, steps=order, footnotes=[exp.sources[s] for s in footnotes if s in exp.sources],
        sentence=lambda c: describe_check(c, descriptions, exp.tax_year),
        source_title=lambda sid: exp.sources[sid].title if sid in exp.sources else sid,
        new_pin=lambda sid, pin: bool(pin) and sid in exp.sources
        and pin.replace("§", "").strip() not in exp.sources[sid].title,
        actions=[s for s in order if s.kind == "action"], warnings=[s for s in order if s.kind == "warning"],
        infos=[s for s in order if s.kind == "info"],
    )


def render_html(exp: Explanation, descriptions: dict[str, str] | None = None, title: str = "rothkb explanation") -> str:
    """A standalone HTML page of the Markdown explanation (footnotes and tables rendered)."""
    body = md.markdown(render_markdown(exp, descriptions), extensions=["footnotes", "tables"],
                       output_format="html")
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{title}</title>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "</head>\n<body>\n<main>\n" + body + "\n</main>\n</body>\n</html>\n")
