"""Render one :class:`~engine.trace.Explanation` as JSON, Markdown or HTML.

All three are views of the same trace; none computes anything the engine did not decide. The
views live in :mod:`explain.views.jsonview`, :mod:`explain.views.markdown` and
:mod:`explain.views.html`; this module keeps the names the commands import.
"""

from __future__ import annotations

from explain.views.html import explanation_fragment, render_html
from explain.views.jsonview import SCHEMA, render_json, render_json_line, to_json_dict
from explain.views.markdown import DETAILS, render_markdown, requirement_phrase, would_fire_phrase

__all__ = [
    "to_json_dict",
    "render_json",
    "render_json_line",
    "render_markdown",
    "render_html",
    "explanation_fragment",
    "requirement_phrase",
    "would_fire_phrase",
    "SCHEMA",
    "DETAILS",
]
