"""The knowledge base's own scenario tests (``knowledge/tests/*.yaml``), for ``rothkb test``,
``rothkb check`` and pytest. A failure names the file, the line, the test and, for each
expectation that did not hold, the key, what was expected and what happened instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.errors import KnowledgeError, Problem, suggest
from engine.load.files import read_document
from engine.load.yamlio import mark_of
from engine.validate.schema import TEST_KEYS

__all__ = ["Scenario", "load_scenarios", "TEST_KEYS"]

_LISTS = ("fires", "does_not_fire", "undetermined", "absent_figures", "cites", "questions", "absent_form8606", "assumed")
_NUMBER_MAPS = ("figures", "form8606")


@dataclass
class Scenario:
    """One scenario test."""

    path: str
    line: int
    name: str
    facts: dict[str, Any]
    expect: dict[str, Any]


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
    # Files found by walking a folder must stay inside it (a link out is refused); a file named
    # on the command line is read where it is, but only if it is a regular file.
    files: list[tuple[Path, Path | None]] = []
    for path in paths:
        files += [(f, path) for f in sorted(path.rglob("*.yaml"))] if path.is_dir() else [(path, None)]
    scenarios: list[Scenario] = []
    problems: list[Problem] = []
    for file, inside in files:
        name = _display(file, root)
        try:
            doc = read_document(file, name, inside)[1]
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
            out.append(
                Problem(
                    path,
                    line,
                    col,
                    f"{key}.{name}",
                    f"unknown key '{name}'; allowed keys are: {', '.join(TEST_KEYS)}",
                    suggest(str(name), TEST_KEYS),
                )
            )
        elif name in _LISTS and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            out.append(Problem(path, line, col, f"{key}.{name}", "expected a list of names such as [rule-a, rule-b]"))
        elif name in _NUMBER_MAPS and not (
            isinstance(value, dict) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value.values())
        ):
            out.append(Problem(path, line, col, f"{key}.{name}", "expected a mapping of names to numbers"))
        elif name == "tolerance" and (isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0):
            out.append(Problem(path, line, col, f"{key}.{name}", "expected a number of at least 0, such as 1"))
    return out
