"""The small, safe expression language of formulas and conditions: values, AST and parser.

Authored text is tokenized and parsed into an AST of frozen dataclasses; nothing is ever
passed to ``eval``. :func:`engine.expr_eval.compile_expr` turns an AST into a Python closure
once, at load.

Values at run time are ``Decimal``/``int`` numbers, ``bool``, ``str``, ``list``, ``None``
("does not apply") or an :class:`Unknown`, which carries the names of the facts whose absence
made it unknown, so that an explanation can say which question would decide it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

__all__ = [
    "Unknown",
    "UNKNOWN",
    "ParseError",
    "Node",
    "Num",
    "Str",
    "Bool",
    "Null",
    "Name",
    "ListLit",
    "BinOp",
    "Compare",
    "BoolOp",
    "Not",
    "Call",
    "parse",
    "names_in",
    "COMPARE_OPS",
    "render",
    "children",
    "merge_unknowns",
    "MAX_TEXT",
    "MAX_DEPTH",
    "MAX_NUMBER",
]

#: Longest formula or condition text, in characters: the longest authored one is about 500.
MAX_TEXT = 2000
#: Deepest nesting of a formula (parentheses, calls, lists, ``not``, operator chains): the
#: deepest authored one is 10. The parser and every walk over an AST recurse, so this keeps
#: them far below Python's recursion limit (each level of the parser costs about 8 frames).
MAX_DEPTH = 40
#: Largest number a formula may write: amounts and years are far below it, and durable_rules
#: and the three-valued arithmetic only ever see finite numbers of a sane size.
MAX_NUMBER = 1_000_000_000_000_000


class Unknown:
    """An unknown value; ``missing`` names the facts that would make it known.

    It also carries what *is* known about the value (CONTRACT §7.1), so that a condition true
    for every value still allowed is decided without the missing facts:

    - ``values``: the finite set of values it can take (yes/no and enum facts), or None;
    - ``lo`` / ``hi``: inclusive numeric bounds (None: unbounded), used when ``values`` is None;
    - ``null``: whether it may turn out "does not apply" (``None``).

    ``Unknown(missing)`` alone knows nothing: any type, any value, possibly null.
    """

    __slots__ = ("missing", "lo", "hi", "values", "null")

    def __init__(
        self,
        missing: frozenset[str] = frozenset(),
        lo: Any = None,
        hi: Any = None,
        values: frozenset[Any] | None = None,
        null: bool = True,
    ) -> None:
        self.missing = missing
        self.lo = lo
        self.hi = hi
        self.values = values
        self.null = null

    def __repr__(self) -> str:
        bounds = f", values={sorted(map(str, self.values))}" if self.values is not None else ""
        if self.lo is not None or self.hi is not None:
            bounds += f", lo={self.lo}, hi={self.hi}"
        return f"Unknown({sorted(self.missing)}{bounds}{'' if self.null else ', not null'})"

    def __bool__(self) -> bool:  # an unknown must never be mistaken for a truth value
        raise TypeError("Unknown has no truth value")


UNKNOWN = Unknown()


def merge_unknowns(*values: Any) -> Unknown:
    """An Unknown that knows nothing but the union of the facts the ``values`` wait on."""
    missing: frozenset[str] = frozenset()
    for value in values:
        if value.__class__ is Unknown:
            missing |= value.missing
    return Unknown(missing)


class ParseError(Exception):
    """A syntax error at a 0-based column of the expression text."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.column = column


# ---------------------------------------------------------------- AST
@dataclass(frozen=True)
class Node:
    """Base class of AST nodes; ``col`` is the 0-based column in the source text."""

    col: int


@dataclass(frozen=True)
class Num(Node):
    value: Decimal | int


@dataclass(frozen=True)
class Str(Node):
    value: str


@dataclass(frozen=True)
class Bool(Node):
    value: bool


@dataclass(frozen=True)
class Null(Node):
    pass


@dataclass(frozen=True)
class Name(Node):
    name: str


@dataclass(frozen=True)
class ListLit(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True)
class BinOp(Node):
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Compare(Node):
    op: str  # == != < <= > >= in "not in"
    left: Node
    right: Node


@dataclass(frozen=True)
class BoolOp(Node):
    op: str  # and / or
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not(Node):
    item: Node


@dataclass(frozen=True)
class Call(Node):
    func: str
    args: tuple[Node, ...]


COMPARE_OPS = ("==", "!=", "<=", ">=", "<", ">", "in", "not in")

# ---------------------------------------------------------------- tokenizer
_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d[\d_]*(?:\.\d+)?)|(?P<str>\"[^\"]*\"|'[^']*')|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>==|!=|<=|>=|=>|=<|<>|[<>+\-*/(),\[\]=!]))"
)
_KEYWORDS = {"and", "or", "not", "in", "true", "false", "null"}


_SPACE = re.compile(r"\s*")


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    tokens: list[tuple[str, str, int]] = []
    pos = 0
    end = len(text)
    while True:
        pos = _SPACE.match(text, pos).end()  # type: ignore[union-attr]  # \s* always matches
        if pos >= end:
            break
        match = _TOKEN.match(text, pos)
        if not match:
            raise ParseError(f"unexpected character {text[pos]!r}", pos)
        kind = match.lastgroup or ""
        value = match.group(kind)
        col = match.start(kind)
        if kind == "op" and value in ("=", "=>", "=<", "<>", "!"):
            hint = {"=": "==", "=>": ">=", "=<": "<=", "<>": "!=", "!": "!= or not"}[value]
            raise ParseError(f"unknown operator {value!r} (did you mean '{hint}'?)", col)
        if kind == "name" and value in _KEYWORDS:
            kind = "kw"
        tokens.append((kind, value, col))
        pos = match.end()
    tokens.append(("end", "", len(text)))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.i = 0
        self.depth = 0

    def enter(self, col: int) -> None:
        """One level deeper (a parenthesis, call, list, ``not`` or minus sign): refused past
        MAX_DEPTH with a located error, long before Python's recursion limit.
        """
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ParseError(f"the formula nests more than {MAX_DEPTH} levels deep; split it into named values", col)

    def peek(self, offset: int = 0) -> tuple[str, str, int]:
        return self.tokens[min(self.i + offset, len(self.tokens) - 1)]

    def take(self) -> tuple[str, str, int]:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect(self, value: str) -> None:
        kind, val, col = self.take()
        if val != value:
            found = "the end" if kind == "end" else repr(val)
            raise ParseError(f"expected '{value}' but found {found}", col)

    def parse(self) -> Node:
        node = self.or_expr()
        kind, val, col = self.peek()
        if kind != "end":
            raise ParseError(f"unexpected {val!r} after a complete expression", col)
        return node

    def or_expr(self) -> Node:
        items = [self.and_expr()]
        while self.peek()[:2] == ("kw", "or"):
            self.take()
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else BoolOp(items[0].col, "or", tuple(items))

    def and_expr(self) -> Node:
        items = [self.not_expr()]
        while self.peek()[:2] == ("kw", "and"):
            self.take()
            items.append(self.not_expr())
        return items[0] if len(items) == 1 else BoolOp(items[0].col, "and", tuple(items))

    def not_expr(self) -> Node:
        if self.peek()[:2] == ("kw", "not"):
            col = self.take()[2]
            self.enter(col)
            node = Not(col, self.not_expr())
            self.depth -= 1
            return node
        return self.comparison()

    def comparison(self) -> Node:
        left = self.additive()
        kind, val, col = self.peek()
        if kind == "op" and val in COMPARE_OPS:
            self.take()
            return Compare(col, val, left, self.additive())
        if (kind, val) == ("kw", "in"):
            self.take()
            return Compare(col, "in", left, self.additive())
        if (kind, val) == ("kw", "not") and self.peek(1)[:2] == ("kw", "in"):
            self.take()
            self.take()
            return Compare(col, "not in", left, self.additive())
        return left

    def additive(self) -> Node:
        node = self.term()
        while self.peek()[0] == "op" and self.peek()[1] in "+-":
            _, op, col = self.take()
            node = BinOp(col, op, node, self.term())
        return node

    def term(self) -> Node:
        node = self.unary()
        while self.peek()[0] == "op" and self.peek()[1] in "*/":
            _, op, col = self.take()
            node = BinOp(col, op, node, self.unary())
        return node

    def unary(self) -> Node:
        if self.peek()[:2] == ("op", "-"):
            col = self.take()[2]
            self.enter(col)
            node = BinOp(col, "-", Num(col, 0), self.unary())
            self.depth -= 1
            return node
        return self.primary()

    def primary(self) -> Node:
        kind, val, col = self.take()
        if kind == "num":
            text = val.replace("_", "")
            # Checked on the digits before converting: int() of thousands of digits is slow
            # (and refused by Python past 4,300 digits).
            whole = text.split(".")[0].lstrip("0")
            if len(whole) > 16 or int(whole or 0) > MAX_NUMBER:
                raise ParseError(
                    f"the number {val[:20]}{'...' if len(val) > 20 else ''} is too large (at most {MAX_NUMBER:,})", col
                )
            return Num(col, Decimal(text) if "." in text else int(text))
        if kind == "str":
            return Str(col, val[1:-1])
        if kind == "kw" and val in ("true", "false"):
            return Bool(col, val == "true")
        if kind == "kw" and val == "null":
            return Null(col)
        if kind == "name":
            if self.peek()[:2] == ("op", "("):
                self.enter(self.take()[2])
                args: list[Node] = []
                if self.peek()[1] != ")":
                    args.append(self.or_expr())
                    while self.peek()[1] == ",":
                        self.take()
                        args.append(self.or_expr())
                self.expect(")")
                self.depth -= 1
                return Call(col, val, tuple(args))
            return Name(col, val)
        if (kind, val) == ("op", "("):
            self.enter(col)
            node = self.or_expr()
            self.expect(")")
            self.depth -= 1
            return node
        if (kind, val) == ("op", "["):
            self.enter(col)
            items: list[Node] = []
            if self.peek()[1] != "]":
                items.append(self.or_expr())
                while self.peek()[1] == ",":
                    self.take()
                    items.append(self.or_expr())
            self.expect("]")
            self.depth -= 1
            return ListLit(col, tuple(items))
        found = "the end of the expression" if kind == "end" else repr(val)
        raise ParseError(f"expected a value, a name or '(' but found {found}", col)


def parse(text: str) -> Node:
    """Parse expression text into an AST, or raise :class:`ParseError`.

    Examples:
        >>> parse("magi >= roth_phaseout_end").op
        '>='

    """
    text = str(text)
    if len(text) > MAX_TEXT:
        raise ParseError(f"the formula is {len(text):,} characters long (at most {MAX_TEXT:,}); split it into named values", 0)
    node = _Parser(text).parse()
    _check_depth(node)
    return node


def _check_depth(root: Node) -> None:
    """Refuse an AST deeper than MAX_DEPTH (a long chain such as ``a + b + c + ...`` nests one
    level per operator), walking it without recursion.
    """
    stack: list[tuple[Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ParseError(f"the formula nests more than {MAX_DEPTH} levels deep; split it into named values", node.col)
        stack.extend((child, depth + 1) for child in children(node))


def names_in(node: Node) -> set[str]:
    """Every name the expression reads (not function names)."""
    out: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, Name):
            out.add(item.name)
        else:
            stack.extend(children(item))
    return out


def children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, (BinOp, Compare)):
        return (node.left, node.right)
    if isinstance(node, (BoolOp, ListLit)):
        return node.items
    if isinstance(node, Not):
        return (node.item,)
    if isinstance(node, Call):
        return node.args
    return ()


def render(node: Node) -> str:
    """Canonical text of an expression (used in messages and traces)."""
    if isinstance(node, Num):
        return str(node.value)
    if isinstance(node, Str):
        return node.value if re.fullmatch(r"[a-z_][a-z0-9_]*", node.value) else f'"{node.value}"'
    if isinstance(node, Bool):
        return "true" if node.value else "false"
    if isinstance(node, Null):
        return "null"
    if isinstance(node, Name):
        return node.name
    if isinstance(node, ListLit):
        return "[" + ", ".join(render(i) for i in node.items) + "]"
    if isinstance(node, (BinOp, Compare)):
        return f"{render(node.left)} {node.op} {render(node.right)}"
    if isinstance(node, BoolOp):
        return "(" + f" {node.op} ".join(render(i) for i in node.items) + ")"
    if isinstance(node, Not):
        return f"not {render(node.item)}"
    if isinstance(node, Call):
        return f"{node.func}(" + ", ".join(render(a) for a in node.args) + ")"
    raise TypeError(node)
