"""Shared helpers of the validation stage: a problem collector that knows positions."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from .errors import Problem, suggest
from .model import Loc
from .yamlio import LDict, LList, mark_of

KEBAB = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")


class Checker:
    """Collects problems for one knowledge base; never raises."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def error(self, path: str, where: tuple[int, int], key: str, message: str,
              suggestion: str | None = None, severity: str = "error") -> None:
        """Record a problem at a position."""
        self.problems.append(Problem(path, where[0], where[1], key, message, suggestion, severity))

    def warn(self, path: str, where: tuple[int, int], key: str, message: str,
             suggestion: str | None = None) -> None:
        """Record a warning (fatal only with ``--strict``)."""
        self.error(path, where, key, message, suggestion, "warning")

    def unknown_name(self, path: str, where: tuple[int, int], key: str, what: str, name: Any,
                     choices: Iterable[str]) -> None:
        """Record an unknown name with the closest valid one."""
        self.error(path, where, key, f"unknown {what} '{name}'", suggest(str(name), choices))

    def mapping(self, path: str, doc: Any, key: str, parent: Any = None, pkey: Any = None) -> LDict | None:
        """Return ``doc`` if it is a mapping, else record an error and return None."""
        if isinstance(doc, dict):
            return doc  # type: ignore[return-value]
        where = mark_of(parent, pkey) if parent is not None else mark_of(doc)
        self.error(path, where, key, f"expected a mapping of names to entries, found {_kind(doc)}")
        return None

    def keys(self, path: str, entry: LDict, key: str, allowed: Iterable[str],
             required: Iterable[str] = ()) -> None:
        """Check that ``entry`` has only allowed keys and every required key."""
        allowed = tuple(allowed)
        for name in entry:
            if name not in allowed:
                self.error(path, mark_of(entry, name), f"{key}.{name}",
                           f"unknown key '{name}'; allowed keys are: {', '.join(allowed)}",
                           suggest(str(name), allowed))
        for name in required:
            if name not in entry or entry[name] in (None, ""):
                self.error(path, mark_of(entry), f"{key}.{name}", "required key is missing")

    def text(self, path: str, entry: LDict, key: str, name: str, required: bool = False) -> str:
        """A string field (empty when absent)."""
        value = entry.get(name)
        if value is None:
            if required:
                self.error(path, mark_of(entry), f"{key}.{name}", "required key is missing")
            return ""
        if not isinstance(value, str) or isinstance(value, bool):
            self.error(path, mark_of(entry, name), f"{key}.{name}",
                       f"expected text, found {_kind(value)}")
            return ""
        return value.strip()


def loc(path: str, container: Any, key: Any = None) -> Loc:
    """A :class:`Loc` for ``container[key]``."""
    line, col = mark_of(container, key)
    return Loc(path, line, col)


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
