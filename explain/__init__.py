"""Views of an explanation trace (Markdown, HTML, JSON) and the ``rothkb`` command line."""

from .render import render_html, render_json, render_markdown, to_json_dict

__all__ = ["render_markdown", "render_html", "render_json", "to_json_dict"]
