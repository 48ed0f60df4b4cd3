"""The knowledge base's own scenario tests (``knowledge/tests/*.yaml``), for ``rothkb test``
and for pytest. A failure names the file, the test and the difference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError, KnowledgeError, Problem, RothkbError
from .trace import json_number
from .yamlio import load_yaml, mark_of

if TYPE_CHECKING:
    from . import KnowledgeBase

__all__ = ["Scenario", "ScenarioResult", "load_scenarios", "run_scenario", "TEST_KEYS"]

TEST_KEYS = ("name", "description", "facts", "fires", "does_not_fire", "undetermined", "figures",
             "form8606", "absent_figures", "cites", "text", "questions", "tolerance", "error")


@dataclass
class Scenario:
    """One scenario test."""

    path: str
    line: int
    name: str
    facts: dict[str, Any]
    expect: dict[str, Any]


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
        """``path:line: test 'name': FAIL`` followed by the differences."""
        head = f"{self.scenario.path}:{self.scenario.line}: test '{self.scenario.name}'"
        if self.passed:
            return head + ": ok"
        return head + ": FAIL\n" + "\n".join("    " + f for f in self.failures)


def load_scenarios(paths: list[Path]) -> list[Scenario]:
    """Read scenario files (folders are searched for ``*.yaml``); raise KnowledgeError on bad files."""
    files: list[Path] = []
    for path in paths:
        files += sorted(path.rglob("*.yaml")) if path.is_dir() else [path]
    scenarios: list[Scenario] = []
    problems: list[Problem] = []
    for file in files:
        try:
            name = str(file.resolve().relative_to(Path.cwd()))
        except ValueError:
            name = str(file)
        doc = load_yaml(file, name, KnowledgeError)
        items = doc.get("tests") if isinstance(doc, dict) else None
        if not isinstance(items, list):
            problems.append(Problem(name, 1, 1, "tests", "expected a list of tests under 'tests'"))
            continue
        for i, item in enumerate(items):
            line = mark_of(items, i)[0]
            if not isinstance(item, dict) or "name" not in item or "facts" not in item:
                problems.append(Problem(name, line, 0, f"tests[{i}]", "each test needs a name and facts"))
                continue
            for key in item:
                if key not in TEST_KEYS:
                    from .errors import suggest
                    problems.append(Problem(name, mark_of(item, key)[0], mark_of(item, key)[1], f"tests[{i}].{key}",
                                            f"unknown key '{key}'", suggest(str(key), TEST_KEYS)))
            expect = {k: v for k, v in item.items() if k not in ("name", "facts", "description")}
            scenarios.append(Scenario(name, line, str(item["name"]), item["facts"], expect))
    if problems:
        raise KnowledgeError(problems)
    return scenarios


def _close(actual: Any, wanted: Any, tolerance: Decimal) -> bool:
    if isinstance(wanted, bool) or isinstance(actual, bool):
        return actual == wanted
    if isinstance(wanted, (int, float, Decimal)) and isinstance(actual, (int, float, Decimal)):
        return abs(Decimal(str(actual)) - Decimal(str(wanted))) <= tolerance
    return actual == wanted


def run_scenario(kb: KnowledgeBase, scenario: Scenario) -> ScenarioResult:
    """Run one scenario and compare every expectation."""
    from explain.render import render_markdown
    result = ScenarioResult(scenario)
    expect = scenario.expect
    try:
        exp = kb.explain(scenario.facts, f"{scenario.path}:{scenario.line}")
    except InputError as exc:
        if "error" in expect and str(expect["error"]) in exc.format_message():
            return result
        result.failures.append(f"the facts were rejected: {exc.format_message()}")
        return result
    except RothkbError as exc:
        result.failures.append(f"evaluation failed: {exc.format_message()}")
        return result
    if "error" in expect:
        result.failures.append(f"expected an input error containing {expect['error']!r}, but the facts were accepted")
    known = {r.id for r in kb.knowledge.rules}
    fired = set(exp.fired)
    undetermined = {u.rule for u in exp.undetermined}
    for key, want, label in (("fires", True, "to fire"), ("does_not_fire", False, "not to fire")):
        for rid in expect.get(key) or ():
            if rid not in known:
                result.failures.append(f"{key}: unknown rule '{rid}'")
            elif (rid in fired) != want:
                state = "fired" if rid in fired else "was undetermined" if rid in undetermined else "did not fire"
                result.failures.append(f"expected '{rid}' {label}, but it {state}")
    for rid in expect.get("undetermined") or ():
        if rid not in undetermined:
            result.failures.append(f"expected '{rid}' to be undetermined, but it {'fired' if rid in fired else 'did not fire'}")
    tolerance = Decimal(str(expect.get("tolerance", 0)))
    figures = {f.name: f.value for f in exp.figures}
    form = {f.name: f.value for f in exp.form8606}
    for key, actual_map in (("figures", figures), ("form8606", form)):
        for name, wanted in (expect.get(key) or {}).items():
            if name not in actual_map:
                result.failures.append(f"{key}.{name}: expected {wanted}, but it was not computed")
            elif not _close(actual_map[name], wanted, tolerance):
                result.failures.append(f"{key}.{name}: expected {wanted}, got {json_number(actual_map[name])}")
    for name in expect.get("absent_figures") or ():
        if name in figures:
            result.failures.append(f"figures.{name}: expected no value, got {json_number(figures[name])}")
    for sid in expect.get("cites") or ():
        if sid not in exp.sources:
            result.failures.append(f"expected source '{sid}' to be cited, but it was not")
    if expect.get("text"):
        text = render_markdown(exp, kb.descriptions())
        for snippet in expect["text"] if isinstance(expect["text"], list) else [expect["text"]]:
            if str(snippet) not in text:
                result.failures.append(f"expected the explanation to contain {snippet!r}")
    asked = [q.fact for q in exp.questions]
    for fact in expect.get("questions") or ():
        if fact not in asked:
            result.failures.append(f"expected a question about '{fact}'; asked: {', '.join(asked) or 'nothing'}")
    return result
