"""Validation of rules: structure, conditions (with types), advice placeholders, citations,
and the rule graph (duplicate ids, chains through conclusions, cycles).
"""

from __future__ import annotations

import re
from typing import Any

from engine.errors import suggest
from engine.load.files import RawKnowledge
from engine.load.yamlio import mark_of
from engine.model import expr
from engine.model.conditions import PLACEHOLDER
from engine.model.knowledge import (
    RULE_COSTS,
    RULE_KINDS,
    AfterFix,
    ConclusionDef,
    DoneWhen,
    FactDef,
    Group,
    Leaf,
    Loc,
    Parameter,
    Rule,
    Source,
    ValueDef,
)
from engine.validate.checker import KEBAB, Checker, clip, kind_of, loc, parse_citations, todo_warnings
from engine.validate.schema import RULE_KEYS, THEN_KEYS

__all__ = ["validate_rules"]

NUMERIC = ("int", "number", "money", "year", "ratio")
#: Most values an ``in`` / ``not in`` list may hold. Each becomes its own test inside
#: durable_rules, which hangs in its C code (ignoring Ctrl-C) once a ruleset holds about 512
#: of them; a list longer than this is a sign a range (``>=``/``<=``) was meant.
MAX_IN_VALUES = 50
#: The operator that is true exactly when the key is false (for known, applicable values).
NEGATE = {"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">", "in": "not in", "not in": "in"}


def validate_rules(
    raw: RawKnowledge,
    check: Checker,
    facts: dict[str, FactDef],
    conclusions: dict[str, ConclusionDef],
    params: dict[str, Parameter],
    values: dict[str, ValueDef],
    sources: dict[str, Source],
) -> list[Rule]:
    """Validate every rule file; return the rules that could be built."""
    types = _types(facts, params, values)
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for path, doc in raw.rules:
        top = check.mapping(path, doc, "")
        if top is None:
            continue
        check.keys(path, top, "", ("rules",), ("rules",))
        items = top.get("rules")
        if not isinstance(items, list):
            check.error(path, mark_of(top, "rules"), "rules", "expected a list of rules")
            continue
        for i, entry in enumerate(items):
            key = f"rules[{i}]"
            if not isinstance(entry, dict):
                check.error(path, mark_of(items, i), key, f"expected a mapping, found {kind_of(entry)}")
                continue
            rid = entry.get("id")
            if isinstance(rid, str):
                key = f"rules[{i}]({rid})"
            check.keys(path, entry, key, RULE_KEYS, ("id", "title", "kind", "when", "then", "because", "sources"))
            if not isinstance(rid, str) or not KEBAB.match(rid):
                fixed = re.sub(r"[^a-z0-9]+", "-", str(rid).lower()).strip("-") if isinstance(rid, str) else None
                check.error(
                    path,
                    mark_of(entry, "id"),
                    f"{key}.id",
                    "rule ids are kebab-case: lowercase words and digits joined by '-'",
                    fixed or None,
                )
                continue
            if rid in seen:
                check.error(path, mark_of(entry, "id"), f"{key}.id", f"duplicate rule id (first defined at {seen[rid]})")
                continue
            seen[rid] = f"{path}:{mark_of(entry, 'id')[0]}"
            rule = _rule(path, key, entry, check, types, facts, conclusions, sources, parse_citations)
            if rule:
                rules.append(rule)
    return rules


def _types(
    facts: dict[str, FactDef], params: dict[str, Parameter], values: dict[str, ValueDef]
) -> dict[str, tuple[str, tuple[str, ...]]]:
    out = {n: (f.type, f.values) for n, f in facts.items()}
    out.update({n: ("bool" if p.unit == "bool" else "number", ()) for n, p in params.items()})
    out.update({n: (v.type, ()) for n, v in values.items()})
    return out


def _rule(
    path: str,
    key: str,
    entry: Any,
    check: Checker,
    types: dict,
    facts: dict,
    conclusions: dict,
    sources: dict,
    parse_citations: Any,
) -> Rule | None:
    kind = entry.get("kind")
    if kind not in RULE_KINDS:
        check.unknown_name(path, mark_of(entry, "kind"), f"{key}.kind", "rule kind", kind, RULE_KINDS)
    importance = entry.get("importance", 50)
    if not isinstance(importance, int) or isinstance(importance, bool) or not 1 <= importance <= 100:
        check.error(
            path,
            mark_of(entry, "importance"),
            f"{key}.importance",
            f"expected a whole number from 1 to 100, found {kind_of(importance)}",
        )
        importance = 50
    when = _condition(path, f"{key}.when", entry.get("when"), entry, "when", check, types, conclusions, top=True)
    then = entry.get("then")
    conclude: list[tuple[str, Any]] = []
    advice = ""
    deadline = ""
    if isinstance(then, dict):
        check.keys(path, then, f"{key}.then", THEN_KEYS, ("advice",))
        advice = check.text(path, then, f"{key}.then", "advice")
        deadline = check.text(path, then, f"{key}.then", "deadline")
        for field, text in (("advice", advice), ("deadline", deadline)):
            for name in PLACEHOLDER.findall(text):
                if name not in types:
                    check.unknown_name(path, mark_of(then, field), f"{key}.then.{field}", "placeholder", name, types)
        concl = then.get("conclude") or {}
        if not isinstance(concl, dict):
            check.error(path, mark_of(then, "conclude"), f"{key}.then.conclude", "expected a mapping of conclusion: value")
            concl = {}
        for cname, cvalue in concl.items():
            ckey = f"{key}.then.conclude.{cname}"
            cdef = conclusions.get(cname)
            if cdef is None:
                check.unknown_name(path, mark_of(concl, cname), ckey, "conclusion", cname, conclusions)
            elif cdef.type == "bool" and not isinstance(cvalue, bool):
                check.error(path, mark_of(concl, cname), ckey, f"expected true or false, found {kind_of(cvalue)}")
            elif cdef.type == "enum" and cvalue not in cdef.values:
                check.unknown_name(path, mark_of(concl, cname), ckey, f"value for {cname}", cvalue, cdef.values)
            conclude.append((str(cname), cvalue))
    elif then is not None:
        check.error(path, mark_of(entry, "then"), f"{key}.then", "expected a mapping with advice (and optional conclude)")
    cites = parse_citations(path, entry, "sources", check, sources, key)
    if cites is not None and "sources" in entry and not any(sources[c.source].primary for c in cites):
        check.error(
            path,
            mark_of(entry, "sources"),
            f"{key}.sources",
            "cites no primary source (statute, regulation, IRS form, publication or notice); a "
            "practitioner source may add to a primary source, never replace it",
        )
    cites = cites or ()
    corrects = entry.get("corrects") or ()
    if isinstance(corrects, str):
        corrects = (corrects,)
    excludes = entry.get("excludes") or []
    if not isinstance(excludes, list) or not all(isinstance(x, str) and KEBAB.match(x) for x in excludes):
        check.error(path, mark_of(entry, "excludes"), f"{key}.excludes", "expected a list of rule ids such as [other-rule]")
        excludes = []
    todo_warnings(check, path, entry, key)
    cost, order = _cost_and_order(path, key, entry, check)
    done_when = _done_when(path, key, entry, check, types, facts)
    after_fix = _after_fix(path, key, entry, check, types, facts)
    brief = check.text(path, entry, key, "brief")
    _placeholders(path, key, entry, "brief", brief, check, types)
    if when is None:
        return None
    return Rule(
        entry["id"],
        check.text(path, entry, key, "title", True),
        str(kind),
        importance,
        when,
        advice,
        check.text(path, entry, key, "because", True),
        cites,
        tuple(conclude),
        str(entry.get("topic") or ""),
        deadline,
        tuple(str(c) for c in corrects),
        loc(path, entry),
        tuple(excludes),
        cost,
        order,
        done_when,
        after_fix,
        " ".join(brief.split()),
    )


def _cost_and_order(path: str, key: str, entry: Any, check: Checker) -> tuple[str, int]:
    """The ranking keys: what ignoring the rule costs, and its place within a plan."""
    cost = entry.get("cost", "none")
    if cost not in RULE_COSTS:
        check.unknown_name(path, mark_of(entry, "cost"), f"{key}.cost", "cost", cost, RULE_COSTS)
        cost = "none"
    order = entry.get("order", 0)
    if not isinstance(order, int) or isinstance(order, bool) or not 0 <= order <= 20:
        check.error(
            path, mark_of(entry, "order"), f"{key}.order", f"expected a whole number from 0 to 20, found {kind_of(order)}"
        )
        order = 0
    return str(cost), order


def _placeholders(path: str, key: str, parent: Any, field: str, text: str, check: Checker, types: dict) -> None:
    for name in PLACEHOLDER.findall(text):
        if name not in types:
            check.unknown_name(path, mark_of(parent, field), f"{key}.{field}", "placeholder", name, types)


def _done_when(path: str, key: str, entry: Any, check: Checker, types: dict, facts: dict) -> DoneWhen | None:
    """``done_when: {facts: [...], says: ...}``: when the facts say the step was already done."""
    raw = entry.get("done_when")
    if raw is None:
        return None
    body = check.mapping(path, raw, f"{key}.done_when", entry, "done_when")
    if body is None:
        return None
    check.keys(path, body, f"{key}.done_when", ("facts", "says"), ("facts", "says"))
    names = body.get("facts")
    if not isinstance(names, list) or not names:
        check.error(path, mark_of(body, "facts"), f"{key}.done_when.facts", "expected a list of fact names")
        return None
    for name in names:
        if name not in facts:
            check.unknown_name(path, mark_of(body, "facts"), f"{key}.done_when.facts", "fact", name, facts)
    says = check.text(path, body, f"{key}.done_when", "says", True)
    _placeholders(path, f"{key}.done_when", body, "says", says, check, types)
    return DoneWhen(tuple(str(n) for n in names), says)


def _after_fix(path: str, key: str, entry: Any, check: Checker, types: dict, facts: dict) -> AfterFix | None:
    """``after_fix: {facts: {fact: value or formula}, figure: name, says: ...}``."""
    raw = entry.get("after_fix")
    if raw is None:
        return None
    where = f"{key}.after_fix"
    body = check.mapping(path, raw, where, entry, "after_fix")
    if body is None:
        return None
    check.keys(path, body, where, ("facts", "figure", "says"), ("facts", "figure", "says"))
    changes = body.get("facts")
    if not isinstance(changes, dict) or not changes:
        check.error(path, mark_of(body, "facts"), f"{where}.facts", "expected a mapping of fact: value or formula")
        return None
    parsed: list[tuple[str, expr.Node]] = []
    for name, value in changes.items():
        if name not in facts:
            check.unknown_name(path, mark_of(changes, name), f"{where}.facts", "fact", name, facts)
            continue
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        try:
            node = expr.parse(text)
        except expr.ParseError as exc:
            check.error(path, mark_of(changes, name), f"{where}.facts.{name}", f"not a formula: {exc}")
            continue
        for ref in sorted(expr.names_in(node)):
            if ref not in types:
                check.unknown_name(path, mark_of(changes, name), f"{where}.facts.{name}", "name", ref, types)
        parsed.append((str(name), node))
    figure = body.get("figure")
    if figure not in types:
        check.unknown_name(path, mark_of(body, "figure"), f"{where}.figure", "figure", figure, types)
    says = check.text(path, body, where, "says", True)
    _placeholders(path, where, body, "says", says, check, types)
    return AfterFix(tuple(parsed), str(figure), says)


def _condition(
    path: str,
    key: str,
    cond: Any,
    parent: Any,
    pkey: Any,
    check: Checker,
    types: dict,
    conclusions: dict,
    top: bool = False,
    negated: bool = False,
) -> Any:
    where = mark_of(parent, pkey)
    if isinstance(cond, str):
        return _leaf(path, key, cond, where, check, types, conclusions, top, negated)
    if isinstance(cond, dict):
        if len(cond) != 1:
            found = ", ".join(map(str, cond)) or "nothing"
            check.error(path, where, key, f"expected exactly one of all, any, not; found {found}")
            return None
        ((op, body),) = cond.items()
        if op not in ("all", "any", "not"):
            check.unknown_name(path, mark_of(cond, op), f"{key}.{op}", "condition group", op, ("all", "any", "not"))
            return None
        if op == "not":
            return _condition(path, f"{key}.not", body, cond, op, check, types, conclusions, False, not negated)
        if not isinstance(body, list) or not body:
            check.error(path, mark_of(cond, op), f"{key}.{op}", "expected a non-empty list of conditions")
            return None
        if negated:  # De Morgan: not(all(a, b)) = any(not a, not b)
            op = "any" if op == "all" else "all"
        items = [
            _condition(path, f"{key}.{op}[{i}]", item, body, i, check, types, conclusions, top and op == "all", negated)
            for i, item in enumerate(body)
        ]
        if any(item is None for item in items):
            return None
        return Group(op, tuple(items), loc(path, parent, pkey))
    check.error(
        path, where, key, f"expected a condition such as 'magi >= roth_phaseout_end' or all/any/not, found {kind_of(cond)}"
    )
    return None


def _leaf(
    path: str,
    key: str,
    text: str,
    where: tuple[int, int],
    check: Checker,
    types: dict,
    conclusions: dict,
    top: bool,
    negated: bool,
) -> Leaf | None:
    try:
        node = expr.parse(text)
    except expr.ParseError as exc:
        check.error(path, (where[0], where[1] + exc.column), key, f"{exc.message} in '{clip(text)}'")
        return None
    if not isinstance(node, expr.Compare) or not isinstance(node.left, expr.Name):
        check.error(path, where, key, f"expected 'NAME OP VALUE' (e.g. 'magi >= roth_phaseout_end'), found '{clip(text)}'")
        return None
    name, op, right = node.left.name, node.op, node.right
    column = (where[0], where[1] + node.left.col)
    if name in conclusions:
        if negated or not top:
            check.error(path, column, key, f"conclusion '{name}' can only be tested positively at the top level of 'all'")
            return None
        return _conclusion_leaf(path, key, text, node, where, check, conclusions[name])
    if name not in types:
        check.unknown_name(path, column, key, "fact or value", name, list(types) + list(conclusions))
        return None
    ltype, enum_values = types[name]
    checked_right = _right(path, key, right, where, check, types, ltype, enum_values, name, op)
    if checked_right is None:
        return None
    if negated:
        op = NEGATE[op]
    return Leaf(text, name, op, checked_right, False, _loc(path, where))


def _loc(path: str, where: tuple[int, int]) -> Any:
    return Loc(path, where[0], where[1])


def _right(
    path: str,
    key: str,
    right: expr.Node,
    where: tuple[int, int],
    check: Checker,
    types: dict,
    ltype: str,
    enum_values: tuple[str, ...],
    name: str,
    op: str,
) -> expr.Node | None:
    col = (where[0], where[1] + right.col)
    if op in ("in", "not in"):
        if not isinstance(right, expr.ListLit):
            check.error(path, col, key, f"'{op}' needs a list such as [single, head_of_household]")
            return None
        if len(right.items) > MAX_IN_VALUES:
            check.error(
                path,
                col,
                key,
                f"'{op}' lists {len(right.items)} values (at most {MAX_IN_VALUES}); compare with a range (>=, <=) instead",
            )
            return None
        items = [_right(path, key, item, where, check, types, ltype, enum_values, name, "==") for item in right.items]
        return None if any(i is None for i in items) else expr.ListLit(right.col, tuple(items))  # type: ignore[arg-type]
    if isinstance(right, expr.Name) and ltype == "enum" and right.name not in types:
        right = expr.Str(right.col, right.name)
    if isinstance(right, expr.Name):
        if right.name not in types and ltype in NUMERIC:
            check.error(
                path,
                col,
                key,
                f"'{name}' is {ltype}; compare it with a number or the name of a fact, value "
                f"or parameter, not the word '{right.name}'",
                suggest(right.name, types),
            )
            return None
        if right.name not in types:
            check.unknown_name(path, col, key, "fact, value or parameter", right.name, types)
            return None
        return right
    if isinstance(right, expr.Str):
        if ltype != "enum":
            check.error(path, col, key, f"'{name}' is {ltype}; it cannot be compared with the word '{right.value}'")
            return None
        if right.value not in enum_values:
            check.unknown_name(path, col, key, f"value for {name}", right.value, enum_values)
            if enum_values:
                return None
        return right
    if isinstance(right, expr.Bool):
        if ltype != "bool":
            check.error(path, col, key, f"'{name}' is {ltype}; compare it with a number, not true/false")
            return None
        return right
    if isinstance(right, expr.Num):
        if ltype not in NUMERIC:
            check.error(path, col, key, f"'{name}' is {ltype}; it cannot be compared with the number {right.value}")
            return None
        if op not in ("==", "!=", "<", "<=", ">", ">=", "in", "not in"):
            return None
        return right
    check.error(path, col, key, "the right side must be a number, true/false, a word, a list or a name")
    return None


def _conclusion_leaf(
    path: str, key: str, text: str, node: expr.Compare, where: tuple[int, int], check: Checker, cdef: ConclusionDef
) -> Leaf | None:
    right = node.right
    if node.op not in ("==", "in"):
        check.error(path, where, key, f"conclusion '{cdef.name}' can only be tested with == or in")
        return None
    items = right.items if isinstance(right, expr.ListLit) else (right,)
    fixed = []
    for item in items:
        if isinstance(item, expr.Name):
            item = expr.Str(item.col, item.name)
        if cdef.type == "bool" and not isinstance(item, expr.Bool):
            check.error(path, where, key, f"conclusion '{cdef.name}' is true/false")
            return None
        if cdef.type == "enum" and (not isinstance(item, expr.Str) or item.value not in cdef.values):
            value = getattr(item, "value", "?")
            check.unknown_name(path, where, key, f"value for {cdef.name}", value, cdef.values)
            return None
        fixed.append(item)
    new_right = expr.ListLit(right.col, tuple(fixed)) if node.op == "in" else fixed[0]
    return Leaf(text, cdef.name, node.op, new_right, True, _loc(path, where))
