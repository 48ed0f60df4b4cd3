"""Evaluation of parsed expressions: three-valued comparison and arithmetic, and compilation of
an AST (:mod:`engine.expr`) into closures, once per knowledge base.

Unknown values carry bounds (:mod:`engine.model.bounds`), so a comparison or an ``if`` whose
outcome is the same for every allowed value is decided without the missing facts.
``default(x, fallback)`` is an assumption about ``x`` (CONTRACT §7.1): without assumptions
(the environment lacks :data:`FILL`) it is ``x`` itself, unknown; with them, the fallback. A
``null`` fallback is not an assumption (it tells a function to use another fact instead).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from engine.errors import KnowledgeError, Problem
from engine.model.bounds import arith as _bounded_arith
from engine.model.bounds import bool_unknown, bounded_functions, decide, join2
from engine.model.expr import (
    MAX_NUMBER,
    BinOp,
    Bool,
    BoolOp,
    Call,
    Compare,
    ListLit,
    Name,
    Node,
    Not,
    Null,
    Num,
    Str,
    Unknown,
)
from engine.model.expr import merge_unknowns as _merge
from engine.model.functions import FUNCTIONS

__all__ = ["compare", "compile_expr", "NULL_ARGUMENTS", "Env", "Fn", "FILL"]

#: Key present in an environment evaluated with assumptions: ``default(x, fallback)`` falls back.
FILL = "\x00assume"

#: Functions that accept "does not apply" (null) arguments; any other function given a null
#: argument returns null.
NULL_ARGUMENTS = frozenset({"min", "max", "under_59_half", "qualified_year"})

Env = dict[str, Any]
Fn = Callable[[Env], Any]


def compare(op: str, left: Any, right: Any) -> Any:
    """Three-valued comparison: Unknown if either side is unknown; False if either is null."""
    if left.__class__ is Unknown or right.__class__ is Unknown:
        return decide(op, left, right, compare)
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
        if left is None or right is None:
            return _merge(left, right)  # kept unknown, as before bounds (never wrong, only cautious)
        return _bounded_arith(op, left, right)
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


#: Largest factor of a product. Repeated squaring doubles the digits of an exact integer at
#: every step (a chain of 40 squarings never finishes) and overflows Decimal, so a factor this
#: large (far beyond any amount, rate or year) is an error of the knowledge, not a result.
MAX_FACTOR = MAX_NUMBER


def _times(left: Any, right: Any, where: Problem | None) -> Any:
    """``left * right`` with both factors bounded (see MAX_FACTOR)."""
    if left.__class__ is Unknown or right.__class__ is Unknown:
        for side in (left, right):
            if side.__class__ is Unknown and any(
                b is not None and not -MAX_FACTOR <= b <= MAX_FACTOR for b in (side.lo, side.hi)
            ):
                return _merge(left, right)  # bounds that large say nothing useful: know less
        return _arith("*", left, right)
    for side in (left, right):
        if _number(side) and not -MAX_FACTOR <= side <= MAX_FACTOR:
            shown = str(side) if len(str(side)) <= 24 else f"a number of {len(str(side))} digits"
            message = (
                f"a product has the factor {shown}, larger than {MAX_FACTOR:,}; check the formula and the parameters it uses"
            )
            if where is None:
                raise KnowledgeError(message)
            raise KnowledgeError(Problem(where.path, where.line, where.column, where.key, message))
    return _arith("*", left, right)


def _number(value: Any) -> bool:
    return isinstance(value, (int, Decimal)) and not isinstance(value, bool)


#: Bound versions of the standard functions (only used for those, not for a caller's own).
_BOUNDED: dict[str, Callable[..., Any]] = bounded_functions(FUNCTIONS)


def compile_expr(  # noqa: C901 - one branch per kind of AST node
    node: Node, functions: dict[str, Callable[..., Any]], where: Problem | None = None
) -> Fn:
    """Compile an AST into a closure ``f(env) -> value``; names missing from env are unknown.

    Args:
        node: The parsed formula.
        functions: The functions it may call.
        where: The formula's position and key, for the error a product too large to compute
            raises (see :data:`MAX_FACTOR`).

    """
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
        items = [compile_expr(i, functions, where) for i in node.items]

        def make_list(env: Env) -> Any:
            values = [f(env) for f in items]
            bad = [v for v in values if v.__class__ is Unknown]
            return _merge(*bad) if bad else values

        return make_list
    if isinstance(node, BinOp):
        lf, rf, op = compile_expr(node.left, functions, where), compile_expr(node.right, functions, where), node.op
        if op == "*":
            return lambda env: _times(lf(env), rf(env), where)
        return lambda env: _arith(op, lf(env), rf(env))
    if isinstance(node, Compare):
        lf, rf, op = compile_expr(node.left, functions, where), compile_expr(node.right, functions, where), node.op
        return lambda env: compare(op, lf(env), rf(env))
    if isinstance(node, Not):
        inner = compile_expr(node.item, functions, where)

        def negate(env: Env) -> Any:
            value = inner(env)
            if value.__class__ is Unknown:
                if value.values is None:
                    return value
                return Unknown(value.missing, values=frozenset(not v for v in value.values), null=value.null)
            return None if value is None else not value

        return negate
    if isinstance(node, BoolOp):
        parts = [compile_expr(i, functions, where) for i in node.items]
        stop = node.op == "or"  # value that decides the result on its own

        def kleene(env: Env) -> Any:
            unknowns = []
            for part in parts:
                value = part(env)
                if value.__class__ is Unknown:
                    unknowns.append(value)
                elif bool(value) == stop:
                    return stop
            if not unknowns:
                return not stop
            missing = unknowns[0].missing
            for other in unknowns[1:]:
                missing = missing | other.missing
            return bool_unknown(missing)

        return kleene
    if isinstance(node, Call):
        return _compile_call(node, functions, where)
    raise TypeError(f"cannot compile {node!r}")


def _compile_call(node: Call, functions: dict[str, Callable[..., Any]], where: Problem | None) -> Fn:
    args = [compile_expr(a, functions, where) for a in node.args]
    if node.func == "if":
        cond, then, other = args

        def choose(env: Env) -> Any:
            test = cond(env)
            if test.__class__ is Unknown:
                if test.values is not None and len(test.values) == 1 and not test.null:
                    return then(env) if next(iter(test.values)) else other(env)
                return join2(then(env), other(env), test.missing)
            return then(env) if test else other(env)

        return choose
    if node.func == "default":
        value, fallback = args
        if isinstance(node.args[1], Null):
            return lambda env: fallback(env) if (v := value(env)).__class__ is Unknown else v

        def assume(env: Env) -> Any:
            v = value(env)
            return fallback(env) if v.__class__ is Unknown and FILL in env else v

        return assume
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
    bounded = _BOUNDED.get(node.func) if func is FUNCTIONS.get(node.func) else None

    def call(env: Env) -> Any:
        values = [a(env) for a in args]
        for v in values:
            if v.__class__ is Unknown:
                if bounded is not None and (takes_null or None not in values):
                    return bounded(*values)
                return _merge(*values)
        if not takes_null and any(v is None for v in values):
            return None  # a value that does not apply makes the result not apply
        return func(*values)

    return call
