"""Safe YAML loading that keeps line numbers.

PyYAML's SafeLoader never builds Python objects from tags, but it silently accepts duplicate
keys and forgets where each value came from. :func:`load_yaml` rejects duplicate keys and
returns :class:`LDict`/:class:`LList` containers that remember the line and column of each
key and item, so that later validation can say *where* a problem is, not just what it is.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import yaml
from yaml.constructor import SafeConstructor
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.scanner import Scanner

from engine.errors import InputError, Problem
from engine.load.compose import BoundedComposer, Core12Resolver, LimitError, Limits
from engine.load.direct import DirectBuilder
from engine.load.jsonio import number_token

__all__ = ["LDict", "LList", "load_yaml", "parse_yaml", "mark_of"]

#: Largest document we parse; bigger inputs are refused before parsing (robustness).
MAX_BYTES = 5 * 1024 * 1024
#: Deepest nesting accepted; deeper documents are refused (stack safety).
MAX_DEPTH = 64
#: Most YAML nodes in one document (defeats alias "billion laughs" expansion).
MAX_NODES = 200_000


class LDict(dict):
    """A dict that remembers the position of each key: ``marks[key] = (line, column)``."""

    __slots__ = ("marks", "mark", "texts")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.marks: dict[Any, tuple[int, int]] = {}
        self.mark: tuple[int, int] = (0, 0)
        #: Keys that are not strings, as the source wrote them (``null``, ``~``, ``True``).
        self.texts: dict[Any, str] = {}


class LList(list):
    """A list that remembers the position of each item: ``marks[i] = (line, column)``."""

    __slots__ = ("marks", "mark")

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.marks: list[tuple[int, int]] = []
        self.mark: tuple[int, int] = (0, 0)


_CONTAINER = object()


def mark_of(container: Any, key: Any = _CONTAINER) -> tuple[int, int]:
    """Position of ``container[key]`` (or of the container itself), ``(0, 0)`` if unknown.

    A key may be ``None`` (a ``null:`` key in YAML): only an omitted key means the container.
    """
    if key is _CONTAINER:
        return getattr(container, "mark", (0, 0))
    marks = getattr(container, "marks", None)
    if isinstance(marks, dict):
        return marks.get(key, getattr(container, "mark", (0, 0)))
    if isinstance(marks, list) and isinstance(key, int) and 0 <= key < len(marks):
        return marks[key]
    return getattr(container, "mark", (0, 0))


def _pos(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


# For the type checker the mixin is the safe loader it is always combined with.
_Constructor: type[Any] = yaml.SafeLoader if TYPE_CHECKING else object


class _Positions(_Constructor):
    """Constructors shared by every loader: positions kept, duplicates refused, keys remembered as written."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> LDict:
        if not isinstance(node, yaml.MappingNode):
            raise yaml.constructor.ConstructorError(None, None, f"expected a mapping, found {node.id}", node.start_mark)
        self.flatten_mapping(node)
        result = LDict()
        result.mark = _pos(node)
        # durable_rules never sees these dicts: the limits of BoundedComposer already bounded them.
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    "found an unhashable key",
                    key_node.start_mark,
                ) from None
            written = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key)
            if key in result:
                shown = written or '""'
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"duplicate key '{shown}' (first at line {result.marks[key][0]})",
                    key_node.start_mark,
                )
            result[key] = self.construct_object(value_node, deep=True)
            result.marks[key] = _pos(key_node)
            if not isinstance(key, str):  # null:, true:, 12: are shown as written, not as None/True
                result.texts[key] = written
        return result

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> LList:
        result = LList(self.construct_object(child, deep=True) for child in node.value)
        result.marks = [_pos(child) for child in node.value]
        result.mark = _pos(node)
        return result

    def construct_yaml_int(self, node: yaml.Node) -> int:
        # Python refuses to convert integers of more than 4,300 digits (a DoS guard); say so
        # at the number's position instead of failing somewhere later.
        try:
            return super().construct_yaml_int(node)
        except ValueError:
            raise yaml.constructor.ConstructorError(
                None, None, f"number with more than {sys.get_int_max_str_digits()} digits", node.start_mark
            ) from None

    def construct_yaml_timestamp(self, node: yaml.Node) -> str:
        # Dates stay strings: the facts layer parses them and reports impossible dates itself.
        return self.construct_scalar(node)

    def construct_decimal(self, node: yaml.ScalarNode) -> Any:
        # Facts: a number keeps every digit written (210.000 stays three decimals, a 5,000-digit
        # integer needs no int conversion) and anything but a decimal number stays its text.
        if node.value.lstrip("+-").lower() in (".inf", ".nan"):
            return super().construct_yaml_float(node)
        return number_token(node.value)


class _PyLoader(BoundedComposer, _Positions, yaml.SafeLoader):  # type: ignore[misc]  # dates stay strings on purpose
    """Pure-Python safe loader for knowledge (YAML 1.1 resolution): slow, but its syntax errors are the most precise."""


class _PyFacts(BoundedComposer, _Positions, Reader, Scanner, Parser, SafeConstructor, Core12Resolver):  # type: ignore[misc]
    """Pure-Python loader for facts: YAML 1.2 core resolution, exact numbers."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        SafeConstructor.__init__(self)
        Core12Resolver.__init__(self)


# libyaml's parser is ~7x faster and still reports positions; composing and constructing stay
# in Python (bounded as they go). Its syntax errors are vaguer, so a small document it rejects
# is parsed again by the pure-Python parser to word the error; a large one never is. Knowledge
# files are first built directly from libyaml's events (DirectBuilder), half the work.
if hasattr(yaml, "CSafeLoader"):
    _CLoader: type[Any] = type(
        "_CLoader", (DirectBuilder, BoundedComposer, _Positions, yaml.CSafeLoader), {"dict_type": LDict, "list_type": LList}
    )

    _CParser: type[Any] = yaml.CSafeLoader.__mro__[1]  # libyaml's parser (yaml._yaml.CParser)

    class _CFacts(BoundedComposer, _Positions, _CParser, SafeConstructor, Core12Resolver):  # type: ignore[misc]
        """libyaml-parsed loader for facts."""

        def __init__(self, stream: str) -> None:
            _CParser.__init__(self, stream)
            SafeConstructor.__init__(self)
            Core12Resolver.__init__(self)

    _CFactsLoader: type[Any] = _CFacts
else:  # pragma: no cover - PyYAML built without libyaml
    _CLoader, _CFactsLoader = _PyLoader, _PyFacts

for _loader in (_PyLoader, _CLoader, _PyFacts, _CFactsLoader):
    # add_constructor copies the registry on the subclass: the global loaders stay unaltered.
    _loader.add_constructor("tag:yaml.org,2002:map", _Positions.construct_mapping)
    _loader.add_constructor("tag:yaml.org,2002:seq", _Positions.construct_sequence)
    _loader.add_constructor("tag:yaml.org,2002:timestamp", _Positions.construct_yaml_timestamp)
    _loader.add_constructor("tag:yaml.org,2002:int", _Positions.construct_yaml_int)
for _loader in (_PyFacts, _CFactsLoader):
    _loader.add_constructor("tag:yaml.org,2002:int", _Positions.construct_decimal)
    _loader.add_constructor("tag:yaml.org,2002:float", _Positions.construct_decimal)


_BRACKETS = re.compile(r"[\[\]{}]")


def _flow_too_deep(text: str) -> tuple[int, int] | None:
    """Position of the first ``[``/``{`` nested deeper than MAX_DEPTH, or None.

    PyYAML's scanner is quadratic in flow nesting, so thousands of brackets take seconds
    before any depth check could run; this linear pre-scan (quotes and comments skipped)
    refuses them first. Depth counts as in the parsed document: a top-level block mapping
    is one level, as a top-level ``{`` is.
    """
    # Cheap bounds first: brackets inside quotes or comments only ever add to a naive count,
    # so if the naive depth stays within the limit the precise scan is not needed; and the
    # naive depth never exceeds the number of opening brackets (most files have a few dozen).
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return None
    naive = peak = 0
    for match in _BRACKETS.finditer(text):
        naive += 1 if match.group() in "[{" else -1
        peak = max(peak, naive)
    if peak <= MAX_DEPTH:
        return None
    first = next((ch for ch in (line.strip()[:1] for line in text.splitlines()) if ch and ch != "#"), "")
    depth = 0 if first in ("[", "{") else 1
    line, column, quote, comment, prev = 1, 0, "", False, "\n"
    for ch in text:
        column += 1
        if ch == "\n":
            line, column, comment, prev = line + 1, 0, False, ch
            continue
        if comment:
            continue
        if quote:
            if ch == quote and (quote == "'" or prev != "\\"):
                quote = ""
            prev = "" if prev == "\\" and ch == "\\" else ch
            continue
        if ch in "\"'":
            quote = ch
        elif ch == "#" and prev in " \t\n":
            comment = True
        elif ch in "[{":
            depth += 1
            if depth > MAX_DEPTH + 1:
                return line, column
        elif ch in "]}":
            depth -= 1
        prev = ch
    return None


#: Longest string value or key (no fact or knowledge text comes near it).
MAX_STRING = 64 * 1024
#: Documents up to this size whose syntax libyaml rejects are parsed again in Python to word the error.
REPARSE_BELOW = 64 * 1024


def parse_yaml(
    text: str,
    path: str,
    error: type = InputError,
    *,
    facts: bool = False,
    max_items: int | None = None,
    max_keys: int | None = None,
    max_nodes: int = MAX_NODES,
) -> Any:
    """Parse YAML (or JSON, a subset of YAML) text safely; raise ``error`` naming path and line.

    Args:
        text: The document.
        path: Name used in messages.
        error: Error class to raise (InputError for user facts, KnowledgeError for knowledge).
        facts: Resolve as YAML 1.2 core (decimal numbers only, kept exact) instead of YAML 1.1.
        max_items: Longest list accepted; composing stops at the first entry beyond it.
        max_keys: Largest mapping accepted, likewise.
        max_nodes: Most values (aliases counted as what they repeat); composing stops at the first beyond.

    Returns:
        The document with LDict/LList containers.

    """
    if len(text) > MAX_BYTES:
        raise error(Problem(path, 0, 0, "", f"file is too large ({len(text):,} characters; at most {MAX_BYTES:,})"))
    # The pure-Python scanner is quadratic in flow nesting; it only ever reads small documents
    # (libyaml stops at 1,000 levels by itself, and the composer at MAX_DEPTH).
    deep = _flow_too_deep(text) if len(text) < REPARSE_BELOW else None
    if deep:
        raise error(Problem(path, deep[0], deep[1], "", f"invalid YAML: nesting deeper than {MAX_DEPTH} levels"))
    fast, precise = (_CFactsLoader, _PyFacts) if facts else (_CLoader, _PyLoader)
    limits = Limits(max_nodes, MAX_DEPTH, MAX_STRING, max_items, max_keys)
    try:
        try:
            return _load(fast, text, limits)
        except (yaml.scanner.ScannerError, yaml.parser.ParserError):
            if len(text) >= REPARSE_BELOW or fast is precise:
                raise
            return _load(precise, text, limits)
    except LimitError as exc:
        at = exc.problem_mark
        line, col = (at.line + 1, at.column + 1) if at else (0, 0)
        raise error(Problem(path, line, col, exc.key, exc.message)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        what = exc.problem or "invalid YAML"
        if what == "exceeded maximum nesting depth":  # libyaml's own bound (1,000 levels)
            what = f"nesting deeper than {MAX_DEPTH} levels"
        if what == "but found another document":
            what = "expected a single document, but found another document"
        if "could not determine a constructor" in str(what):
            tag = str(what).split("for the tag")[-1].strip().strip("'").replace("tag:yaml.org,2002:", "!!")
            what = f"tags that build objects are not allowed ({tag})"
        raise error(Problem(path, line, col, "", f"invalid YAML: {what}")) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        char = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise error(Problem(path, line, column, "", f"invalid YAML: unacceptable character #x{char:04x}: {exc.reason}")) from None
    except yaml.YAMLError as exc:
        raise error(Problem(path, 0, 0, "", f"invalid YAML: {exc}")) from None
    except RecursionError:
        raise error(Problem(path, 0, 0, "", "invalid YAML: nesting too deep")) from None


def _load(loader_class: type[Any], text: str, limits: Limits) -> Any:
    if issubclass(loader_class, DirectBuilder):
        direct = cast(Any, loader_class)(text)
        direct.limits = limits
        try:
            return direct.build_single()
        except Exception:  # noqa: S110 - not plain, or not valid: the general path below decides and words it
            pass
        finally:
            direct.dispose()
    loader = loader_class(text)
    loader.limits = limits
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def load_yaml(path: Path | str, display: str | None = None, error: type = InputError) -> Any:
    """Read and parse a YAML file (UTF-8); see :func:`parse_yaml`."""
    name = display or str(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)  # never more: a device or a huge file costs one limit
    except OSError as exc:
        raise error(Problem(name, 0, 0, "", f"cannot read file: {exc.strerror or exc}")) from None
    if len(raw) > MAX_BYTES:
        raise error(Problem(name, 0, 0, "", f"file is too large (at most {MAX_BYTES:,} bytes)"))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(Problem(name, 0, 0, "", f"not UTF-8 text (byte {exc.start})")) from None
    return parse_yaml(text, name, error)
