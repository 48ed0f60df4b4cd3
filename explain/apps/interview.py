"""``rothkb interview``: ask only the questions whose answers can change a conclusion.

Questions and messages go to standard error and the final explanation to standard output,
so ``rothkb interview < answers.txt > plan.md`` works as well as a terminal session. After
every answer the engine re-plans: the next question is the best-ranked one still open.
A blank answer means "I don't know" (never asked again); ``q`` stops and explains with what
is known.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any, TextIO

import yaml

from engine import InputError, KnowledgeBase, load_knowledge
from engine.model.knowledge import FactDef
from engine.run.whatif import best_question
from engine.validate.situation import coerce_fact, read_facts_text
from explain.io import read_input, write_output
from explain.views.render import render_json, render_markdown

__all__ = ["configure", "run_interview", "parse_answer", "answer_hint"]

_YES = {"y", "yes", "true", "t", "1"}
_NO = {"n", "no", "false", "f", "0"}


def configure(command: str, p: argparse.ArgumentParser) -> Any:
    """Arguments of ``rothkb interview``; returns its handler."""
    p.add_argument("--facts", metavar="FACTS", help="start from the facts in this file")
    p.add_argument("--save", metavar="FILE", help="save the answers as a facts file")
    p.add_argument("--format", choices=("md", "json"), default="md")
    return cmd_interview


def answer_hint(fact: FactDef) -> str:
    """How to type an answer for this fact."""
    if fact.type == "bool":
        return "yes or no"
    if fact.type == "money":
        return "an amount, e.g. 12000 or $12,000"
    if fact.type in ("int", "number"):
        bounds = f" from {fact.min} to {fact.max}" if fact.min is not None and fact.max is not None else ""
        return f"a number{bounds}"
    if fact.type == "enum":
        return "one of: " + ", ".join(fact.values)
    if fact.type == "date":
        return "a date as YYYY-MM-DD"
    if fact.type == "list":
        names = " ".join(name for name, _ in fact.items)
        return f"entries as '{names}' separated by ';', or 'none'"
    return fact.type


def parse_answer(fact: FactDef, text: str) -> tuple[Any, str | None]:
    """Turn typed text into a value of the fact's type; return (value, error or None)."""
    text = text.strip()
    if fact.type == "bool":
        low = text.lower()
        if low in _YES:
            return True, None
        if low in _NO:
            return False, None
        return None, "please answer yes or no"
    if fact.type == "enum":
        low = text.lower().replace(" ", "_")
        matches = [v for v in fact.values if v == low] or [v for v in fact.values if v.startswith(low)]
        if len(matches) == 1:
            return matches[0], None
    if fact.type == "list":
        if text.lower() in ("none", "[]"):
            return [], None
        names = [name for name, _ in fact.items]
        entries = []
        for part in filter(None, (p.strip() for p in text.split(";"))):
            values = re.split(r"[\s,]+", part)
            if len(values) != len(names):
                return None, f"each entry needs {len(names)} values: {' '.join(names)}"
            entries.append(dict(zip(names, values, strict=True)))
        return coerce_fact(fact, entries)
    return coerce_fact(fact, text)


def _next_question(kb: KnowledgeBase, facts: dict[str, Any], skipped: set[str]) -> tuple[str | None, int]:
    if "tax_year" not in facts:
        return "tax_year", 0
    exp = kb.explain(facts, validated=True)
    candidates = [q.fact for q in exp.questions if q.fact not in skipped and q.fact not in facts]
    if not candidates:
        return None, len(exp.undetermined)
    # The heuristic ranking shortlists; a simulation of answers picks the most decisive.
    return best_question(kb.compiled, facts, candidates[:3]), len(exp.undetermined)


def run_interview(kb: KnowledgeBase, facts: dict[str, Any], stdin: TextIO, out: TextIO) -> dict[str, Any]:
    """Ask questions until none can change a conclusion, the input ends, or the user types q.

    Args:
        kb: The knowledge base.
        facts: Validated facts to start from (updated in place).
        stdin: Where answers are read.
        out: Where questions and messages are written.

    Returns:
        The facts gathered.

    """
    skipped: set[str] = set()
    asked = 0
    while True:
        name, open_rules = _next_question(kb, facts, skipped)
        if name is None:
            print("\nNothing more to ask: every remaining question would not change a conclusion.", file=out)
            return facts
        fact = kb.knowledge.facts[name]
        asked += 1
        status = f" ({open_rules} rule{'s' if open_rules != 1 else ''} still undecided)" if open_rules else ""
        print(f"\nQuestion {asked}{status}: {fact.question}", file=out)
        if fact.help:
            print(f"  {fact.help}", file=out)
        while True:
            print(f"  [{answer_hint(fact)}; blank = don't know; q = stop] > ", end="", file=out, flush=True)
            line = stdin.readline()
            if not line:
                print("\n(end of input: explaining with what is known)", file=out)
                return facts
            text = line.strip()
            if text.lower() in ("q", "quit"):
                return facts
            if not text:
                skipped.add(name)
                break
            value, error = parse_answer(fact, text)
            if name == "tax_year" and error is None and value not in kb.knowledge.years:
                years = kb.knowledge.years
                error = f"rothkb covers {years[0]}-{years[-1]}"
            if error:
                print(f"  Not accepted: {error}.", file=out)
                continue
            facts[name] = value
            break
        if name == "tax_year" and name in skipped:
            print("  The tax year is needed for every figure; stopping.", file=out)
            return facts


def cmd_interview(args: argparse.Namespace) -> int:
    """``rothkb interview``."""
    kb = load_knowledge(args.knowledge)
    facts: dict[str, Any] = {}
    if args.facts:
        text, name = read_input(args.facts)
        doc = read_facts_text(text, name)
        if "tax_year" in doc:
            facts = kb.parse_facts(doc, name)
        else:  # the interview will ask for the year; check the rest now
            facts = kb.parse_facts(dict(doc, tax_year=kb.knowledge.years[-1]), name)
            del facts["tax_year"]
    facts = run_interview(kb, facts, sys.stdin, sys.stderr)
    if args.save:
        plain = {
            k: (
                int(v)
                if hasattr(v, "to_integral_value") and v == v.to_integral_value()
                else float(v)
                if hasattr(v, "to_integral_value")
                else v
            )
            for k, v in facts.items()
        }
        write_output(yaml.safe_dump(plain, sort_keys=False, allow_unicode=True), args.save)
    if "tax_year" not in facts:
        raise InputError("no tax year was given, so there is nothing to explain")
    exp = kb.explain(facts, validated=True)
    output = render_json(exp) if args.format == "json" else render_markdown(exp, kb.descriptions(), kb.questions())
    write_output(output, None)
    return 0
