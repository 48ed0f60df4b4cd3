"""The small, safe expression language of formulas and conditions.

Authored text is tokenized and parsed into an AST of frozen dataclasses; nothing is ever
passed to ``eval``. :func:`compile_expr` turns an AST into a Python closure once, at load.

Values at run time are ``Decimal``/``int`` numbers, ``bool``, ``str``, ``list``, ``None``
("does not apply") or an :class:`Unknown`, which carries the names of the facts whose absence
made it unknown, so that an explanation can say which question would decide it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

__all__ = [
    "Unknown", "UNKNOWN", "is_unknown", "ParseError", "Node", "Num", "Str", "Bool", "Null",
    "Name", "ListLit", "BinOp", "Compare", "BoolOp", "Not", "Call", "parse", "names_in",
    "compile_expr", "COMPARE_OPS", "render",
]


class Unknown:
    """An unknown value; ``missing`` names the facts that would make it known."""

    __slots__ = ("missing",)

    def __init__(self, missing: frozenset[str] = frozenset()) -> None:
        self.missing = missing

    def __repr__(self) -> str:
        return f"Unknown({sorted(self.missing)})"

    def __bool__(self) -> bool:  # an unknown must never be mistaken for a truth value
        raise TypeError("Unknown has no truth value")


UNKNOWN = Unknown()


def is_unknown(value: Any) -> bool:
    """True when ``value`` is an :class:`Unknown`."""
    return value.__class__ is Unknown


def _merge(*values: Any) -> Unknown:
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
#: Functions that accept "does not apply" (null) arguments; any other function given a null
#: argument returns null.
NULL_ARGUMENTS = frozenset({"min", "max", "under_59_half", "qualified_year"})

# ---------------------------------------------------------------- tokenizer
_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d[\d_]*(?:\.\d+)?)|(?P<str>\"[^\"]*\"|'[^']*')|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>==|!=|<=|>=|=>|=<|<>|[<>+\-*/(),\[\]=!]))"
)
_KEYWORDS = {"and", "or", "not", "in", "true", "false", "null"}


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    tokens: list[tuple[str, str, int]] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = _TOKEN.match(text, pos)
        if not match:
            col = len(text) - len(text[pos:].lstrip())
            raise ParseError(f"unexpected character {text[col]!r}", col)
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
            return Not(col, self.not_expr())
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
            return BinOp(col, "-", Num(col, 0), self.unary())
        return self.primary()

    def primary(self) -> Node:
        kind, val, col = self.take()
        if kind == "num":
            text = val.replace("_", "")
            return Num(col, Decimal(text) if "." in text else int(text))
        if kind == "str":
            return Str(col, val[1:-1])
        if kind == "kw" and val in ("true", "false"):
            return Bool(col, val == "true")
        if kind == "kw" and val == "null":
            return Null(col)
        if kind == "name":
            if self.peek()[:2] == ("op", "("):
                self.take()
                args: list[Node] = []
                if self.peek()[1] != ")":
                    args.append(self.or_expr())
                    while self.peek()[1] == ",":
                        self.take()
                        args.append(self.or_expr())
                self.expect(")")
                return Call(col, val, tuple(args))
            return Name(col, val)
        if (kind, val) == ("op", "("):
            node = self.or_expr()
            self.expect(")")
            return node
        if (kind, val) == ("op", "["):
            items: list[Node] = []
            if self.peek()[1] != "]":
                items.append(self.or_expr())
                while self.peek()[1] == ",":
                    self.take()
                    items.append(self.or_expr())
            self.expect("]")
            return ListLit(col, tuple(items))
        found = "the end of the expression" if kind == "end" else repr(val)
        raise ParseError(f"expected a value, a name or '(' but found {found}", col)


def parse(text: str) -> Node:
    """Parse expression text into an AST, or raise :class:`ParseError`.

    Examples:
        >>> parse("magi >= roth_phaseout_end").op
        '>='

    """
    return _Parser(str(text)).parse()


def names_in(node: Node) -> set[str]:
    """Every name the expression reads (not function names)."""
    if isinstance(node, Name):
        return {node.name}
    out: set[str] = set()
    for child in _children(node):
        out |= names_in(child)
    return out


def _children(node: Node) -> tuple[Node, ...]:
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


# ---------------------------------------------------------------- evaluation
Env = dict[str, Any]
Fn = Callable[[Env], Any]


def _num(value: Any) -> Any:
    return value


def compare(op: str, left: Any, right: Any) -> Any:
    """Three-valued comparison: Unknown if either side is unknown; False if either is null."""
    if left.__class__ is Unknown or right.__class__ is Unknown:
        return _merge(left, right)
    if op in ("in", "not in"):
        if left is None:
            return False
        return (left in right) == (op == "in")
    if left is None or right is None:
        return False
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    try:
        if op == "<":
            return left < right
        if op == "<=":
            return left <= right
        if op == ">":
            return left > right
        return left >= right
    except TypeError:
        return False


def _arith(op: str, left: Any, right: Any) -> Any:
    if left.__class__ is Unknown or right.__class__ is Unknown:
        return _merge(left, right)
    if left is None or right is None:
        return None
    if op == "+":
        return left + right
    if op == "-":
        return left - right
    if op == "*":
        return left * right
    if right == 0:  # the zero-balance case: a ratio over nothing does not apply
        return None
    return Decimal(left) / Decimal(right)


def compile_expr(node: Node, functions: dict[str, Callable[..., Any]]) -> Fn:
    """Compile an AST into a closure ``f(env) -> value``; names missing from env are unknown."""
    if isinstance(node, (Num, Str, Bool)):
        const = node.value
        return lambda env: const
    if isinstance(node, Null):
        return lambda env: None
    if isinstance(node, Name):
        name = node.name
        missing = Unknown(frozenset([name]))

        def lookup(env: Env) -> Any:
            return env.get(name, missing)
        return lookup
    if isinstance(node, ListLit):
        items = [compile_expr(i, functions) for i in node.items]

        def make_list(env: Env) -> Any:
            values = [f(env) for f in items]
            bad = [v for v in values if v.__class__ is Unknown]
            return _merge(*bad) if bad else values
        return make_list
    if isinstance(node, BinOp):
        lf, rf, op = compile_expr(node.left, functions), compile_expr(node.right, functions), node.op
        return lambda env: _arith(op, lf(env), rf(env))
    if isinstance(node, Compare):
        lf, rf, op = compile_expr(node.left, functions), compile_expr(node.right, functions), node.op
        return lambda env: compare(op, lf(env), rf(env))
    if isinstance(node, Not):
        inner = compile_expr(node.item, functions)

        def negate(env: Env) -> Any:
            value = inner(env)
            return value if value.__class__ is Unknown else (None if value is None else not value)
        return negate
    if isinstance(node, BoolOp):
        parts = [compile_expr(i, functions) for i in node.items]
        stop = node.op == "or"  # value that decides the result on its own

        def kleene(env: Env) -> Any:
            unknowns = []
            for part in parts:
                value = part(env)
                if value.__class__ is Unknown:
                    unknowns.append(value)
                elif bool(value) == stop:
                    return stop
            return _merge(*unknowns) if unknowns else (not stop)
        return kleene
    if isinstance(node, Call):
        return _compile_call(node, functions)
    raise TypeError(f"cannot compile {node!r}")


def _compile_call(node: Call, functions: dict[str, Callable[..., Any]]) -> Fn:
    args = [compile_expr(a, functions) for a in node.args]
    if node.func == "if":
        cond, then, other = args

        def choose(env: Env) -> Any:
            test = cond(env)
            if test.__class__ is Unknown:
                a, b = then(env), other(env)
                if a.__class__ is not Unknown and b.__class__ is not Unknown and a == b:
                    return a
                return _merge(test, a, b)
            return then(env) if test else other(env)
        return choose
    if node.func == "default":
        value, fallback = args
        return lambda env: fallback(env) if (v := value(env)).__class__ is Unknown else v
    if node.func == "first_known":
        # The first argument that is known; when none is, every alternative is reported as
        # missing, so a person who cannot answer one question is offered the others.
        def first(env: Env) -> Any:
            unknowns = []
            for arg in args:
                value = arg(env)
                if value.__class__ is not Unknown:
                    return value
                unknowns.append(value)
            return _merge(*unknowns)
        return first
    if node.func == "known":
        (value,) = args
        return lambda env: value(env).__class__ is not Unknown
    func = functions[node.func]
    takes_null = node.func in NULL_ARGUMENTS

    def call(env: Env) -> Any:
        values = [a(env) for a in args]
        for v in values:
            if v.__class__ is Unknown:
                return _merge(*values)
        if not takes_null and any(v is None for v in values):
            return None  # a value that does not apply makes the result not apply
        return func(*values)
    return call
