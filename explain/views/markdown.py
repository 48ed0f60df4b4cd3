"""The Markdown explanation (CONTRACT §6): brief by default, everything with ``detail="full"``.

The brief view is what a person reads: a two-sentence summary, what to do (costliest first),
the figures in words, the assumptions, at most five relevant questions and the footnotes. The
full view adds why each item applies, every undecided rule and question, and the trace; rule and
fact ids appear only there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from engine.trace import Explanation
from engine.trace.formatting import format_value
from explain.views.labels import join_words, label, lower_first, value_words
from explain.views.present import present
from explain.views.sentences import describe_check

__all__ = ["render_markdown", "markdown_parts", "requirement_phrase", "would_fire_phrase", "DETAILS", "CLI_MORE"]

DETAILS = ("brief", "full")
#: How the brief Markdown points at what it leaves out.
CLI_MORE = "`rothkb explain --detail full` lists them"
_TEMPLATES = Path(__file__).parent / "templates"

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
        return f"{lower_first(descriptions[req.fact])} (another rule's conclusion)"
    if isinstance(req.threshold, bool) and req.fact in questions:
        return f"the answer to “{questions[req.fact]}” were {'yes' if req.threshold == (req.op == '==') else 'no'}"
    described = descriptions.get(req.fact, "").rstrip(".")
    if isinstance(req.threshold, bool) and described and req.fact not in questions:
        claim = lower_first(described)
        return claim if req.threshold == (req.op == "==") else f"it were not the case that {claim}"
    if isinstance(req.threshold, list):
        shown = join_words([value_words(v, req.value_type) for v in req.threshold], "or")
    elif req.threshold is None:
        shown = "a figure that cannot be computed yet"
    else:
        shown = value_words(req.threshold, req.value_type)
    subject = f"your {label(req.fact)}" if req.fact in questions or not described else f"the {lower_first(described)}"
    text = f"{subject} {_WERE[req.op]} {shown}"
    if req.threshold_name:
        where = descriptions.get(req.threshold_name, label(req.threshold_name))
        text += f" ({lower_first(where)}, {year})"
    return text + "".join(f"[^{sid}]" for sid in req.sources)


def would_fire_phrase(alternatives: list[list[Any]], questions: dict[str, str], descriptions: dict[str, str], year: int) -> str:
    """All alternatives as one sentence fragment joined with "or" (each joined with "and")."""
    return "; or ".join(
        join_words([requirement_phrase(r, questions, descriptions, year) for r in alt]) for alt in alternatives if alt
    )


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
    env.filters["words"] = join_words
    return env


_ENV = _env()


def markdown_parts(
    exp: Explanation,
    descriptions: dict[str, str] | None = None,
    questions: dict[str, str] | None = None,
    full: bool = False,
    more: str = CLI_MORE,
    rest: bool = True,
) -> tuple[str, str, str]:
    """The brief Markdown, the rest of the full Markdown, and the footnotes, as three texts.

    Args:
        exp: The explanation.
        descriptions: Descriptions of facts, values and parameters (for plain-English conditions).
        questions: Question text of every fact (for "it would apply if ..." sentences).
        full: Show every item of the brief part too (every Form 8606 line).
        more: How the brief part points at what it leaves out.
        rest: Render the rest at all (else it is ``""``; a cold brief explanation then never compiles its template).

    """
    descriptions = descriptions or {}

    def new_pin(sid: str, pin: str) -> bool:
        return bool(pin) and sid in exp.sources and pin.replace("§", "").strip() not in exp.sources[sid].title

    brief = present(exp, whole=full)
    whole = present(exp, full=True)
    ctx = {
        "exp": exp,
        "full": full,
        "more": more,
        "sentence": lambda c: describe_check(c, descriptions, exp.tax_year),
        "source_title": lambda sid: exp.sources[sid].title if sid in exp.sources else sid,
        "why_not": lambda n: would_fire_phrase(n.would_fire_if, questions or {}, descriptions, exp.tax_year),
        "new_pin": lambda sid, pin: (
            bool(pin) and sid in exp.sources and pin.replace("§", "").strip() not in exp.sources[sid].title
        ),
    }
    head = _ENV.get_template("brief.md.j2").render(p=brief, **ctx)
    tail = _ENV.get_template("full.md.j2").render(p=whole, **ctx) if rest else ""
    notes = _ENV.get_template("footnotes.md.j2").render(p=whole)
    return head, tail, notes


def render_markdown(
    exp: Explanation,
    descriptions: dict[str, str] | None = None,
    questions: dict[str, str] | None = None,
    detail: str = "brief",
) -> str:
    """The Markdown explanation: ``detail`` is ``"brief"`` (the default) or ``"full"``."""
    full = detail == "full"
    head, rest, notes = markdown_parts(exp, descriptions, questions, full, rest=full)
    if not full:
        # Footnotes of the brief view: only the sources it cites.
        cited = {s for s in exp.sources if f"[^{s}]" in head}
        notes = "".join(line + "\n" for line in notes.splitlines() if line[2 : line.find("]:")] in cited)
    return head + (rest if full else "") + "\n" + notes
