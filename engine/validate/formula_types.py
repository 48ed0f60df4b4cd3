"""Types of formulas: arithmetic only on numbers, and never an amount of money times another.

Every name has a kind (money, number, yes/no, text, list) from its fact, parameter or value
definition, and every function a result kind; a formula is walked bottom-up, without recursion,
and the first operation that makes no sense is reported at its column. Money is tracked as a
dimension: ``a * b / c`` of three amounts (a pro-rata share) is an amount, but a product of two
amounts that is not divided by a third, added, compared or passed on, has no meaning. Such formulas used to
pass ``rothkb check`` and then fail or crawl in ``explain`` (``"abc" * 100000000`` built a
300 MB string).
"""

from __future__ import annotations

from typing import Any

from engine.model import expr
from engine.model.knowledge import FactDef, Parameter, ValueDef

__all__ = ["name_kinds", "formula_type_error"]

ANY, MONEY, NUMBER, BOOL, TEXT, LIST, NULL = "any", "money", "number", "bool", "text", "list", "null"
_WORDS = {BOOL: "a yes/no value", TEXT: "text", LIST: "a list"}
_FACT_KINDS = {"money": MONEY, "int": NUMBER, "number": NUMBER, "bool": BOOL, "enum": TEXT, "date": TEXT, "list": LIST}
_VALUE_KINDS = {"money": MONEY, "int": NUMBER, "number": NUMBER, "year": NUMBER, "ratio": NUMBER, "bool": BOOL}
_UNIT_KINDS = {"usd": MONEY, "ratio": NUMBER, "year": NUMBER, "count": NUMBER, "bool": BOOL}
#: Result kind of each function; "first" is its first argument's kind, "join" all arguments'.
_RESULTS = {
    "min": "join",
    "max": "join",
    "first_known": "join",
    "default": "join",
    "abs": "first",
    "round": "first",
    "round_up": "first",
    "round_down": "first",
    "known": BOOL,
    "under_59_half": BOOL,
    "age_at_year_end": NUMBER,
    "qualified_year": NUMBER,
    "conversion_clock_end": NUMBER,
    "withdrawal_from_contributions": MONEY,
    "withdrawal_from_recent_conversions": MONEY,
    "withdrawal_from_earnings": MONEY,
    "month_year": TEXT,
    "year_of": NUMBER,
}


def name_kinds(facts: dict[str, FactDef], params: dict[str, Parameter], values: dict[str, Any]) -> dict[str, str]:
    """The kind of every name a formula may read (values by their declared ``type``)."""
    kinds = {name: _FACT_KINDS.get(f.type, ANY) for name, f in facts.items()}
    kinds.update({name: _UNIT_KINDS.get(p.unit, ANY) for name, p in params.items()})
    for name, value in values.items():
        vtype = value.type if isinstance(value, ValueDef) else value
        kinds[name] = _VALUE_KINDS.get(str(vtype), TEXT if vtype in ("enum", "date") else ANY)
    return kinds


def _power(kind: str) -> int | None:
    """The power of money of a numeric kind (money 1, a plain number 0), None for others."""
    if kind == MONEY:
        return 1
    if kind == NUMBER:
        return 0
    return int(kind[6:]) if kind.startswith("money^") else None


def _of_power(power: int) -> str:
    return NUMBER if power == 0 else MONEY if power == 1 else f"money^{power}"


_SQUARED = "multiplies an amount of money by another amount (money × money has no meaning)"


def _join(kinds: list[str]) -> str:
    present = {k for k in kinds if k != NULL}
    if present == {MONEY, NUMBER}:
        return MONEY  # if(x, amount, 0): a plain number beside an amount is an amount
    return present.pop() if len(present) == 1 else ANY


def _arith(node: expr.BinOp, left: str, right: str) -> tuple[str, str | None]:
    for side in (left, right):
        if side in _WORDS:
            return ANY, f"'{node.op}' cannot be used on {_WORDS[side]}"
    lp, rp = _power(left), _power(right)
    if lp is None or rp is None:
        return ANY, None
    if node.op == "*":
        return _of_power(lp + rp), None
    if node.op == "/":
        return _of_power(lp - rp), None
    if lp not in (0, 1) or rp not in (0, 1):
        return ANY, _SQUARED
    return (MONEY if 1 in (lp, rp) else NUMBER), None


def _kind_of(node: expr.Node, done: dict[int, str], kinds: dict[str, str]) -> tuple[str, str | None]:
    """The kind of ``node`` given its children's kinds (in ``done``), and an error if it has none."""
    if isinstance(node, expr.Num):
        return NUMBER, None
    if isinstance(node, expr.Str):
        return TEXT, None
    if isinstance(node, expr.Bool):
        return BOOL, None
    if isinstance(node, expr.Null):
        return NULL, None
    if isinstance(node, expr.Name):
        return kinds.get(node.name, ANY), None
    if isinstance(node, expr.ListLit):
        return LIST, None
    if isinstance(node, expr.BinOp):
        return _arith(node, done[id(node.left)], done[id(node.right)])
    if any(_power(done[id(child)]) not in (None, 0, 1) for child in expr.children(node)):
        return ANY, _SQUARED  # a product of amounts compared, tested or passed on as it is
    if isinstance(node, (expr.Compare, expr.BoolOp, expr.Not)):
        return BOOL, None
    if isinstance(node, expr.Call):
        args = [done[id(a)] for a in node.args]
        result = _RESULTS.get(node.func, ANY)
        if node.func == "if":
            return _join(args[1:]), None
        if result == "join":
            return _join(args), None
        if result == "first":
            return (args[0] if args else ANY), None
        return result, None
    return ANY, None


def formula_type_error(ast: expr.Node, kinds: dict[str, str]) -> tuple[str, int] | None:
    """The first operation of ``ast`` that makes no sense, as ``(message, 0-based column)``."""
    done: dict[int, str] = {}
    stack: list[tuple[expr.Node, bool]] = [(ast, False)]
    while stack:
        node, ready = stack.pop()
        if not ready:
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(expr.children(node)))
            continue
        kind, error = _kind_of(node, done, kinds)
        if error:
            return error, node.col
        done[id(node)] = kind
    if _power(done[id(ast)]) not in (None, 0, 1):
        return _SQUARED, ast.col
    return None
