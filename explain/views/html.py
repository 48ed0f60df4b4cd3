"""The one HTML view of an explanation: a fragment (site, serve) and a page (``--format html``).

The same sections, in the same order, as the Markdown view, rendered straight from the same
:class:`~explain.views.present.Presentation` (the ``markdown`` package would give the same
content at about ten times the cost, too slow for a site of a hundred worked examples). The
brief part is open; the rest of the full view is folded in a ``<details>`` (open with
``detail="full"``); the sources come last.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from engine.trace import Explanation
from engine.trace.formatting import format_value
from explain.views.labels import join_words, label
from explain.views.markdown import would_fire_phrase
from explain.views.present import present
from explain.views.sentences import describe_check

__all__ = ["explanation_fragment", "render_html", "CSS"]

_MORE = "the full detail below lists them"
_REF = re.compile(r"\[\^([A-Za-z0-9._-]+)\]")

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
    undefined=jinja2.StrictUndefined,
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
)
_ENV.filters["fmt"] = format_value
_ENV.filters["label"] = label
_ENV.filters["words"] = join_words


def _code(name: str) -> str:
    return f"<code>{escape(name)}</code>"


def _shown(value: Any, vtype: str) -> str:
    """A value in the trace; a value the bounds settled without knowing it is "not given"."""
    return "not given" if value is None else format_value(value, vtype)


def _trace_html(exp: Explanation, why_not: Callable[[Any], Markup]) -> Markup:
    """The full trace and the rules that do not apply, every name and value escaped.

    Built in Python: a template loop over every rule and check costs too much on a site of a
    hundred worked examples.
    """
    lines = ['<ol class="trace">']
    for s in exp.steps:
        checks = ", ".join(f"{_code(c.fact)} = {escape(_shown(c.value, c.value_type))} ({escape(c.test)})" for c in s.because)
        concluded = ", ".join(f"{_code(k)} = {escape(format_value(v))}" for k, v in s.concluded.items())
        lines.append(f"<li>{_code(s.rule)} fired: {checks}" + (f"; concluded {concluded}" if concluded else "") + ".</li>")
    if not exp.steps:
        lines.append("<li>No rule fired.</li>")
    lines.append("</ol>")
    if exp.not_fired:
        lines.append('<p>Rules that do not apply:</p>\n<ul class="not-fired">')
        for n in exp.not_fired:
            failed = "; ".join(
                f"{_code(c.fact)} = "
                + (escape(format_value(c.value, c.value_type)) if c.value is not None else "not given")
                + f", needs {escape(c.test)}"
                for c in n.failed
            )
            tail = f" It would apply if {why_not(n)}." if n.would_fire_if else ""
            lines.append(f"<li>{_code(n.rule)}: {failed}.{tail}</li>")
        lines.append("</ul>")
    return Markup("\n".join(lines))  # noqa: S704 - every part above is escaped


def explanation_fragment(
    exp: Explanation,
    descriptions: dict[str, str] | None = None,
    questions: dict[str, str] | None = None,
    detail: str = "brief",
    level: int = 1,
    rule_url: Callable[[str], str] | None = None,
    source_url: Callable[[str], str] | None = None,
) -> str:
    """The explanation as an HTML fragment whose title is ``<h{level}>``.

    Args:
        exp: The explanation.
        descriptions: Descriptions of facts, values and parameters.
        questions: Question text of every fact.
        detail: ``"brief"`` folds the full part; ``"full"`` shows everything open.
        level: Heading level of the explanation's title (1 to 4).
        rule_url: Link of a rule's page, by rule id (the site); None for no links.
        source_url: Link of a source's page, by source id (the site); None to show titles only.

    """
    descriptions = descriptions or {}
    full = detail == "full"
    whole = present(exp, full=True)
    note_no = {src.id: n for n, src in enumerate(whole.footnotes, 1)}
    # Source ids are kebab-case (validated), so they need no escaping inside the link.
    sups = {sid: f'<sup><a href="#cite-{sid}" aria-label="source {n}">[{n}]</a></sup>' for sid, n in note_no.items()}

    def cite(sids: Iterable[Any]) -> Markup:
        """Footnote links for source ids, or (id, pinpoint) pairs."""
        marks = "".join(sups.get(s if isinstance(s, str) else s[0], "") for s in sids)
        return Markup(f'<span class="cites">{marks}</span>' if marks else "")  # noqa: S704 - fixed markup

    def cite_refs(text: str) -> Markup:
        return Markup(_REF.sub(lambda m: sups.get(m.group(1), ""), str(escape(text))))  # noqa: S704 - text escaped first

    def new_pin(sid: str, pin: str) -> bool:
        return bool(pin) and sid in exp.sources and pin.replace("§", "").strip() not in exp.sources[sid].title

    def why_not(n: Any) -> Markup:
        return cite_refs(would_fire_phrase(n.would_fire_if, questions or {}, descriptions, exp.tax_year))

    return _ENV.get_template("explanation.html.j2").render(
        exp=exp,
        p=present(exp, whole=full),
        w=whole,
        full=full,
        more=_MORE,
        level=max(1, min(level, 4)),
        cite=cite,
        notes=whole.footnotes,
        rule_url=rule_url,
        source_url=source_url,
        sentence=lambda c: describe_check(c, descriptions, exp.tax_year),
        source_title=lambda sid: exp.sources[sid].title if sid in exp.sources else sid,
        trace_html=_trace_html(exp, why_not),
        why_not=why_not,
        new_pin=new_pin,
    )


def render_html(
    exp: Explanation,
    descriptions: dict[str, str] | None = None,
    title: str = "rothkb explanation",
    questions: dict[str, str] | None = None,
    detail: str = "brief",
) -> str:
    """A standalone HTML page of the explanation (one file a person can save or mail)."""
    body = explanation_fragment(exp, descriptions, questions, detail)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}</title>\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<style>{CSS}</style>\n</head>\n<body>\n<main>\n" + body + "\n</main>\n</body>\n</html>\n"
    )


#: A small, self-contained stylesheet: the page is one file a person can save or mail.
CSS = (
    "body{font:16px/1.55 system-ui,-apple-system,Segoe UI,sans-serif;color:#1b1b1b;background:#fff;margin:0}"
    "main{max-width:52rem;margin:0 auto;padding:1.5rem}"
    "h1{font-size:1.7rem}h2{border-bottom:2px solid #0b4f8a;padding-bottom:.2rem;margin-top:2.2rem}"
    "h3{font-size:1.1rem;margin-top:1.6rem}a{color:#0b4f8a}"
    "table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #c8c8c8;padding:.3rem .6rem}"
    "th{background:#eef3f8;text-align:left}td.num{text-align:right;white-space:nowrap}"
    "code{background:#f3f3f3;padding:0 .2rem;border-radius:3px}"
    ".item-warning h3::before{content:'\\26A0\\FE0E  ';color:#a14300}.after-fix{color:#1d5e20}"
    "details.full-detail{margin-top:2rem;border-top:1px solid #c8c8c8;padding-top:.5rem}"
    "details.full-detail>summary{cursor:pointer;font-weight:600;color:#0b4f8a}"
    '.footnotes{font-size:.9rem;color:#333}.cites sup+sup::before{content:","}'
)
