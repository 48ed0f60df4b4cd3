"""``rothkb test``: run the knowledge base's own scenario tests (``knowledge/tests/*.yaml``).

A failure names the file, the line, the test and, for each expectation that did not hold, the
key, what was expected and what happened instead.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine import Explanation, KnowledgeBase, load_knowledge
from engine.errors import InputError, RothkbError, UsageError, suggest
from engine.load.files import default_knowledge_dir
from engine.trace.formatting import format_value, json_number
from engine.validate.scenarios import Scenario, load_scenarios
from explain.views.render import render_markdown
from explain.views.sentences import describe_check

__all__ = ["ScenarioResult", "run_scenario", "configure"]


@dataclass
class ScenarioResult:
    """Outcome of one scenario: empty ``failures`` means it passed."""

    scenario: Scenario
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when every expectation held."""
        return not self.failures

    def report(self) -> str:
        """``path:line: test 'name': FAIL`` followed by one indented line per difference."""
        head = f"{self.scenario.path}:{self.scenario.line}: test '{self.scenario.name}'"
        if self.passed:
            return head + ": ok"
        return head + ": FAIL\n" + "\n".join("    " + f for f in self.failures)


def _close(actual: Any, wanted: Any, tolerance: Decimal) -> bool:
    if isinstance(wanted, bool) or isinstance(actual, bool):
        return actual == wanted
    if isinstance(wanted, (int, float, Decimal)) and isinstance(actual, (int, float, Decimal)):
        return abs(Decimal(str(actual)) - Decimal(str(wanted))) <= tolerance
    return actual == wanted


def run_scenario(kb: KnowledgeBase, scenario: Scenario) -> ScenarioResult:
    """Run one scenario and compare every expectation."""
    result = ScenarioResult(scenario)
    expect = scenario.expect
    try:
        exp = kb.explain(scenario.facts, scenario.path)
    except InputError as exc:
        if "error" in expect and str(expect["error"]) in exc.format_message():
            return result
        result.failures.append(f"facts: the facts were rejected: {exc.format_message()}")
        return result
    except RothkbError as exc:
        result.failures.append(f"evaluation failed: {exc.format_message()}")
        return result
    if "error" in expect:
        result.failures.append(f"error: expected the facts to be rejected with {expect['error']!r}, but they were accepted")
    result.failures += _rule_failures(kb, exp, expect)
    result.failures += _figure_failures(kb, exp, expect)
    result.failures += _output_failures(kb, exp, expect)
    return result


def _rule_failures(kb: KnowledgeBase, exp: Explanation, expect: dict[str, Any]) -> list[str]:
    known = [r.id for r in kb.knowledge.rules]
    fired = set(exp.fired)
    pending = {u.rule: u for u in exp.undetermined}
    failed = {n.rule: n for n in exp.not_fired}
    out = []

    def state(rid: str) -> str:
        if rid in fired:
            return "it fired"
        if rid in pending:
            return f"it was undetermined (unknown: {', '.join(pending[rid].missing) or 'a conclusion'})"
        why = "; ".join(describe_check(c, kb.descriptions(), exp.tax_year) for c in failed[rid].failed) if rid in failed else ""
        return "it did not fire" + (f" ({why})" if why else "")

    for key, wanted in (("fires", "to fire"), ("does_not_fire", "not to fire"), ("undetermined", "to be undetermined")):
        for rid in expect.get(key) or ():
            if rid not in known:
                hint = suggest(rid, known)
                out.append(f"{key}: unknown rule '{rid}'" + (f" (did you mean '{hint}'?)" if hint else ""))
                continue
            ok = {"fires": rid in fired, "does_not_fire": rid not in fired, "undetermined": rid in pending}[key]
            if not ok:
                out.append(f"{key}: expected '{rid}' {wanted}, but {state(rid)}")
    return out


def _figure_failures(kb: KnowledgeBase, exp: Explanation, expect: dict[str, Any]) -> list[str]:
    tolerance = Decimal(str(expect.get("tolerance", 0)))
    plus = f" (± {json_number(tolerance)})" if tolerance else ""
    out = []
    for key, shown in (("figures", exp.figures), ("form8606", exp.form8606)):
        actual = {f.name: f for f in shown}
        names = [
            str(v.form8606) if key == "form8606" else n
            for n, v in kb.knowledge.values.items()
            if (v.form8606 if key == "form8606" else v.figure)
        ]
        for name, wanted in (expect.get(key) or {}).items():
            if name not in names:
                hint = suggest(str(name), names)
                out.append(
                    f"{key}.{name}: there is no such {'line' if key == 'form8606' else 'figure'}"
                    + (f" (did you mean '{hint}'?)" if hint else "")
                )
            elif name not in actual:
                out.append(f"{key}.{name}: expected {wanted}{plus}, but it was not computed (a fact it needs is unknown)")
            elif not _close(actual[name].value, wanted, tolerance):
                got = actual[name]
                out.append(
                    f"{key}.{name}: expected {wanted}{plus}, got {json_number(got.value)} ({format_value(got.value, got.type)})"
                )
    figures = {f.name: f.value for f in exp.figures}
    for name in expect.get("absent_figures") or ():
        if name in figures:
            out.append(f"absent_figures: expected no value for '{name}', got {json_number(figures[name])}")
    lines = {f.name: f.value for f in exp.form8606}
    known_lines = {v.form8606 for v in kb.knowledge.values.values() if v.form8606}
    for name in expect.get("absent_form8606") or ():
        if name not in known_lines:
            hint = suggest(str(name), sorted(known_lines))
            out.append(f"absent_form8606.{name}: there is no such line" + (f" (did you mean '{hint}'?)" if hint else ""))
        elif name in lines:
            out.append(f"absent_form8606: expected no {name}, got {json_number(lines[name])}")
    return out


def _output_failures(kb: KnowledgeBase, exp: Explanation, expect: dict[str, Any]) -> list[str]:
    out = []
    for sid in expect.get("cites") or ():
        if sid not in exp.sources:
            out.append(
                f"cites: expected source '{sid}' to be cited, but it was not (cited: "
                f"{', '.join(sorted(exp.sources)) or 'nothing'})"
            )
    if expect.get("text"):
        text = render_markdown(exp, kb.descriptions(), detail="full")
        for snippet in expect["text"] if isinstance(expect["text"], list) else [expect["text"]]:
            if str(snippet) not in text:
                out.append(f"text: expected the explanation to contain {str(snippet)!r}, but it does not")
    if "assumed" in expect:
        made = sorted(a.fact for a in exp.assumptions)
        if made != sorted(expect["assumed"] or ()):
            out.append(
                f"assumed: expected the assumptions {sorted(expect['assumed'] or ())}, but the explanation assumed "
                f"{made or 'nothing'}"
            )
    asked = [q.fact for q in exp.questions]
    for fact in expect.get("questions") or ():
        if fact not in asked:
            out.append(f"questions: expected a question about '{fact}'; asked: {', '.join(asked) or 'nothing'}")
    return out


def cmd_test(args: argparse.Namespace) -> int:
    """``rothkb test``: scenario tests, one line per test, exit 1 on any failure."""
    kb = load_knowledge(args.knowledge)
    root = Path(args.knowledge) if args.knowledge else default_knowledge_dir()
    paths = [Path(p) for p in args.paths] or [root / "tests"]
    for path in paths:
        if not path.exists():
            raise UsageError(f"no such test file or folder: {path}")
    scenarios = [s for s in load_scenarios(paths) if not args.keyword or args.keyword in s.name]
    results = [run_scenario(kb, s) for s in scenarios]
    for result in results:
        print(result.report())
    failed = sum(not r.passed for r in results)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


def configure(command: str, parser: argparse.ArgumentParser) -> Any:
    """Arguments of ``rothkb test``; returns its handler."""
    parser.add_argument("paths", nargs="*", metavar="PATH")
    parser.add_argument("-k", dest="keyword", metavar="NAME", help="only tests whose name contains NAME")
    return cmd_test
