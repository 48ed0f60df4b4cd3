"""``rothkb explain``: one situation from a facts file, as Markdown, HTML or JSON."""

from __future__ import annotations

import argparse
import os
from typing import Any

from engine import load_knowledge
from engine.errors import UsageError
from explain.io import read_input, write_output
from explain.views.markdown import DETAILS, render_markdown

__all__ = ["configure", "cmd_explain"]


def cmd_explain(args: argparse.Namespace) -> int:
    """``rothkb explain FACTS``."""
    if args.out and args.facts != "-" and os.path.exists(args.out) and os.path.samefile(args.out, args.facts):
        raise UsageError(f"rothkb explain: --out {args.out} is the facts file itself; choose another file")
    kb = load_knowledge(args.knowledge, faq=False)  # an explanation never shows the FAQ
    text, name = read_input(args.facts)
    exp = kb.explain(kb.read_facts(text, name, args.year), name, validated=True)
    # The JSON and HTML views (orjson, the HTML template) are imported only when asked for.
    if args.format == "json":
        from explain.views.jsonview import render_json

        output = render_json(exp)
    elif args.format == "html":
        from explain.views.html import render_html

        output = render_html(exp, kb.descriptions(), questions=kb.questions(), detail=args.detail)
    else:
        output = render_markdown(exp, kb.descriptions(), kb.questions(), args.detail)
    write_output(output, args.out)
    return 0


def configure(command: str, parser: argparse.ArgumentParser) -> Any:
    """Arguments of ``rothkb explain``; returns its handler."""
    parser.add_argument("facts", metavar="FACTS", help="YAML or JSON facts file, or - for standard input")
    parser.add_argument("--format", choices=("md", "html", "json"), default="md")
    parser.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    parser.add_argument("--year", type=int, help="override tax_year")
    parser.add_argument(
        "--detail",
        choices=DETAILS,
        default="brief",
        help="brief (default): what to do, costliest first; full: also why each rule applies, every undecided rule, the trace",
    )
    return cmd_explain
