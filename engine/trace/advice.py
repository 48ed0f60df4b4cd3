"""Authored sentences with ``{placeholders}`` (advice, deadlines, "already done" and "after the
fix" sentences, yes/no phrases), split once per knowledge base and filled per person.

A text is parsed once into a :class:`Template`: its sentences, each its text when it names no
placeholder, else its leading text and one (placeholder name, value type, text after it) per
placeholder. A text with no placeholder is filled by returning it: it is the same for everyone.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from engine.model.conditions import PLACEHOLDER
from engine.model.expr import Unknown
from engine.trace.assumptions import with_assumptions
from engine.trace.formatting import format_value

__all__ = ["Template", "sentences", "render_advice", "fill", "template"]

Sentences = list[list[tuple[str, str | None]]]
#: One sentence of a template that names placeholders: its leading text, then per placeholder
#: (name, value type, the literal text after it), so that filling it tests no "is it a placeholder".
Parts = tuple[str, tuple[tuple[str, str, str], ...]]

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")
_UNKNOWN = Unknown()
_UNKNOWN_MARK = "\x00"
_PAREN_WITH_UNKNOWN = re.compile(r"\s?\([^()]*\x00[^()]*\)")


@functools.lru_cache(maxsize=4096)
def sentences(text: str) -> Sentences:
    """Split text into sentences, each a list of (literal text, placeholder name or None).

    Memoised: the texts are the knowledge's own, split once rather than for every explanation;
    the result is never mutated.
    """
    out = []
    for sentence in _SENTENCE_END.split(" ".join(text.split())):
        parts: list[tuple[str, str | None]] = []
        pos = 0
        for match in PLACEHOLDER.finditer(sentence):
            parts.append((sentence[pos : match.start()], match.group(1)))
            pos = match.end()
        parts.append((sentence[pos:], None))
        out.append(parts)
    return out


class Template:
    """A text split into sentences and placeholders, with the value type of each placeholder."""

    __slots__ = ("sentences", "const", "empty")

    def __init__(self, split: Sentences, types: dict[str, str]) -> None:
        #: Per sentence: its text when it names no placeholder, else its parts.
        self.sentences: tuple[str | Parts, ...] = tuple(_sentence(parts, types) for parts in split)
        #: The filled text when it names no placeholder (nothing in it depends on the person).
        self.const: str | None = None
        if all(isinstance(sentence, str) for sentence in self.sentences):
            self.const = " ".join(self.sentences)  # type: ignore[arg-type]
        #: True when the text is empty (the first sentence starts with neither text nor a placeholder).
        self.empty = not (split[0][0][0] + (split[0][0][1] or ""))


def _sentence(parts: list[tuple[str, str | None]], types: dict[str, str]) -> str | Parts:
    if all(name is None for _, name in parts):
        text = "".join(text for text, _ in parts)
        if _UNKNOWN_MARK not in text:
            return text
        return text, ()  # the author's text holds the mark: filled (and checked) like the others
    # ``sentences`` gives (text before, name) pairs ending with (trailing text, None): each name
    # is followed by the text of the next pair.
    slots = tuple((name, types.get(name, ""), parts[i + 1][0]) for i, (_, name) in enumerate(parts) if name is not None)
    return parts[0][0], slots


def template(text: str, types: dict[str, str]) -> Template:
    """The :class:`Template` of ``text`` with the value types of its placeholders."""
    return Template(sentences(text), types)


def _shown(value: Any, vtype: str) -> str:
    """``format_value`` of a placeholder's value, with the commonest cases first."""
    cls = value.__class__
    if cls is int:
        if vtype == "money":
            return f"${value:,}"
        if vtype != "ratio":
            return str(value)
    elif cls is str and (vtype == "enum" or not vtype):
        return value.replace("_", " ")
    elif value is None:
        return "(does not apply)"
    return format_value(value, vtype)


def fill(
    tpl: Template,
    env: dict[str, Any],
    assumed_of: Callable[[str], list[str]] | None = None,
    phrases: dict[str, str] | None = None,
) -> str:
    """Fill a template's placeholders with the person's formatted values.

    A value still unknown must not be printed as "unknown" in advice: a parenthesis that holds
    one is left out ("(up to {x})"), and a sentence that still needs one is left out, unless
    every sentence would be; what is unknown is listed under the questions anyway.

    With ``assumed_of`` (name -> assumed facts it rests on), a sentence showing a value that
    rests on assumptions says so (", assuming you have no SEP IRA."), each assumption once.
    ``assumed_of`` is called for every placeholder, in order (its caller records what rests
    on what).
    """
    const = tpl.const
    if const is not None:
        return const
    complete: list[str] = []
    # Sentences left out for a value still unknown: every other sentence is complete, so the
    # text is made of these only when no sentence is.
    dropped: list[str] = []
    stated: set[str] = set()
    for parts in tpl.sentences:
        if isinstance(parts, str):
            complete.append(parts)
            continue
        head, slots = parts
        out = [head]
        resting: list[str] = []
        unknown = False
        for name, vtype, text in slots:
            value = env.get(name, _UNKNOWN)
            if value.__class__ is Unknown:
                out.append(_UNKNOWN_MARK)
                unknown = True
            else:
                out.append(_shown(value, vtype))
            out.append(text)
            if assumed_of is not None:
                found = assumed_of(name)
                if found:  # most values rest on no assumption: no list to build
                    resting += [f for f in found if f not in resting]
        sentence = "".join(out)
        if unknown or _UNKNOWN_MARK in sentence:
            sentence = _PAREN_WITH_UNKNOWN.sub("", sentence)
            if _UNKNOWN_MARK in sentence:
                dropped.append(sentence.replace(_UNKNOWN_MARK, "(unknown)"))
                continue
        if resting:
            new = [f for f in resting if f not in stated]
            if new:
                stated.update(new)
                sentence = with_assumptions(sentence, new, phrases or {})
        complete.append(sentence)
    return " ".join(complete or dropped)


def render_advice(
    split: Sentences,
    env: dict[str, Any],
    types: dict[str, str],
    assumed_of: Callable[[str], list[str]] | None = None,
    phrases: dict[str, str] | None = None,
) -> str:
    """Fill already split sentences (see :func:`fill`, which takes a prepared :class:`Template`)."""
    return fill(Template(split, types), env, assumed_of, phrases)
