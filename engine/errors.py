"""One error tree for the whole product.

Every error the user can see carries where it happened (file, line, column), the key path
inside the file, what was expected and, where a name was misspelt, the closest valid name.
Only the CLI catches :class:`RothkbError`; it prints :meth:`RothkbError.format_message` and
exits with :attr:`RothkbError.exit_code` (1 for knowledge problems, 2 for bad input or usage).
"""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "Problem",
    "RothkbError",
    "KnowledgeError",
    "InputError",
    "UsageError",
    "EngineFailure",
    "suggest",
    "escape",
]

# Control, format (bidirectional overrides, zero-width), surrogate, private-use, unassigned and
# line/paragraph separator characters: none of them may reach a terminal from a message.
_UNSAFE = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def escape(text: str) -> str:
    r"""Show ``text`` with every control or bidirectional character written as an escape.

    Examples:
        >>> print(escape("magi\x1b[2J\u202e"))
        magi\x1b[2J\u202e
        >>> print(escape("a\nb"))
        a\nb
        >>> escape("année")
        'année'

    """
    if text.isprintable():
        return text
    out = []
    for ch in text:
        if ch in _NAMED:
            out.append(_NAMED[ch])
        elif unicodedata.category(ch) in _UNSAFE:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(ch)
    return "".join(out)


def suggest(name: str, choices: Iterable[str]) -> str | None:
    """Return the closest valid name to a misspelt one, or None.

    Examples:
        >>> suggest("magii", ["magi", "age"])
        'magi'
        >>> suggest("zzz", ["magi"]) is None
        True
        >>> suggest("MAGI", ["magi", "age"])
        'magi'

    """
    options = sorted(set(choices))
    matches = difflib.get_close_matches(str(name), options, n=1, cutoff=0.6)
    if matches:
        return matches[0]
    # Case differences alone ("MAGI") are worth a suggestion too.
    lowered = {option.lower(): option for option in reversed(options)}
    matches = difflib.get_close_matches(str(name).lower(), sorted(lowered), n=1, cutoff=0.6)
    return lowered[matches[0]] if matches else None


@dataclass(frozen=True, order=True)
class Problem:
    """One problem found in a file: where, which key, what is wrong, and a suggestion."""

    #: File path as given (relative paths stay relative, so messages are stable).
    path: str
    #: 1-based line, 0 when unknown.
    line: int
    #: 1-based column, 0 when unknown.
    column: int
    #: Dotted key path inside the file, e.g. ``rules[3].when.all[0]``.
    key: str
    #: What is wrong and what was expected.
    message: str
    #: Closest valid name, when a name was misspelt.
    suggestion: str | None = None
    #: "error" or "warning".
    severity: str = "error"

    def format(self, with_column: bool = True) -> str:
        """Render as ``path:line:column: key: message (did you mean 'x'?)``."""
        where = escape(self.path)
        if self.line:
            where += f":{self.line}"
            if with_column and self.column:
                where += f":{self.column}"
        parts = [part for part in (where, escape(self.key), escape(self.message)) if part]
        text = ": ".join(parts)
        if self.suggestion:
            text += f" (did you mean '{escape(self.suggestion)}'?)"
        if self.severity == "warning":
            text = "warning: " + text
        return text


class RothkbError(Exception):
    """Base class of every error shown to a user."""

    #: Process exit code the CLI uses for this error.
    exit_code: int = 1

    def __init__(self, problems: list[Problem] | Problem | str) -> None:
        if isinstance(problems, str):
            problems = [Problem("", 0, 0, "", problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__(self.format_message())

    def format_message(self) -> str:
        """All problems, one per line."""
        return "\n".join(p.format() for p in self.problems)


class KnowledgeError(RothkbError):
    """The knowledge base is invalid (exit code 1)."""

    exit_code = 1


class InputError(RothkbError):
    """A facts file or request is malformed (exit code 2)."""

    exit_code = 2


class UsageError(RothkbError):
    """The command line was used wrongly (exit code 2)."""

    exit_code = 2


class EngineFailure(RothkbError):
    """The rules engine reported an internal failure (exit code 1); a bug, never user input."""

    exit_code = 1
