"""The smaller outputs of the site build: the limits table rows, the 404 page and the sitemap."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

import jinja2

from engine import KnowledgeBase
from engine.trace.formatting import format_value

__all__ = ["limit_rows", "not_found", "sitemap"]


def limit_rows(kb: KnowledgeBase) -> list[dict[str, Any]]:
    """Every parameter with its value per year, most looked up first (``rank`` in the knowledge, then by name).

    A value with columns (``by`` a filing status, a coverage) becomes a list of ``(label, text)``.
    """
    rows = []
    params = sorted(kb.knowledge.parameters.values(), key=lambda p: (p.rank is None, p.rank or 0, p.name))
    for param in params:
        unit = "money" if param.unit == "usd" else ""
        cells = {}
        for year, pv in sorted(param.values.items()):
            if isinstance(pv.value, dict):
                parts = [(k.replace("_", " "), format_value(v, unit)) for k, v in pv.value.items()]
            else:
                parts = [("", format_value(pv.value, unit))]
            cells[year] = {"parts": parts, "source": pv.source, "note": pv.note}
        rows.append({"p": param, "cells": cells})
    return rows


def not_found(env: jinja2.Environment, shared: dict[str, Any]) -> str:
    """``404.html`` for static hosts: served at any depth, so its links start at the site root.

    With ``--base-url`` the links are absolute; without, they start with ``/`` (a site served
    from the root of its host).
    """
    root = shared.get("base_url") or "/"
    return env.get_template("404.html.j2").render(shared, root=root, path="404.html", crumbs=[], toc=[], title="Page not found")


def sitemap(base_url: str, paths: list[str]) -> str:
    """``sitemap.xml`` with absolute addresses (a sitemap needs them, hence only with ``--base-url``)."""
    urls = "".join(f"<url><loc>{escape(base_url + p)}</loc></url>\n" for p in sorted(paths))
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}</urlset>\n'
    )
