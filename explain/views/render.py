"""Render one :class:`~engine.trace.Explanation` as JSON, Markdown or HTML.

All three are views of the same trace; none computes anything the engine did not decide.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import jinja2

from engine.trace import Explanation
from engine.trace.assumptions import join_phrases
from engine.trace.formatting import format_value, json_number
from explain.views.sentences import describe_check, label

__all__ = ["to_json_dict", "render_json", "render_markdown", "render_html", "SCHEMA"]

SCHEMA = "rothkb.explanation/1"
_TEMPLATES = Path(__file__).parent / "templates"


def _check_json(check: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"fact": check.fact, "value": json_number(check.value), "test": check.test}
    if check.threshold_name:
        out["threshold"] = {
            "name": check.threshold_name,
            "value": json_number(check.threshold),
            "sources": check.threshold_sources,
        }
    if check.missing:
        out["missing"] = check.missing
    return out


def _requirement_json(req: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"fact": req.fact, "test": f"{req.op} {_plain(req.threshold)}"}
    if req.text:
        out["means"] = req.text
    if req.threshold_name:
        out["threshold"] = {"name": req.threshold_name, "value": json_number(req.threshold), "sources": req.sources}
    return out


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_plain(v) for v in value) + "]"
    return format_value(value) if value is not None else "unknown"


_WERE = {
    "==": "were",
    "!=": "were not",
    "<": "were below",
    "<=": "were at most",
    ">": "were above",
    ">=": "were at least",
    "in": "were",
    "not in": "were not",
}


def requirement_phrase(req: Any, questions: dict[str, str], descriptions: dict[str, str], year: int) -> str:
    """One requirement as words: "your MAGI were at least $165,000 (the end of the range, 2025)"."""
    if getattr(req, "text", ""):
        return req.text
    if req.conclusion and isinstance(req.threshold, bool) and req.fact in descriptions:
        text = descriptions[req.fact].rstrip(".")
        return f"{text[0].lower() + text[1:]} (another rule's conclusion)"
    if isinstance(req.threshold, bool) and req.fact in questions:
        return f"the answer to “{questions[req.fact]}” were {'yes' if req.threshold == (req.op == '==') else 'no'}"
    described = descriptions.get(req.fact, "").rstrip(".")
    if isinstance(req.threshold, bool) and described and req.fact not in questions:
        claim = described[0].lower() + described[1:]
        return claim if req.threshold == (req.op == "==") else f"it were not the case that {claim}"
    if isinstance(req.threshold, list):
        shown = " or ".join(format_value(v, req.value_type) for v in req.threshold)
    else:
        shown = format_value(req.threshold, req.value_type)
    if isinstance(req.threshold, bool):
        shown = "yes" if req.threshold else "no"
    subject = (
        f"your {label(req.fact)}" if req.fact in questions or not described else f"the {described[0].lower() + described[1:]}"
    )
    text = f"{subject} {_WERE[req.op]} {shown}"
    if req.threshold_name:
        where = descriptions.get(req.threshold_name, label(req.threshold_name))
        text += f" ({where[0].lower() + where[1:]}, {year})"
    return text + "".join(f"[^{sid}]" for sid in req.sources)


def would_fire_phrase(alternatives: list[list[Any]], questions: dict[str, str], descriptions: dict[str, str], year: int) -> str:
    """All alternatives as one sentence fragment joined with "or" (each joined with "and")."""
    return "; or ".join(
        " and ".join(requirement_phrase(r, questions, descriptions, year) for r in alt) for alt in alternatives if alt
    )


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
        "assumptions": [
            {"fact": a.fact, "assumed": json_number(a.assumed), "phrase": a.phrase, "affects": a.affects} for a in exp.assumptions
        ],
        "figure_assumptions": {
            **{f.name: f.assumed for f in exp.figures if f.assumed},
            **{f"form8606.{f.name}": f.assumed for f in exp.form8606 if f.assumed},
        },
        "trace": [
            {
                "step": s.step,
                "rule": s.rule,
                "title": s.title,
                "kind": s.kind,
                "because": [_check_json(c) for c in s.because],
                "concluded": json_number(s.concluded),
                "advice": s.advice,
                "sources": [sid for sid, _ in s.sources],
                "pinpoints": {sid: pin for sid, pin in s.sources if pin},
                "assumed": s.assumed,
            }
            for s in exp.steps
        ],
        "not_fired": [
            {
                "rule": n.rule,
                "failed": [_check_json(c) for c in n.failed],
                "would_fire_if": [[_requirement_json(r) for r in alt] for alt in n.would_fire_if],
                "assumed": n.assumed,
            }
            for n in exp.not_fired
        ],
        "undetermined": [{"rule": u.rule, "missing": u.missing} for u in exp.undetermined],
        "questions": [{"fact": q.fact, "question": q.question, "settles": q.settles} for q in exp.questions],
        "sources": {
            sid: {"title": s.title, "url": s.url, "kind": s.kind, **({"pinpoint": s.pinpoint} if s.pinpoint else {})}
            for sid, s in exp.sources.items()
        },
    }


def render_json(exp: Explanation) -> str:
    """Deterministic JSON text (fixed key order, two-space indent, trailing newline)."""
    return json.dumps(to_json_dict(exp), indent=2, ensure_ascii=False) + "\n"


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # noqa: S701 - Markdown output; HTML is escaped by the markdown step and typed facts
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
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


def render_markdown(exp: Explanation, descriptions: dict[str, str] | None = None, questions: dict[str, str] | None = None) -> str:
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
    for item in exp.not_fired:
        for alt in item.would_fire_if:
            for req in alt:
                footnotes += [s for s in req.sources if s not in footnotes]
    return _ENV.get_template("explanation.md.j2").render(
        exp=exp,
        steps=order,
        footnotes=[exp.sources[s] for s in footnotes if s in exp.sources],
        sentence=lambda c: describe_check(c, descriptions, exp.tax_year),
        source_title=lambda sid: exp.sources[sid].title if sid in exp.sources else sid,
        why_not=lambda n: would_fire_phrase(n.would_fire_if, questions or {}, descriptions, exp.tax_year),
        new_pin=lambda sid, pin: bool(pin) and sid in exp.sources and pin.replace("§", "").strip() not in exp.sources[sid].title,
        assumed_text=join_phrases([a.phrase or a.fact for a in exp.assumptions], "; ", "; "),
        # What a wrong assumption would change: the warnings and steps it keeps from applying
        # directly (not those that would follow from another rule's conclusion).
        kept=[
            n
            for n in exp.not_fired
            if n.assumed and n.kind in ("warning", "action") and any(not any(r.conclusion for r in a) for a in n.would_fire_if)
        ],
        actions=[s for s in order if s.kind == "action"],
        warnings=[s for s in order if s.kind == "warning"],
        infos=[s for s in order if s.kind == "info"],
    )


def render_html(
    exp: Explanation,
    descriptions: dict[str, str] | None = None,
    title: str = "rothkb explanation",
    questions: dict[str, str] | None = None,
) -> str:
    """A standalone HTML page of the Markdown explanation (footnotes and tables rendered)."""
    import markdown as md  # imported here: only HTML output needs it (cold start)

    body = md.markdown(render_markdown(exp, descriptions, questions), extensions=["footnotes", "tables"], output_format="html")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<style>{_CSS}</style>\n</head>\n<body>\n<main>\n" + body + "\n</main>\n</body>\n</html>\n"
    )


#: A small, self-contained stylesheet: the page is one file a person can save or mail.
_CSS = (
    "body{font:16px/1.55 system-ui,-apple-system,Segoe UI,sans-serif;color:#1b1b1b;background:#fff;margin:0}"
    "main{max-width:52rem;margin:0 auto;padding:1.5rem}"
    "h1{font-size:1.7rem}h2{border-bottom:2px solid #0b4f8a;padding-bottom:.2rem;margin-top:2.2rem}"
    "h3{font-size:1.1rem;margin-top:1.6rem}a{color:#0b4f8a}"
    "table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #c8c8c8;padding:.3rem .6rem}"
    "th{background:#eef3f8;text-align:left}td:nth-child(2){text-align:right;white-space:nowrap}"
    "code{background:#f3f3f3;padding:0 .2rem;border-radius:3px}"
    '.footnote{font-size:.9rem;color:#333}sup+sup::before{content:","}'
)
