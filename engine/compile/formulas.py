"""Compilation of a formula's AST (:mod:`engine.model.expr`) into closures, once per knowledge base.

Unknown values carry bounds (:mod:`engine.model.bounds`), so a comparison or an ``if`` whose
outcome is the same for every allowed value is decided without the missing facts.
``default(x, fallback)`` is an assumption about ``x`` (CONTRACT §7.1): without assumptions
(the environment lacks :data:`FILL`) it is ``x`` itself, unknown; with them, the fallback. A
``null`` fallback is not an assumption (it tells a function to use another fact instead).

Every formula of every situation runs through these closures, so each node is specialised at
compile time: the operator picks its operation once (no dispatch on the operator's text), an
operand that is a name or a constant is read inside its parent's closure (no closure call of
its own), and the bounds of an unknown operand are worked out once per distinct operands (an
unknown fact is the same object in every situation; see :func:`_memo2`).
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from engine.compile.operations import arith, compare, times
from engine.errors import Problem
from engine.model.bounds import arith as _bounded_arith
from engine.model.bounds import bool_unknown, bounded_functions, decide, join2
from engine.model.expr import BinOp, Bool, BoolOp, Call, Compare, ListLit, Name, Node, Not, Null, Num, Str, Unknown
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
Core = Callable[[Any, Any], Any]
#: The last two operand pairs and answers of one operation, as one tuple replaced whole.
Memo = list[tuple[tuple[Any, Any, Any], tuple[Any, Any, Any]]]
_EMPTY = ((None, None, None), (None, None, None))

#: Bound versions of the standard functions (only used for those, not for a caller's own).
_BOUNDED: dict[str, Callable[..., Any]] = bounded_functions(FUNCTIONS)
_ORDER = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
_EQUAL = {"==": operator.eq, "!=": operator.ne}


def compile_expr(  # noqa: C901 - one branch per kind of AST node
    node: Node, functions: dict[str, Callable[..., Any]], where: Problem | None = None
) -> Fn:
    """Compile an AST into a closure ``f(env) -> value``; names missing from env are unknown.

    Args:
        node: The parsed formula.
        functions: The functions it may call.
        where: The formula's position and key, for the error a product too large to compute
            raises (see :data:`engine.compile.operations.MAX_FACTOR`).

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
        return _pair(_arith_core(node.op, where), node.left, node.right, functions, where)
    if isinstance(node, Compare):
        return _pair(_compare_core(node.op), node.left, node.right, functions, where)
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


def _pair(core: Core, left: Node, right: Node, functions: dict[str, Callable[..., Any]], where: Problem | None) -> Fn:
    """``env -> core(left, right)``, reading a name or constant operand in place."""
    if isinstance(left, Name):
        lname, lmiss = left.name, Unknown(frozenset([left.name]))
        if isinstance(right, Name):
            rname, rmiss = right.name, Unknown(frozenset([right.name]))
            return lambda env: core(env.get(lname, lmiss), env.get(rname, rmiss))
        if isinstance(right, (Num, Str, Bool, Null)):
            rconst = None if isinstance(right, Null) else right.value
            return lambda env: core(env.get(lname, lmiss), rconst)
        rf = compile_expr(right, functions, where)
        return lambda env: core(env.get(lname, lmiss), rf(env))
    lf = compile_expr(left, functions, where)
    if isinstance(right, Name):
        rname, rmiss = right.name, Unknown(frozenset([right.name]))
        return lambda env: core(lf(env), env.get(rname, rmiss))
    if isinstance(right, (Num, Str, Bool, Null)):
        rconst = None if isinstance(right, Null) else right.value
        return lambda env: core(lf(env), rconst)
    rf = compile_expr(right, functions, where)
    return lambda env: core(lf(env), rf(env))


def _memo2(fn: Core) -> Core:
    """``fn(a, b)`` remembered for the last two operand pairs seen (by identity).

    Only for a pure function of operands that are never changed (numbers, strings, Unknowns):
    an unknown fact is one object in every situation, so its bounds are worked out once. Two,
    because the passes without and with assumptions alternate (an assumed fact is one object
    too). The memo is one tuple replaced whole (safe across threads), and holding the operands
    keeps their identities from being reused.
    """
    last: Memo = [_EMPTY]

    def remembered(a: Any, b: Any) -> Any:
        first, second = last[0]
        if first[0] is a and first[1] is b:
            return first[2]
        if second[0] is a and second[1] is b:
            return second[2]
        out = fn(a, b)
        last[0] = ((a, b, out), first)
        return out

    return remembered


def _arith_core(op: str, where: Problem | None) -> Core:
    """The operation of ``op`` on two values, as :func:`engine.compile.operations.arith`."""
    if op in ("*", "/"):
        known = (lambda a, b: times(a, b, where)) if op == "*" else (lambda a, b: arith(op, a, b))
        unknown = _memo2(known)  # the same answer for the same unknown operands

        def product(a: Any, b: Any) -> Any:
            return unknown(a, b) if a.__class__ is Unknown or b.__class__ is Unknown else known(a, b)

        return product
    if op not in ("+", "-"):
        return lambda a, b: arith(op, a, b)
    plain = operator.add if op == "+" else operator.sub
    # _memo2's memo, written out: this runs for most formulas of every evaluation.
    last: Memo = [_EMPTY]

    def additive(a: Any, b: Any) -> Any:
        if a.__class__ is Unknown or b.__class__ is Unknown:
            first, second = last[0]
            if first[0] is a and first[1] is b:
                return first[2]
            if second[0] is a and second[1] is b:
                return second[2]
            out = _merge(a, b) if a is None or b is None else _bounded_arith(op, a, b)
            last[0] = ((a, b, out), first)
            return out
        if a is None or b is None:
            return None
        return plain(a, b)

    return additive


def _compare_core(op: str) -> Core:
    """The comparison ``op`` of two values, as :func:`engine.compile.operations.compare`."""
    if op in ("in", "not in"):
        return lambda a, b: compare(op, a, b)
    if op in _EQUAL:
        bounded = _memo2(lambda a, b: decide(op, a, b, compare))
        equal = _EQUAL[op]

        def same(a: Any, b: Any) -> Any:
            if a.__class__ is Unknown or b.__class__ is Unknown:
                return bounded(a, b)
            if a is None or b is None:
                return False
            return equal(a, b)

        return same
    test = _ORDER[op]
    last: Memo = [_EMPTY]  # _memo2's memo, written out

    def ordered(a: Any, b: Any) -> Any:
        if a.__class__ is Unknown or b.__class__ is Unknown:
            first, second = last[0]
            if first[0] is a and first[1] is b:
                return first[2]
            if second[0] is a and second[1] is b:
                return second[2]
            out = decide(op, a, b, compare)
            last[0] = ((a, b, out), first)
            return out
        if a is None or b is None:
            return False
        try:
            return test(a, b)
        except TypeError:
            return False

    return ordered


def _compile_call(node: Call, functions: dict[str, Callable[..., Any]], where: Problem | None) -> Fn:
    if node.func in ("if", "default", "first_known", "known"):
        return _compile_special(node, functions, where)
    func = functions[node.func]
    takes_null = node.func in NULL_ARGUMENTS
    bounded = _BOUNDED.get(node.func) if func is FUNCTIONS.get(node.func) else None
    if len(node.args) == 2:
        last: Memo = [_EMPTY]  # _memo2's memo, written out

        def call2(a: Any, b: Any) -> Any:
            if a.__class__ is Unknown or b.__class__ is Unknown:
                first, second = last[0]
                if first[0] is a and first[1] is b:
                    return first[2]
                if second[0] is a and second[1] is b:
                    return second[2]
                if bounded is not None and (takes_null or (a is not None and b is not None)):
                    out = bounded(a, b)
                else:
                    out = _merge(a, b)
                last[0] = ((a, b, out), first)
                return out
            if not takes_null and (a is None or b is None):
                return None  # a value that does not apply makes the result not apply
            return func(a, b)

        return _pair(call2, node.args[0], node.args[1], functions, where)
    args = [compile_expr(a, functions, where) for a in node.args]

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


def _compile_special(node: Call, functions: dict[str, Callable[..., Any]], where: Problem | None) -> Fn:
    """``if``, ``default``, ``first_known`` and ``known``: they decide which arguments count."""
    args = [compile_expr(a, functions, where) for a in node.args]
    if node.func == "if":
        cond, then, other = args
        # The last two unknown tests, branches and joins (see _memo2), as one tuple replaced whole.
        last: list[tuple[tuple[Any, ...], tuple[Any, ...]]] = [((None,) * 4, (None,) * 4)]

        def choose(env: Env) -> Any:
            test = cond(env)
            if test.__class__ is Unknown:
                if test.values is not None and len(test.values) == 1 and not test.null:
                    return then(env) if next(iter(test.values)) else other(env)
                a, b = then(env), other(env)
                first, second = last[0]
                if first[0] is test and first[1] is a and first[2] is b:
                    return first[3]
                if second[0] is test and second[1] is a and second[2] is b:
                    return second[3]
                out = join2(a, b, test.missing)
                last[0] = ((test, a, b, out), first)
                return out
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
    (value,) = args
    return lambda env: value(env).__class__ is not Unknown
