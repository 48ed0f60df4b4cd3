"""Shared helpers of the validation stage: a problem collector that knows positions."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from engine.errors import Problem, suggest
from engine.load.yamlio import LDict, LList, mark_of
from engine.model import expr
from engine.model.functions import ARITY
from engine.model.knowledge import Citation, Loc, Source

# \Z, not $: "$" also matches before a final newline, so "x\n" would pass as an id.
KEBAB = re.compile(r"\A[a-z0-9]+(?:-[a-z0-9]+)*\Z")
SNAKE = re.compile(r"\A[a-z][a-z0-9_]*\Z")


def clip(text: str, width: int = 60) -> str:
    """``text`` shortened for a one-line message (a refused formula may be thousands of characters)."""
    return text if len(text) <= width else text[: width - 3] + "..."


class Checker:
    """Collects problems for one knowledge base; never raises."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def error(
        self, path: str, where: tuple[int, int], key: str, message: str, suggestion: str | None = None, severity: str = "error"
    ) -> None:
        """Record a problem at a position."""
        self.problems.append(Problem(path, where[0], where[1], key, message, suggestion, severity))

    def warn(self, path: str, where: tuple[int, int], key: str, message: str, suggestion: str | None = None) -> None:
        """Record a warning (fatal only with ``--strict``)."""
        self.error(path, where, key, message, suggestion, "warning")

    def unknown_name(self, path: str, where: tuple[int, int], key: str, what: str, name: Any, choices: Iterable[str]) -> None:
        """Record an unknown name with the closest valid one (and the choices, when they are few).

        ``what`` of the form ``value for NAME`` gives "'x' is not a value of NAME; expected one of: ...".
        """
        choices = list(choices)
        hint = suggest(str(name), choices)
        if what.startswith("value for "):
            text = f"'{name}' is not a value of {what[10:]}; expected one of: {', '.join(map(str, choices))}"
        else:
            text = f"unknown {what} '{name}'"
            if len(choices) <= 6:
                text += f"; expected one of: {', '.join(map(str, choices))}"
        self.error(path, where, key, text, hint)

    def mapping(self, path: str, doc: Any, key: str, parent: Any = None, pkey: Any = None) -> LDict | None:
        """Return ``doc`` if it is a mapping, else record an error and return None."""
        if isinstance(doc, dict):
            return doc  # type: ignore[return-value]
        if parent is None:
            # A whole document that is not a mapping may be anything a path led to (a link to a
            # secret, say): describe its shape, never quote its content.
            where = mark_of(doc) if mark_of(doc) != (0, 0) else (1, 1)
            self.error(path, where, key, f"expected a mapping of names to entries, found {_shape(doc)}")
            return None
        self.error(path, mark_of(parent, pkey), key, f"expected a mapping of names to entries, found {_kind(doc)}")
        return None

    def keys(self, path: str, entry: dict[Any, Any], key: str, allowed: Iterable[str], required: Iterable[str] = ()) -> None:
        """Check that ``entry`` has only allowed keys and every required key."""
        allowed = tuple(allowed)
        for name in entry:
            if name not in allowed:
                self.error(
                    path,
                    mark_of(entry, name),
                    f"{key}.{name}",
                    f"unknown key '{name}'; allowed keys are: {', '.join(allowed)}",
                    suggest(str(name), allowed),
                )
        for name in required:
            if name not in entry or entry[name] in (None, ""):
                self.error(path, mark_of(entry), f"{key}.{name}", "required key is missing")

    def text(self, path: str, entry: dict[Any, Any], key: str, name: str, required: bool = False) -> str:
        """A string field (empty when absent)."""
        value = entry.get(name)
        if value is None:
            if required:
                self.error(path, mark_of(entry), f"{key}.{name}", "required key is missing")
            return ""
        if not isinstance(value, str) or isinstance(value, bool):
            self.error(path, mark_of(entry, name), f"{key}.{name}", f"expected text, found {_kind(value)}")
            return ""
        return value.strip()


def todo_warnings(check: Checker, path: str, entry: Any, key: str) -> None:
    """Warn at every text inside ``entry`` that still contains ``TODO`` (left by ``rothkb new``)."""
    items = entry.items() if isinstance(entry, dict) else enumerate(entry) if isinstance(entry, list) else ()
    for name, value in items:
        sub = f"{key}[{name}]" if isinstance(entry, list) else f"{key}.{name}"
        if isinstance(value, str) and "TODO" in value:
            check.warn(path, mark_of(entry, name), sub, "still says TODO: replace it with the real text")
        elif isinstance(value, (dict, list)):
            todo_warnings(check, path, value, sub)


def check_entries(
    check: Checker, path: str, doc: Any, key: str, allowed: tuple[str, ...], required: tuple[str, ...], known: dict[str, Any]
) -> list[dict[str, Any]]:
    """Validate a list of FAQ entries or myths: keys, kebab-case unique ids, cited sources.

    Args:
        check: Where problems go.
        path: File name for messages.
        doc: The parsed file.
        key: Top-level key (``faq`` or ``myths``).
        allowed: Allowed keys of an entry.
        required: Required keys of an entry.
        known: ``{"sources": ids, "ids": ids seen so far (updated)}``.

    Returns:
        The entries as plain dicts, each with its ``_loc``.

    """
    top = check.mapping(path, doc, "")
    if top is None:
        return []
    check.keys(path, top, "", (key,), (key,))
    items = top.get(key)
    if not isinstance(items, list):
        check.error(path, mark_of(top, key), key, f"expected a list under '{key}'")
        return []
    out = []
    for i, item in enumerate(items):
        ikey = f"{key}[{i}]"
        if not isinstance(item, dict):
            check.error(path, mark_of(items, i), ikey, f"expected a mapping, found {_kind(item)}")
            continue
        ident = item.get("id")
        ikey = f"{ikey}({ident})" if isinstance(ident, str) else ikey
        check.keys(path, item, ikey, allowed, required)
        if "id" in item and (not isinstance(ident, str) or not KEBAB.match(ident)):
            check.error(path, mark_of(item, "id"), f"{ikey}.id", "ids are kebab-case (a-z, 0-9, -)")
        elif ident in known["ids"]:
            check.error(path, mark_of(item, "id"), f"{ikey}.id", f"duplicate id (first defined at {known['ids'][ident]})")
        elif ident:
            known["ids"][ident] = f"{path}:{mark_of(item, 'id')[0]}"
        cited = item.get("sources") or []
        for j, sid in enumerate(cited if isinstance(cited, list) else []):
            if sid not in known["sources"]:
                check.unknown_name(path, mark_of(cited, j), f"{ikey}.sources[{j}]", "source", sid, known["sources"])
        entry = dict(item)
        entry["_loc"] = loc(path, item)
        out.append(entry)
    return out


#: PyYAML's wording -> what an author can act on (the original is kept in parentheses).
_YAML_WORDS = (
    ("expected <block end>", "the indentation does not line up with the lines above"),
    ("mapping values are not allowed here", "a ':' where none can be (quote text that contains ': ', or fix the indentation)"),
    ("could not find expected ':'", "a line that is not 'key: value' (a missing ':'?)"),
    (
        "that cannot start any token",
        "tabs or a stray character at the start of a value (indent with spaces; quote text that starts with @ or `)",
    ),
    ("expected ',' or ']'", "a list [ ... ] that is not closed with ']'"),
    ("expected ',' or '}'", "a mapping { ... } that is not closed with '}'"),
    ("found unexpected end of stream", "a quote that is not closed"),
)


def plain_yaml(problem: Problem) -> Problem:
    """Reword a PyYAML syntax error for authors who do not know YAML's grammar."""
    text = problem.message
    if not text.startswith("invalid YAML: "):
        return problem
    detail = text[len("invalid YAML: ") :]
    for needle, words in _YAML_WORDS:
        if needle in detail:
            return Problem(
                problem.path,
                problem.line,
                problem.column,
                problem.key,
                f"invalid YAML: {words} (YAML says: {detail})",
                problem.suggestion,
                problem.severity,
            )
    return problem


def loc(path: str, container: Any, key: Any = None) -> Loc:
    """A :class:`Loc` for ``container[key]``."""
    line, col = mark_of(container, key)
    return Loc(path, line, col)


def _shape(value: Any) -> str:
    """What ``value`` is, without any of its content (for whole documents)."""
    if isinstance(value, str):
        lines = value.count("\n") + 1
        return f"text ({len(value):,} characters)" if lines == 1 else f"text ({lines:,} lines)"
    if isinstance(value, (list, LList)):
        return f"a list of {len(value):,} item{'' if len(value) == 1 else 's'}"
    if isinstance(value, bool):
        return "a true/false value"
    if isinstance(value, (int, float)):
        return "a number"
    return _kind(value)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"a true/false value ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"text ({value!r})"
    if isinstance(value, (list, LList)):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


kind_of = _kind


def is_date(value: Any) -> bool:
    """True for a real date written as YYYY-MM-DD."""
    try:
        return isinstance(value, str) and bool(dt.date.fromisoformat(value)) and len(value) == 10
    except ValueError:
        return False


def parse_citations(
    path: str, entry: Any, key: str, check: Checker, sources: dict[str, Source], prefix: str = ""
) -> tuple[Citation, ...] | None:
    """Parse a ``sources:`` list (ids or ``{id, pinpoint}``), checking every id exists.

    Returns:
        The citations, or None when some id is unknown (already reported).

    """
    items = entry.get(key) if isinstance(entry, dict) else None
    key = f"{prefix}.{key}" if prefix else key
    if items is None:
        return ()
    if not isinstance(items, list):
        check.error(path, mark_of(entry, key.rsplit(".", 1)[-1]), key, "expected a list of source ids")
        return None
    out = []
    bad = False
    for i, item in enumerate(items):
        where = mark_of(items, i)
        if isinstance(item, dict):
            check.keys(path, item, f"{key}[{i}]", ("id", "pinpoint"), ("id",))
            sid, pin = item.get("id"), str(item.get("pinpoint") or "")
        else:
            sid, pin = item, ""
        if sid not in sources:
            check.unknown_name(path, where, f"{key}[{i}]", "source", sid, sources)
            bad = True
            continue
        out.append(Citation(str(sid), pin))
    return None if bad else tuple(out)


def check_names(path: str, where: tuple[int, int], key: str, ast: expr.Node, known: set[str], check: Checker) -> None:
    """Report unknown names and unknown or misused functions in a formula."""
    for name in sorted(expr.names_in(ast)):
        if name not in known:
            check.unknown_name(path, where, key, "name", name, known)
    stack = [ast]
    while stack:
        node = stack.pop()
        if isinstance(node, expr.Call):
            if node.func not in ARITY:
                check.unknown_name(path, where, key, "function", node.func, ARITY)
            else:
                low, high = ARITY[node.func]
                if len(node.args) < low or (high is not None and len(node.args) > high):
                    want = str(low) if low == high else f"{low} or more" if high is None else f"{low} to {high}"
                    check.error(path, where, key, f"{node.func}() takes {want} arguments, not {len(node.args)}")
        stack.extend(expr.children(node))
