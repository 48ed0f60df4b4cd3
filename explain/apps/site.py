"""``rothkb site build``: generate the static FAQ website."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from engine import load_knowledge
from engine.errors import UsageError
from explain.website.build import build_site

__all__ = ["configure"]


def cmd_site_build(args: argparse.Namespace) -> int:
    """``rothkb site build [--out DIR]``."""
    kb = load_knowledge(args.knowledge)
    result = build_site(kb, Path(args.out), warn=lambda m: print(f"warning: {m}", file=sys.stderr), base_url=args.base_url)
    print(
        f"rothkb site build: wrote {result.pages} pages to {result.out} ({result.faq} FAQ answers, "
        f"{result.executed} examples executed, {len(result.warnings)} warning(s)) in {result.seconds:.2f} s"
    )
    return 0


def cmd_site(args: argparse.Namespace) -> int:
    """``rothkb site ACTION``: dispatch to the action."""
    if getattr(args, "site_command", None) == "build":
        return cmd_site_build(args)
    raise UsageError("rothkb site: choose an action: build (see 'rothkb site --help')")


def configure(command: str, p: argparse.ArgumentParser) -> Any:
    """Arguments of ``rothkb site ACTION``; returns its handler."""
    actions = p.add_subparsers(dest="site_command", metavar="ACTION", parser_class=type(p))
    b = actions.add_parser("build", help="generate the static FAQ website")
    b.add_argument("--out", metavar="DIR", default="_site", help="output folder (default: _site/)")
    b.add_argument(
        "--base-url",
        metavar="URL",
        default=None,
        help="address the site is published at; adds canonical links and sitemap.xml (default: none, so neither)",
    )
    return cmd_site
