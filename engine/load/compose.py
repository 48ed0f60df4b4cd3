"""Composing YAML with the work bounded as it happens, and the YAML 1.2 core schema for facts.

PyYAML composes the whole node graph before anything can count it, and an alias makes a few
bytes stand for millions of nodes. :class:`BoundedComposer` composes from the parser's events
(libyaml's or PyYAML's) and stops at the first node past a limit: too many values (aliases
counted as the size of what they repeat), too deep, a string too long, or a list longer than
the caller allows. The error names the key path where it stopped (``conversions: at most 200
entries``), so the document never has to be parsed again to word it.

:class:`Core12Resolver` resolves plain scalars as YAML 1.2's core schema does, minus the forms a
person never means in a facts file: only ``true``/``false`` are booleans and only decimal numbers
are numbers (no octal, hex, binary, base 60 or ``1_000``; no leading zeros), whatever ``%YAML``
directive the document declares. Everything else stays a string, for the value reader to refuse.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import yaml
from yaml.events import AliasEvent, MappingEndEvent, ScalarEvent, SequenceEndEvent, SequenceStartEvent, StreamEndEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

__all__ = ["BoundedComposer", "Core12Resolver", "Limits", "LimitError"]


class Limits:
    """Bounds on one document; ``max_items`` (longest list) and ``max_keys`` (largest mapping) may be None."""

    def __init__(
        self, max_nodes: int, max_depth: int, max_string: int, max_items: int | None = None, max_keys: int | None = None
    ) -> None:
        self.max_nodes, self.max_depth, self.max_string = max_nodes, max_depth, max_string
        self.max_items, self.max_keys = max_items, max_keys


class LimitError(yaml.composer.ComposerError):
    """A bound was passed: ``key`` is the dotted key path (or ""), ``mark`` where that key starts."""

    def __init__(self, key: str, message: str, mark: Any) -> None:
        super().__init__(None, None, message, mark)
        self.key, self.message = key, message


def _fail(message: str, node_or_event: Any) -> yaml.composer.ComposerError:
    return yaml.composer.ComposerError(None, None, message, node_or_event.start_mark)


class BoundedComposer:
    """A drop-in for PyYAML's Composer that counts while it composes (mixed in before the parser)."""

    #: The bounds; a loader sets its own on the instance before composing.
    limits = Limits(200_000, 64, 1 << 20)
    anchors: dict[str, Node]
    _sizes: dict[str, int]
    _count: int
    _path: list[tuple[str, Any, int]]

    if TYPE_CHECKING:  # provided by the parser (libyaml's CParser or PyYAML's Parser) and the resolver

        def check_event(self, *choices: Any) -> bool: ...
        def get_event(self) -> Any: ...
        def resolve(self, kind: type, value: Any, implicit: Any) -> str: ...

    def get_single_node(self) -> Node | None:
        """The one document of the stream (None when empty); a second document is an error."""
        # The loaders' __init__ call PyYAML's Composer.__init__ by name, not this class's: start here.
        self.anchors, self._sizes, self._count, self._path = {}, {}, 0, []
        self.get_event()  # stream start
        node = None
        if not self.check_event(StreamEndEvent):
            self.get_event()  # document start
            node = self._compose(self.get_event(), 0)
            self.get_event()  # document end
        if not self.check_event(StreamEndEvent):
            event = self.get_event()
            raise yaml.composer.ComposerError(
                "expected a single document in the stream", None, "but found another document", event.start_mark
            )
        self.get_event()
        return node

    def _limit(self, message: str, event: Any) -> LimitError:
        """The error for a passed bound, at the key it happened under (the field a person wrote)."""
        if not self._path:
            return LimitError("", message, event.start_mark)
        return LimitError(".".join(label for label, _, _ in self._path), message, self._path[0][1])

    def _too_many(self, event: Any) -> LimitError:
        # Name the top-level key only when most of the values are under it (a bomb in one field);
        # a document of many small fields is too large as a whole.
        message = f"more than {self.limits.max_nodes:,} values"
        if self._path and self._count - self._path[0][2] > self.limits.max_nodes // 2:
            return self._limit(message, event)
        return LimitError("", message + " in the document", event.start_mark)

    def _compose(self, event: Any, depth: int) -> Node:
        # Events are dispatched on their class (one parser call per event, not one per check).
        kind = event.__class__
        if kind is AliasEvent:
            if event.anchor not in self.anchors:
                raise _fail(f"found undefined alias {event.anchor!r}", event)
            self._count += self._sizes[event.anchor]  # an alias costs what it repeats
            if self._count > self.limits.max_nodes:
                raise self._too_many(event)
            return self.anchors[event.anchor]
        if depth > self.limits.max_depth:
            raise _fail(f"nesting deeper than {self.limits.max_depth} levels", event)
        anchor = event.anchor
        if anchor is not None and anchor in self.anchors:
            raise yaml.composer.ComposerError(
                "found duplicate anchor", self.anchors[anchor].start_mark, "second occurrence", event.start_mark
            )
        before = self._count
        self._count += 1
        if self._count > self.limits.max_nodes:
            raise self._too_many(event)
        if kind is ScalarEvent:
            node: Node = self._scalar(event)
        elif kind is SequenceStartEvent:
            node = self._sequence(event, depth)
        else:
            node = self._mapping(event, depth)
        if anchor is not None:
            self.anchors[anchor], self._sizes[anchor] = node, self._count - before
        return node

    def _scalar(self, event: Any) -> ScalarNode:
        if len(event.value) > self.limits.max_string:
            raise self._limit(f"text longer than {self.limits.max_string:,} characters", event)
        tag = event.tag if event.tag not in (None, "!") else self.resolve(ScalarNode, event.value, event.implicit)
        return ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)

    def _sequence(self, start: Any, depth: int) -> SequenceNode:
        tag = start.tag if start.tag not in (None, "!") else self.resolve(SequenceNode, None, start.implicit)
        node = SequenceNode(tag, [], start.start_mark, None, flow_style=start.flow_style)
        most, items = self.limits.max_items, node.value
        while (event := self.get_event()).__class__ is not SequenceEndEvent:
            if most is not None and len(items) >= most:
                raise self._limit(f"at most {most:,} entries", event)
            items.append(self._compose(event, depth + 1))
        node.end_mark = event.end_mark
        return node

    def _mapping(self, start: Any, depth: int) -> MappingNode:
        tag = start.tag if start.tag not in (None, "!") else self.resolve(MappingNode, None, start.implicit)
        node = MappingNode(tag, [], start.start_mark, None, flow_style=start.flow_style)
        most, pairs, path = self.limits.max_keys, node.value, self._path
        while (event := self.get_event()).__class__ is not MappingEndEvent:
            if most is not None and len(pairs) >= most:
                raise self._limit(f"at most {most:,} keys", event)
            key = self._compose(event, depth + 1)
            path.append((_key_label(key), key.start_mark, self._count))
            pairs.append((key, self._compose(self.get_event(), depth + 1)))
            path.pop()
        node.end_mark = event.end_mark
        return node


def _key_label(key: Node) -> str:
    """A key as a message names it: its text as written (cut), or ``""`` for the empty key."""
    if isinstance(key, ScalarNode):
        return (key.value[:77] + "..." if len(key.value) > 80 else key.value) or '""'
    return "(a list key)" if isinstance(key, SequenceNode) else "(a mapping key)"


class Core12Resolver(yaml.resolver.BaseResolver):
    """YAML 1.2 core-schema resolution restricted to decimal numbers (see the module docstring)."""


_DIGITS_START = list("-+0123456789.")
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
Core12Resolver.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))
Core12Resolver.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), _DIGITS_START)
Core12Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:0|[1-9][0-9]*)(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|[-+]?\.[0-9]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    _DIGITS_START,
)
Core12Resolver.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])
