"""``rothkb interview``: talk like a planner. The goal first, then only the questions that can change
the advice for that goal, in the order of ``knowledge/interview.yaml``; each result is shown as soon
as an answer settles it.

Questions and messages go to standard error and the explanation to standard output, so
``rothkb interview < answers.txt > plan.md`` works as well as a terminal session. A blank answer
means "I don't know" (never asked again); ``?`` says why a question matters; ``q`` stops and explains.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

import yaml

from engine import InputError, KnowledgeBase, load_knowledge
from engine.errors import UsageError
from engine.model.interview import Goal, Question
from engine.run.plan import Ask, Assumed, awaited_facts, gate_open, goal_rules, groups_for, next_question, planning_year
from engine.trace.news import news
from engine.validate.answers import answer_hint, parse_answer, parse_grouped, parse_kind
from engine.validate.situation import read_facts_text
from explain.io import atomic_write, read_input, write_output
from explain.views.render import render_json, render_markdown

__all__ = ["configure", "run_interview", "choose_goal", "dump_facts"]

_STOP = ("q", "quit")
#: Returned by a prompt when the person stops (q or end of input).
_STOPPED = object()
Reader = Callable[[str], tuple[Any, "str | None"]]


def configure(command: str, p: argparse.ArgumentParser) -> Any:
    """Arguments of ``rothkb interview``; returns its handler."""
    p.add_argument("--facts", metavar="FACTS", help="start from the facts in this file")
    p.add_argument("--save", metavar="FILE", help="save the answers as a facts file")
    p.add_argument("--format", choices=("md", "json"), default="md")
    return cmd_interview


def choose_goal(goals: tuple[Goal, ...], text: str) -> Goal | None | str:
    """The goal picked by a number or a word; ``""`` when nothing matches (blank picks the last, "everything")."""
    text = " ".join(text.lower().split())
    if not text:
        return goals[-1] if goals else None
    if text.isdigit() and 1 <= int(text) <= len(goals):
        return goals[int(text) - 1]
    for goal in goals:
        if text in goal.words or text == goal.id:
            return goal
    found = [g for g in goals if any(w in text for w in g.words) or g.label.lower().startswith(text)]
    return found[0] if len(found) == 1 else ""


class _Session:
    """One interview: the facts so far, what was skipped, and the terminal."""

    def __init__(self, kb: KnowledgeBase, facts: dict[str, Any], stdin: TextIO, out: TextIO) -> None:
        self.kb, self.facts, self.stdin, self.out = kb, facts, stdin, out
        self.skipped: set[str] = set()
        self.asked = 0
        self.last = ""
        self.goal: Goal | None = None
        self.rules: frozenset[str] = frozenset()

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def prompt(self, text: str, hint: str, why: str, read: Reader, blank: str = "don't know") -> Any:
        """Ask once; re-ask after a refused answer (explained). Returns ``read``'s value, "" for blank, or _STOPPED."""
        self.asked += 1
        self.say(f"\nQuestion {self.asked}: {text}")
        while True:
            print(f"  [{hint}; blank = {blank}; ? = why; q = stop] > ", end="", file=self.out, flush=True)
            line = self.stdin.readline()
            if not line:
                self.say("\n(end of input: explaining with what is known)")
                return _STOPPED
            answer = self.last = line.strip()
            if answer.lower() in _STOP:
                return _STOPPED
            if answer == "?":
                self.say(f"  {why}")
                continue
            if not answer and blank == "don't know":
                return ""
            value, error = read(answer)
            if error is None:
                return value
            self.say(f"  Not accepted: {error}. Please try again.")

    def why(self, q: Question, gate: Ask | None = None) -> str:
        """Which advice the answer can change (for ``?``)."""
        awaited = awaited_facts(self.kb.compiled, self.facts, self.rules) if "tax_year" in self.facts else {}
        names = set(q.facts) | ({f for g in gate.group.questions for f in g.facts} if gate else set())
        rules = sorted({r for n in names for r in awaited.get(n, [])}, key=lambda r: -self.kb.knowledge.rule(r).importance)
        if not rules:
            return (
                "It sets the year every limit and phase-out comes from." if "tax_year" in q.facts else "It completes the picture."
            )
        titles = "; ".join(self.kb.knowledge.rule(r).title for r in rules[:4])
        return f"Your answer can change this advice: {titles}."

    def ask_goal(self) -> bool:
        goals = self.kb.knowledge.interview.goals
        if not goals:
            return True
        menu = "\n".join(f"  {i}) {g.label}" for i, g in enumerate(goals, 1))

        def read(text: str) -> tuple[Any, str | None]:
            goal = choose_goal(goals, text)
            if goal == "":
                return None, f"choose a number from 1 to {len(goals)}, or a word such as 'backdoor' or 'hsa'"
            return goal, None

        why = "The goal decides which rules matter, so only questions that can change that advice are asked."
        hint = f"1-{len(goals)} or a word such as '{goals[0].words[0]}'"
        goal = self.prompt(f"What do you want to do?\n{menu}", hint, why, read, blank=goals[-1].label.lower())
        if goal is _STOPPED:
            return False
        self.goal = goal if isinstance(goal, Goal) else None
        self.rules = goal_rules(self.kb.knowledge, self.goal)
        self.say(f"  Goal: {self.goal.label if self.goal else 'check everything'}.")
        for name, value in self.goal.sets if self.goal else ():
            if name not in self.facts:
                self.facts[name] = value
                self.say(f"  (noted: {self.kb.knowledge.facts[name].description.rstrip('.')}: {'yes' if value else 'no'})")
        return True

    def ask_year(self) -> bool:
        years = self.kb.knowledge.years
        preset = planning_year(self.kb.knowledge, dt.date.today().year)
        fact = self.kb.knowledge.facts["tax_year"]

        def read(text: str) -> tuple[Any, str | None]:
            value, error = parse_answer(fact, text or str(preset))
            if error is None and value not in years:
                return None, f"choose a year from {years[0]} to {years[-1]}"
            return value, error

        why = "It sets the year every limit and phase-out comes from."
        value = self.prompt(fact.question, f"a year from {years[0]} to {years[-1]}", why, read, blank=str(preset))
        if value is _STOPPED:
            return False
        self.facts["tax_year"] = value
        return True

    def ask(self, step: Ask) -> bool:
        """Ask one planned question and record the answer; False to stop."""
        q = step.question
        facts = self.kb.knowledge.facts
        fact = facts[q.facts[0]]
        text = q.text or fact.question
        if q.help or fact.help:
            text += f"\n  {q.help or fact.help}"
        why = self.why(q, step if step.gate else None)
        if q.grouped:
            example = " or ".join(f"'{w} 10k'" for w, _ in q.kinds[:2])
            values = self.prompt(text, f"no, or amounts by kind, e.g. {example}", why, lambda t: parse_grouped(q, facts, t))
            if values is None:  # a bare amount: which kind holds it?
                values = self.ask_kind(q)
        else:
            value = self.prompt(text, answer_hint(fact), why, lambda t: parse_answer(fact, t))
            values = value if value in ("", _STOPPED) else {fact.name: value}
        if values is _STOPPED:
            return False
        if values == "":
            self.skipped.update(q.facts)
            return True
        self.facts.update(values)
        if step.gate and not gate_open(self.facts.get(q.facts[0])):
            for name, value in step.group.when_no:
                if name not in self.facts:
                    self.facts[name] = value
                    self.say(f"  (noted: {facts[name].description.rstrip('.')}: {'yes' if value else 'no'})")
        return True

    def ask_kind(self, q: Question) -> Any:
        """The follow-up to a bare amount (kept from the last answer)."""
        amount = self.last
        kinds = ", ".join(w for w, _ in q.kinds)
        return self.prompt(
            f"Which kind of account holds that {amount}? ({kinds})",
            f"one of: {kinds}, or split it, e.g. '{q.kinds[0][0]} 50k, {q.kinds[-1][0]} 10k'",
            self.why(q),
            lambda t: parse_kind(q, self.kb.knowledge.facts, amount, t),
        )


def run_interview(kb: KnowledgeBase, facts: dict[str, Any], stdin: TextIO, out: TextIO) -> dict[str, Any]:
    """Ask the goal, then the planned questions, until nothing can change the goal's advice.

    Args:
        kb: The knowledge base.
        facts: Validated facts to start from (updated in place).
        stdin: Where answers are read.
        out: Where questions, results as they settle, and messages are written.

    Returns:
        The facts gathered.

    """
    s = _Session(kb, facts, stdin, out)
    s.say("rothkb interview: only the questions that can change the advice for your goal.")
    if not s.ask_goal():
        return facts
    if "tax_year" not in facts and not s.ask_year():
        return facts
    groups = groups_for(kb.knowledge, s.goal)
    figures = s.goal.figures if s.goal else tuple(n for n, v in kb.knowledge.values.items() if v.figure)
    before = None
    while True:
        exp = kb.explain(facts, validated=True)
        for line in news(kb.compiled, kb.static.types, before, exp, s.rules, figures):
            s.say(f"  {line}")
        before = exp
        matters = s.rules | set(figures)
        # Only facts with a declared answer count as answered; a fact a formula reads with a stated
        # fallback (the nondeductible contribution: "not made yet") is still asked.
        declared = [a for a in exp.assumptions if kb.knowledge.facts[a.fact].has_assume]
        assumed = Assumed(
            frozenset(a.fact for a in declared),
            frozenset(
                a.fact for a in declared if any(x.split(".")[0] in matters or x.startswith("form8606.") for x in a.affects)
            ),
        )
        step = next_question(kb.compiled, groups, s.rules, facts, s.skipped, figures, assumed)
        if step is None:
            s.say("\nNothing more to ask: no other answer can change the advice for your goal.")
            return facts
        if not s.ask(step):
            return facts
        facts.update(kb.parse_facts(facts))


def _yaml_number(dumper: yaml.SafeDumper, value: Decimal) -> yaml.Node:
    """Decimals as plain YAML numbers written exactly (``1234.56``, never a rounded float)."""
    if value == value.to_integral_value():
        return dumper.represent_int(int(value))
    return dumper.represent_scalar("tag:yaml.org,2002:float", format(value, "f"))


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(Decimal, _yaml_number)


def dump_facts(facts: dict[str, Any]) -> str:
    """Facts as a YAML facts file that reads back to the same values."""
    return yaml.dump(facts, Dumper=_Dumper, sort_keys=False, allow_unicode=True)


def _check_writable(path: str) -> None:
    """Fail before the first question if ``--save`` cannot be written (not after twenty answers)."""
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"cannot save to {path}: it is a folder")
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".probe", dir=target.parent)
    except OSError as exc:
        raise UsageError(f"cannot save to {path}: {exc.strerror or exc}") from None
    os.close(fd)
    os.unlink(probe)


def cmd_interview(args: argparse.Namespace) -> int:
    """``rothkb interview [--facts FACTS] [--save FILE]``."""
    kb = load_knowledge(args.knowledge)
    if args.save:
        _check_writable(args.save)
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
        atomic_write(args.save, dump_facts(facts).encode("utf-8"))
    if "tax_year" not in facts:
        raise InputError("no tax year was given, so there is nothing to explain")
    exp = kb.explain(facts, validated=True)
    output = render_json(exp) if args.format == "json" else render_markdown(exp, kb.descriptions(), kb.questions())
    write_output(output, None)
    return 0
