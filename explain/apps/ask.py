"""``rothkb ask "QUESTION"``: the command line of :func:`explain.answer.ask`."""

from __future__ import annotations

import argparse
from typing import Any

from engine import load_knowledge
from engine.errors import UsageError
from explain.answer import ask
from explain.io import read_input, write_output

__all__ = ["configure", "cmd_ask"]


def cmd_ask(args: argparse.Namespace) -> int:
    """``rothkb ask "QUESTION" [--facts FILE] [--format md|json]``."""
    question = " ".join(args.question).strip()
    if not question:
        raise UsageError("rothkb ask: the question is empty; ask something like 'Does my spouse's IRA affect my backdoor Roth?'")
    if len(question) > 2000:
        raise UsageError("rothkb ask: the question is too long (at most 2,000 characters)")
    kb = load_knowledge(args.knowledge)
    facts = None
    if args.facts:
        text, name = read_input(args.facts)
        facts = kb.read_facts(text, name)
    answer = ask(kb, question, facts, site_url=args.site_url)
    write_output(answer.to_json() if args.format == "json" else answer.markdown, None)
    return 0


def configure(command: str, p: argparse.ArgumentParser) -> Any:
    """Arguments of ``rothkb ask``; returns its handler."""
    p.add_argument("question", nargs="+", metavar="QUESTION", help="the question, in your own words")
    p.add_argument("--facts", metavar="FACTS", help="YAML or JSON facts file (or -) to personalise the answer")
    p.add_argument("--format", choices=("md", "json"), default="md")
    p.add_argument("--site-url", metavar="URL", help="base URL of the built FAQ site, for the links of the answer")
    return cmd_ask
