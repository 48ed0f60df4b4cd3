"""The knowledge base's own scenario tests (``knowledge/tests/*.yaml``), for ``rothkb test``,
``rothkb check`` and pytest. A failure names the file, the line, the test and, for each
expectation that did not hold, the key, what was expected and what happened instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError, KnowledgeError, Problem, RothkbError, suggest
from .schema import TEST_KEYS
from .trace import Explanation, format_value, json_number
from .yamlio import load_yaml, mark_of

if TYPE_CHECKING:
    from . import KnowledgeBase
    from .model import Knowledge

__all__ = ["Scenario", "ScenarioResult", "load_scenarios", "run_scenario", "untested_rules", "TEST_KEYS"]

_LISTS = ("fires", "does_not_fire", "undetermined", "absent_figures", "cites", "questions", "absent_form8606")
_NUMBER_MAPS = ("figures", "form8606")


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
        """``path:line: test 'name': FAIL`` followed by one indented line per difference."""
        head = f"{self.scenario.path}:{self.scenario.line}: test '{self.scenario.name}'"
        if self.passed:
            return head + ": ok"
        return head + ": FAIL\n" + "\n".join("    " + f for f in self.failures)


def _display(file: Path, root: Path | None = None) -> str:
    if root is not None:  # as rothkb check names knowledge files: knowledge/tests/x.yaml
        try:
            return str(Path(root.name) / file.relative_to(root))
        except ValueError:
            pass
    try:
        return str(file.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(file)


def load_scenarios(paths: list[Path], root: Path | None = None) -> list[Scenario]:
    """Read scenario files (folders are searched for ``*.yaml``).

    Args:
        paths: Files or folders.
        root: The knowledge folder, to name files as ``rothkb check`` does (else relative to here).

    Raises:
        KnowledgeError: with every malformed test (unknown keys, wrong shapes), not just the first.

    """
    files: list[Path] = []
    for path in paths:
        files += sorted(path.rglob("*.yaml")) if path.is_dir() else [path]
    scenarios: list[Scenario] = []
    problems: list[Problem] = []
    for file in files:
        name = _display(file, root)
        try:
            doc = load_yaml(file, name, KnowledgeError)
        except KnowledgeError as exc:
            problems += exc.problems
            continue
        items = doc.get("tests") if isinstance(doc, dict) else None
        if not isinstance(items, list):
            problems.append(Problem(name, 1, 1, "tests", "expected a list of tests under 'tests'"))
            continue
        for i, item in enumerate(items):
            line, col = mark_of(items, i)
            if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not isinstance(item.get("facts"), dict):
                problems.append(Problem(name, line, col, f"tests[{i}]", "each test needs a name and facts (a mapping)"))
                continue
            key = f"tests({item['name']})"
            problems += _shape(name, item, key)
            expect = {k: v for k, v in item.items() if k not in ("name", "facts", "description")}
            scenarios.append(Scenario(name, line, str(item["name"]), item["facts"], expect))
    if problems:
        raise KnowledgeError(problems)
    return scenarios


def _shape(path: str, item: Any, key: str) -> list[Problem]:
    out = []
    for name, value in item.items():
        line, col = mark_of(item, name)
        if name not in TEST_KEYS:
            out.append(Problem(path, line, col, f"{key}.{name}", f"unknown key '{name}'; allowed keys are: "
                               f"{', '.join(TEST_KEYS)}", suggest(str(name), TEST_KEYS)))
        elif name in _LISTS and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            out.append(Problem(path, line, col, f"{key}.{name}", "expected a list of names such as [rule-a, rule-b]"))
        elif name in _NUMBER_MAPS and not (isinstance(value, dict) and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in value.values())):
            out.append(Problem(path, line, col, f"{key}.{name}", "expected a mapping of names to numbers"))
        elif name == "tolerance" and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
            out.append(Problem(path, line, col, f"{key}.{name}", "expected a number of at least 0, such as 1"))
    return out


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
    from explain.sentences import describe_check
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
        why = "; ".join(describe_check(c, kb.descriptions(), exp.tax_year) for c in failed[rid].failed) \
            if rid in failed else ""
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
        names = [v.form8606 if key == "form8606" else n for n, v in kb.knowledge.values.items()
                 if (v.form8606 if key == "form8606" else v.figure)]
        for name, wanted in (expect.get(key) or {}).items():
            if name not in names:
                hint = suggest(str(name), names)
                out.append(f"{key}.{name}: there is no such {'line' if key == 'form8606' else 'figure'}"
                           + (f" (did you mean '{hint}'?)" if hint else ""))
            elif name not in actual:
                out.append(f"{key}.{name}: expected {wanted}{plus}, but it was not computed (a fact it needs is unknown)")
            elif not _close(actual[name].value, wanted, tolerance):
                got = actual[name]
                out.append(f"{key}.{name}: expected {wanted}{plus}, got {json_number(got.value)} "
                           f"({format_value(got.value, got.type)})")
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
    from explain.render import render_markdown
    out = []
    for sid in expect.get("cites") or ():
        if sid not in exp.sources:
            out.append(f"cites: expected source '{sid}' to be cited, but it was not (cited: "
                       f"{', '.join(sorted(exp.sources)) or 'nothing'})")
    if expect.get("text"):
        text = render_markdown(exp, kb.descriptions())
        for snippet in expect["text"] if isinstance(expect["text"], list) else [expect["text"]]:
            if str(snippet) not in text:
                out.append(f"text: expected the explanation to contain {str(snippet)!r}, but it does not")
    asked = [q.fact for q in exp.questions]
    for fact in expect.get("questions") or ():
        if fact not in asked:
            out.append(f"questions: expected a question about '{fact}'; asked: {', '.join(asked) or 'nothing'}")
    return out


def untested_rules(k: Knowledge) -> list[Problem]:
    """Errors for scenario tests naming unknown rules; warnings for rules no test exercises.

    A rule is exercised when a test in the knowledge folder's ``tests/`` lists it under
    ``fires`` or ``does_not_fire``.
    """
    folder = Path(k.root) / "tests"
    if not folder.is_dir():
        return []
    try:
        scenarios = load_scenarios([folder], Path(k.root))
    except KnowledgeError as exc:
        return list(exc.problems)
    ids = [r.id for r in k.rules]
    exercised: set[str] = set()
    problems: list[Problem] = []
    for scenario in scenarios:
        for key in ("fires", "does_not_fire", "undetermined"):
            listed = scenario.expect.get(key) or []
            for i, rid in enumerate(listed):
                if rid in ids:
                    if key != "undetermined":
                        exercised.add(rid)
                    continue
                line, col = mark_of(listed, i)
                problems.append(Problem(scenario.path, line, col, f"tests({scenario.name}).{key}[{i}]",
                                        f"unknown rule '{rid}'", suggest(str(rid), ids)))
    for rule in k.rules:
        if rule.id not in exercised:
            problems.append(Problem(rule.loc.path, rule.loc.line, rule.loc.column, f"rules({rule.id})",
                                    "no scenario test checks this rule (list it under 'fires' or 'does_not_fire' "
                                    "of a test in tests/)", severity="warning"))
    return problems
