"""Building a plain YAML document straight from the parser's events, without the node graph.

Composing every value into a node and then constructing it again is most of the time
``rothkb explain`` spends reading the knowledge base (two Python calls and two objects per
value). :class:`DirectBuilder` goes from libyaml's events to the same :class:`~engine.load.yamlio.LDict`
and ``LList`` containers in one pass, for documents made only of mappings, sequences and untagged
scalars, which is what every knowledge file is.

It never decides anything the general path would decide differently: anything else (an anchor or
alias, an explicit tag, a merge key, a key that is not a scalar, a duplicate key, a bound passed, a
syntax error, a constructor refusing a value) makes it give up, and the caller reads the document
again the general way, which composes with the bounds of :class:`~engine.load.compose.BoundedComposer`
and words the error exactly as before. Scalars are resolved by the loader's own resolver and built
by its own constructors, so every value is the one the general path builds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from yaml.events import MappingEndEvent, MappingStartEvent, ScalarEvent, SequenceEndEvent, SequenceStartEvent, StreamEndEvent
from yaml.nodes import ScalarNode

if TYPE_CHECKING:
    from engine.load.compose import Limits

__all__ = ["DirectBuilder", "GiveUp"]

_STR = "tag:yaml.org,2002:str"
#: Tags an untagged plain scalar may resolve to whose constructors take a scalar node and nothing else.
_SCALAR_TAGS = frozenset("tag:yaml.org,2002:" + t for t in ("bool", "int", "float", "null", "timestamp"))


class GiveUp(Exception):  # noqa: N818 - not an error: the signal to read the document the general way
    """The document needs the general path (see the module docstring)."""


class DirectBuilder:
    """Mixed into a loader before libyaml's parser: :meth:`build_single` returns what ``get_single_data`` would."""

    limits: Limits
    dict_type: type
    list_type: type

    if TYPE_CHECKING:  # provided by the parser, the resolver and the constructor of the loader

        def check_event(self, *choices: Any) -> bool: ...
        def get_event(self) -> Any: ...
        def resolve(self, kind: type, value: Any, implicit: Any) -> str: ...

        yaml_constructors: dict[Any, Any]
        yaml_implicit_resolvers: dict[Any, Any]
        yaml_path_resolvers: dict[Any, Any]

    def build_single(self) -> Any:
        """The one document of the stream, built directly (None when empty).

        Raises:
            GiveUp: the document is not plain (or not valid): read it the general way.

        """
        if self.yaml_path_resolvers:
            raise GiveUp  # the general composer does not follow paths either; never guess
        # Resolution can be skipped for a scalar whose first character starts no implicit
        # resolver (most keys and texts), unless a wildcard resolver applies to every scalar.
        table = self.yaml_implicit_resolvers
        self._direct_triggers = frozenset(k for k in table if k)
        self._direct_all = None in table
        self._direct_count = 0
        self.get_event()  # stream start
        data = None
        if not self.check_event(StreamEndEvent):
            self.get_event()  # document start
            data = self._direct(self.get_event(), 0)
            self.get_event()  # document end
        if not self.check_event(StreamEndEvent):
            raise GiveUp  # a second document: the general path words the error
        self.get_event()
        return data

    def _direct(self, event: Any, depth: int) -> Any:
        if event.anchor is not None or (event.tag is not None and event.tag != "!") or depth > self.limits.max_depth:
            raise GiveUp  # (an alias event has an anchor too)
        self._direct_count += 1
        if self._direct_count > self.limits.max_nodes:
            raise GiveUp
        kind = event.__class__
        if kind is ScalarEvent:
            value = event.value
            if len(value) > self.limits.max_string:
                raise GiveUp
            if event.implicit[0] and (self._direct_all or not value or value[0] in self._direct_triggers):
                return self._direct_scalar(event)
            return value  # quoted, or plain but no implicit resolver applies: a string
        if kind is MappingStartEvent:
            return self._direct_mapping(event, depth)
        if kind is SequenceStartEvent:
            return self._direct_sequence(event, depth)
        raise GiveUp

    def _direct_scalar(self, event: Any) -> Any:
        """A plain scalar that may be something else than a string, built as the loader builds it."""
        tag = self.resolve(ScalarNode, event.value, event.implicit)
        if tag == _STR:
            return event.value
        if tag not in _SCALAR_TAGS:
            raise GiveUp
        node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
        try:
            return self.yaml_constructors[tag](self, node)
        except Exception:
            raise GiveUp from None

    def _direct_sequence(self, start: Any, depth: int) -> Any:
        items: list[Any] = []
        marks: list[tuple[int, int]] = []
        most, get_event, build, depth = self.limits.max_items, self.get_event, self._direct, depth + 1
        while (event := get_event()).__class__ is not SequenceEndEvent:
            if most is not None and len(items) >= most:
                raise GiveUp
            mark = event.start_mark
            marks.append((mark.line + 1, mark.column + 1))
            items.append(build(event, depth))
        result = self.list_type(items)
        result.marks = marks
        result.mark = (start.start_mark.line + 1, start.start_mark.column + 1)
        return result

    def _direct_mapping(self, start: Any, depth: int) -> Any:
        result = self.dict_type()
        result.mark = (start.start_mark.line + 1, start.start_mark.column + 1)
        marks, most, get_event, build, depth = result.marks, self.limits.max_keys, self.get_event, self._direct, depth + 1
        while (event := get_event()).__class__ is not MappingEndEvent:
            if event.__class__ is not ScalarEvent or (most is not None and len(result) >= most):
                raise GiveUp  # a list or mapping as a key, or too many keys
            key = build(event, depth)
            if key in result:
                raise GiveUp  # a duplicate (merge ``<<`` and value ``=`` keys gave up as scalars)
            result[key] = build(get_event(), depth)
            mark: Any = event.start_mark
            marks[key] = (mark.line + 1, mark.column + 1)
            if not isinstance(key, str):  # null:, true:, 12: are shown as written, not as None/True
                result.texts[key] = event.value
        return result
