"""Checks on the Markdown and dates authored in FAQ entries and myths.

The site renders answers and corrections as Markdown. Authored raw HTML and links with a
script-carrying scheme (``javascript:``, ``data:``, ...) are refused here, at the line of the
file that has them, rather than filtered silently when the page is built. A ``reviewed`` date
must be a real date and not in the future.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from engine.load.yamlio import mark_of
from engine.validate.checker import Checker, is_date

__all__ = ["check_authored_text", "MARKDOWN_FIELDS", "unsafe_markdown"]

#: The Markdown fields of each kind of entry.
MARKDOWN_FIELDS = {"faq": ("answer",), "myths": ("correction",)}

_CODE = re.compile(r"`+[^`]*`+")
_TAG = re.compile(r"<!--|<\s*/?\s*[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>")
#: A link target (inline ``](...)``, reference ``[x]: ...`` or autolink ``<...>``) with a scheme.
_TARGET = re.compile(r"(?:\]\(\s*<?|^\s*\[[^\]]+\]:\s*<?|<)\s*([A-Za-z][A-Za-z0-9+.\-]*)\s*:", re.M)
_SAFE_SCHEMES = ("http", "https", "mailto")


def unsafe_markdown(text: str) -> list[tuple[int, int, str]]:
    """Raw HTML and unsafe link schemes in Markdown: ``(line index, column index, message)``, first first."""
    found = []
    for n, line in enumerate(text.split("\n")):
        plain = _CODE.sub(lambda m: " " * len(m.group(0)), line)  # code spans are shown as text, never run
        for m in _TAG.finditer(plain):
            found.append((n, m.start(), f"raw HTML {m.group(0)[:30]!r} is not allowed in Markdown; write it as Markdown"))
        for m in _TARGET.finditer(plain):
            if m.group(1).lower() not in _SAFE_SCHEMES:
                found.append(
                    (n, m.start(1), f"link scheme '{m.group(1)}:' is not allowed; links are https://, http:// or mailto:")
                )
    return sorted(found)


def _position(entry: Any, name: str, text: str, line: int, col: int) -> tuple[int, int]:
    key_line, key_col = mark_of(entry, name)
    if "\n" in text.rstrip("\n"):  # a block scalar: its text starts on the line after the key, indented
        return key_line + 1 + line, key_col + 2 + col
    return key_line, key_col + len(name) + 2 + col


def check_authored_text(check: Checker, path: str, doc: Any, kind: str, today: dt.date | None = None) -> None:
    """Report unsafe Markdown and bad ``reviewed`` dates in one FAQ or myths file.

    Args:
        check: Where problems go.
        path: File name for messages.
        doc: The parsed file (positions kept).
        kind: ``faq`` or ``myths``.
        today: The date a review may not be after (default: today).

    """
    items = doc.get(kind) if isinstance(doc, dict) else None
    if not isinstance(items, list):
        return  # check_entries already reported the shape
    today = today or dt.date.today()
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        ident = item.get("id")
        ikey = f"{kind}[{i}]({ident})" if isinstance(ident, str) else f"{kind}[{i}]"
        for name in MARKDOWN_FIELDS.get(kind, ()):
            text = item.get(name)
            if not isinstance(text, str):
                continue
            for line, col, message in unsafe_markdown(text):
                check.error(path, _position(item, name, text, line, col), f"{ikey}.{name}", message)
        if kind == "faq" and "reviewed" in item:
            value = item["reviewed"]
            if not is_date(value):
                check.error(
                    path, mark_of(item, "reviewed"), f"{ikey}.reviewed", f"expected a real date as YYYY-MM-DD, found {value!r}"
                )
            elif dt.date.fromisoformat(value) > today:
                check.error(
                    path,
                    mark_of(item, "reviewed"),
                    f"{ikey}.reviewed",
                    f"{value} is in the future; give the date it was reviewed",
                )
