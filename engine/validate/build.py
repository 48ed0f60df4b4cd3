"""Stage 2: turn raw documents into a typed :class:`~engine.model.Knowledge`, collecting every
problem (never stopping at the first one).
"""

from __future__ import annotations

from typing import Any

from engine.errors import KnowledgeError
from engine.load.files import RawKnowledge
from engine.load.yamlio import LDict, mark_of
from engine.model import expr
from engine.model.conditions import PLACEHOLDER
from engine.model.knowledge import (
    FACT_TYPES,
    SOURCE_KINDS,
    VALUE_TYPES,
    ConclusionDef,
    FactDef,
    Knowledge,
    Parameter,
    ParamValue,
    Source,
    ValueDef,
)
from engine.validate.checker import (
    KEBAB,
    SNAKE,
    Checker,
    check_entries,
    check_names,
    clip,
    is_date,
    kind_of,
    loc,
    parse_citations,
    plain_yaml,
)
from engine.validate.formula_types import formula_type_error, name_kinds
from engine.validate.graph import check_rule_graph
from engine.validate.interview import validate_interview
from engine.validate.markdown import check_authored_text
from engine.validate.numbers import authored_number, fact_bounds, fact_default
from engine.validate.rules import validate_rules
from engine.validate.schema import (
    CONCLUSION_KEYS,
    FACT_KEYS,
    FAQ_KEYS,
    MYTH_KEYS,
    PARAM_KEYS,
    PARAM_VALUE_KEYS,
    SOURCE_KEYS,
    UNITS,
    VALUE_KEYS,
)
from engine.validate.situation import coerce_fact

__all__ = ["validate", "build_knowledge", "parse_citations"]


def build_knowledge(raw: RawKnowledge) -> tuple[Knowledge, Checker]:
    """Validate everything; return the (possibly partial) knowledge and all problems found."""
    check = Checker()
    check.problems.extend(plain_yaml(p) for p in raw.problems)
    facts, conclusions = _facts(raw, check)
    sources = _sources(raw, check)
    params, years = _parameters(raw, check, sources)
    names = set(facts) | set(params)
    values = _values(raw, check, facts, params, sources, names)
    rules = validate_rules(raw, check, facts, conclusions, params, values, sources)
    knowledge = Knowledge(str(raw.root), facts, conclusions, sources, params, values, rules, years, raw.version, files=raw.files)
    for kind, docs, allowed, required in (
        ("faq", raw.faq, FAQ_KEYS, ("id", "question", "answer")),
        ("myths", raw.myths, MYTH_KEYS, ("id", "claim", "correction")),
    ):
        known: dict[str, Any] = {"sources": sources, "ids": {}}
        for name, doc in docs:
            entries = check_entries(check, name, doc, kind, allowed, required, known)
            check_authored_text(check, name, doc, kind)
            getattr(knowledge, kind).extend(entries)
    check_rule_graph(knowledge, check)
    knowledge.interview = validate_interview(raw, check, knowledge)
    return knowledge, check


def validate(raw: RawKnowledge) -> Knowledge:
    """Validate and raise :class:`KnowledgeError` with every error (warnings are kept aside)."""
    knowledge, check = build_knowledge(raw)
    errors = [p for p in check.problems if p.severity == "error"]
    if errors:
        raise KnowledgeError(sorted(errors))
    return knowledge


def _facts(raw: RawKnowledge, check: Checker) -> tuple[dict[str, FactDef], dict[str, ConclusionDef]]:
    facts: dict[str, FactDef] = {}
    conclusions: dict[str, ConclusionDef] = {}
    for path, doc in raw.facts:
        top = check.mapping(path, doc, "")
        if top is None:
            continue
        check.keys(path, top, "", ("facts", "conclusions"), ("facts",))
        for name, entry in (check.mapping(path, top.get("facts"), "facts", top, "facts") or {}).items():
            fact = _fact(path, f"facts.{name}", name, entry, check, top["facts"])
            if fact:
                facts[name] = fact
        for name, entry in (check.mapping(path, top.get("conclusions") or LDict(), "conclusions") or {}).items():
            key = f"conclusions.{name}"
            if not isinstance(entry, dict):
                check.error(path, mark_of(top["conclusions"], name), key, "expected a mapping")
                continue
            check.keys(path, entry, key, CONCLUSION_KEYS, ("type", "description"))
            ctype = entry.get("type")
            if ctype not in ("bool", "enum"):
                check.error(path, mark_of(entry, "type"), f"{key}.type", f"expected one of: bool, enum but received: {ctype!r}")
            if name in facts:
                check.error(path, mark_of(top["conclusions"], name), key, "a fact has the same name")
            conclusions[name] = ConclusionDef(
                name,
                str(ctype),
                check.text(path, entry, key, "description"),
                tuple(str(v) for v in entry.get("values") or ()),
                loc(path, top["conclusions"], name),
            )
    return facts, conclusions


def _fact(path: str, key: str, name: Any, entry: Any, check: Checker, parent: LDict) -> FactDef | None:
    if not isinstance(name, str) or not SNAKE.match(name):
        check.error(path, mark_of(parent, name), key, "fact names are snake_case (a-z, 0-9, _)")
        return None
    if not isinstance(entry, dict):
        check.error(path, mark_of(parent, name), key, f"expected a mapping, found {kind_of(entry)}")
        return None
    check.keys(path, entry, key, FACT_KEYS, ("type", "description", "question"))
    ftype = entry.get("type")
    if ftype not in FACT_TYPES:
        check.unknown_name(path, mark_of(entry, "type"), f"{key}.type", "type", ftype, FACT_TYPES)
        ftype = "money"
    values = tuple(str(v) for v in entry.get("values") or ())
    if ftype == "enum" and not values:
        check.error(path, mark_of(entry), f"{key}.values", "an enum fact needs a list of values")
    items: list[tuple[str, str]] = []
    item_facts: list[FactDef] = []
    if ftype == "list":
        for iname, idef in (entry.get("items") or {}).items():
            itype = idef.get("type") if isinstance(idef, dict) else None
            if itype not in ("int", "money", "number", "bool"):
                check.error(
                    path,
                    mark_of(entry["items"], iname),
                    f"{key}.items.{iname}.type",
                    f"expected one of: int, money, number, bool but received: {itype!r}",
                )
            items.append((str(iname), str(itype)))
            low, high = (
                fact_bounds(path, f"{key}.items.{iname}", idef, check, str(itype)) if isinstance(idef, dict) else (None, None)
            )
            item_facts.append(FactDef(str(iname), str(itype), "", "", min=low, max=high))
    low, high = fact_bounds(path, key, entry, check, str(ftype))
    assume, has_assume = _assume(path, key, name, entry, check, str(ftype), values, item_facts, (low, high))
    probe = FactDef(name, str(ftype), "", "", values=values, min=low, max=high, items=tuple(items), item_facts=tuple(item_facts))
    return FactDef(
        name=name,
        type=str(ftype),
        description=check.text(path, entry, key, "description"),
        question=check.text(path, entry, key, "question"),
        group=str(entry.get("group") or "other"),
        help=check.text(path, entry, key, "help"),
        values=values,
        default=fact_default(path, key, entry, check, probe),
        has_default="default" in entry,
        min=low,
        max=high,
        items=tuple(items),
        item_facts=tuple(item_facts),
        loc=loc(path, parent, name),
        yes_means=check.text(path, entry, key, "yes_means"),
        no_means=check.text(path, entry, key, "no_means"),
        assume=assume,
        has_assume=has_assume,
        assume_phrase=check.text(path, entry, key, "assume_phrase", required=has_assume),
    )


def _assume(
    path: str,
    key: str,
    name: str,
    entry: dict[str, Any],
    check: Checker,
    ftype: str,
    values: tuple[str, ...],
    item_facts: list[FactDef],
    bounds: tuple[Any, Any],
) -> tuple[Any, bool]:
    """The declared assumption, typed as a given value would be; an invalid one is an error."""
    if "assume" not in entry:
        return None, False
    if "default" in entry:
        check.error(path, mark_of(entry, "assume"), f"{key}.assume", "a fact has either 'default' or 'assume', not both")
    items = tuple((f.name, f.type) for f in item_facts)
    probe = FactDef(name, ftype, "", "", values=values, min=bounds[0], max=bounds[1], items=items, item_facts=tuple(item_facts))
    value, error = coerce_fact(probe, entry["assume"])
    if error:
        check.error(path, mark_of(entry, "assume"), f"{key}.assume", f"not a valid value of the fact: {error}")
        return None, False
    return value, True


def _sources(raw: RawKnowledge, check: Checker) -> dict[str, Source]:
    sources: dict[str, Source] = {}
    for path, doc in raw.sources:
        top = check.mapping(path, doc, "")
        if top is None:
            continue
        check.keys(path, top, "", ("sources",), ("sources",))
        entries: dict[Any, Any] = check.mapping(path, top.get("sources"), "sources", top, "sources") or {}
        for sid, entry in entries.items():
            key = f"sources.{sid}"
            if not isinstance(sid, str) or not KEBAB.match(sid):
                check.error(path, mark_of(entries, sid), key, "source ids are kebab-case (a-z, 0-9, -)")
            if not isinstance(entry, dict):
                check.error(path, mark_of(entries, sid), key, f"expected a mapping, found {kind_of(entry)}")
                continue
            check.keys(path, entry, key, SOURCE_KEYS, ("title", "kind", "url"))
            kind = entry.get("kind")
            if kind not in SOURCE_KINDS:
                check.unknown_name(path, mark_of(entry, "kind"), f"{key}.kind", "source kind", kind, SOURCE_KINDS)
            date = entry.get("date")
            if date is not None and not is_date(date):
                check.error(
                    path,
                    mark_of(entry, "date"),
                    f"{key}.date",
                    f"expected a real date as YYYY-MM-DD, such as 2024-11-01, found {kind_of(date)}",
                )
            url = check.text(path, entry, key, "url")
            if url and not url.startswith("https://"):
                check.error(path, mark_of(entry, "url"), f"{key}.url", "expected an https:// address")
            sources[str(sid)] = Source(
                str(sid),
                check.text(path, entry, key, "title"),
                str(kind),
                url,
                str(entry.get("pinpoint") or ""),
                check.text(path, entry, key, "summary"),
                str(entry.get("date") or ""),
                loc(path, entries, sid),
                check.text(path, entry, key, "short"),
            )
    return sources


def _rank(path: str, entry: dict[str, Any], key: str, check: Checker) -> int | None:
    rank = entry.get("rank")
    if rank is None:
        return None
    if not isinstance(rank, int) or isinstance(rank, bool) or rank < 1:
        check.error(path, mark_of(entry, "rank"), f"{key}.rank", f"expected a whole number from 1, found {kind_of(rank)}")
        return None
    return rank


def _parameters(raw: RawKnowledge, check: Checker, sources: dict[str, Source]) -> tuple[dict[str, Parameter], tuple[int, ...]]:
    params: dict[str, Parameter] = {}
    all_years: set[int] = set()
    for path, doc in raw.parameters:
        top = check.mapping(path, doc, "")
        if top is None:
            continue
        check.keys(path, top, "", ("parameters",), ("parameters",))
        entries: dict[Any, Any] = check.mapping(path, top.get("parameters"), "parameters", top, "parameters") or {}
        for name, entry in entries.items():
            key = f"parameters.{name}"
            if name in params:
                check.error(path, mark_of(entries, name), key, f"parameter defined twice (also in {params[name].loc.path})")
            if not isinstance(entry, dict):
                check.error(path, mark_of(entries, name), key, f"expected a mapping, found {kind_of(entry)}")
                continue
            check.keys(path, entry, key, PARAM_KEYS, ("description", "unit", "values"))
            unit = entry.get("unit")
            if unit not in UNITS:
                check.unknown_name(path, mark_of(entry, "unit"), f"{key}.unit", "unit", unit, UNITS)
            values: dict[int, ParamValue] = {}
            ventries = _raw if isinstance(_raw := entry.get("values"), dict) else {}
            for year, ventry in ventries.items():
                vkey = f"{key}.values.{year}"
                if not isinstance(year, int) or isinstance(year, bool) or not 1990 <= year <= 2100:
                    check.error(path, mark_of(ventries, year), vkey, "expected a year such as 2025")
                    continue
                if not isinstance(ventry, dict):
                    check.error(path, mark_of(ventries, year), vkey, "expected {value: ..., source: ...}")
                    continue
                check.keys(path, ventry, vkey, PARAM_VALUE_KEYS, ("value", "source"))
                value = _param_value(ventry.get("value"), entry.get("by"), path, ventry, vkey, check)
                sid = ventry.get("source")
                if sid is not None and sid not in sources:
                    check.unknown_name(path, mark_of(ventry, "source"), f"{vkey}.source", "source", sid, sources)
                values[year] = ParamValue(value, str(sid), str(ventry.get("note") or ""), loc(path, ventries, year))
                all_years.add(year)
            params[str(name)] = Parameter(
                str(name),
                check.text(path, entry, key, "description"),
                str(unit),
                values,
                entry.get("by"),
                str(entry.get("reference") or ""),
                loc(path, entries, name),
                _rank(path, entry, key, check),
            )
    years = tuple(sorted(all_years))
    for param in params.values():
        missing = [y for y in years if y not in param.values]
        if missing:
            check.error(
                param.loc.path,
                (param.loc.line, param.loc.column),
                f"parameters.{param.name}.values",
                f"no value for {', '.join(map(str, missing))}; every parameter needs a value for every "
                f"supported year ({years[0]}-{years[-1]})",
            )
        columns = {tuple(sorted(v.value)) for v in param.values.values() if isinstance(v.value, dict)}
        if len(columns) > 1:
            check.error(
                param.loc.path,
                (param.loc.line, param.loc.column),
                f"parameters.{param.name}.values",
                "every year must have the same columns",
            )
    return params, years


def _param_value(value: Any, by: Any, path: str, entry: dict[str, Any], key: str, check: Checker) -> Any:
    def scalar(v: Any, where: tuple[int, int], k: str) -> Any:
        if isinstance(v, bool):
            return v
        if not isinstance(v, (int, float)):
            check.error(path, where, k, f"expected a number or true/false, found {kind_of(v)}")
            return None
        number, error = authored_number(v)
        if error:
            check.error(path, where, k, error)
        return number

    if by:
        if not isinstance(value, dict):
            check.error(path, mark_of(entry, "value"), f"{key}.value", f"expected a mapping of '{by}' values to numbers")
            return {}
        return {str(k): scalar(v, mark_of(value, k), f"{key}.value.{k}") for k, v in value.items()}
    return scalar(value, mark_of(entry, "value"), f"{key}.value")


def _values(
    raw: RawKnowledge,
    check: Checker,
    facts: dict[str, FactDef],
    params: dict[str, Parameter],
    sources: dict[str, Source],
    names: set[str],
) -> dict[str, ValueDef]:
    values: dict[str, ValueDef] = {}
    pending: list[tuple[str, str, dict[str, Any], Any]] = []
    for path, doc in raw.values:
        top = check.mapping(path, doc, "")
        if top is None:
            continue
        check.keys(path, top, "", ("values",), ("values",))
        entries: dict[Any, Any] = check.mapping(path, top.get("values"), "values", top, "values") or {}
        for name, entry in entries.items():
            key = f"values.{name}"
            if name in names:
                check.error(path, mark_of(entries, name), key, "a fact or parameter already has this name")
            if not isinstance(entry, dict):
                check.error(path, mark_of(entries, name), key, f"expected a mapping, found {kind_of(entry)}")
                continue
            check.keys(path, entry, key, VALUE_KEYS, ("type", "description", "formula"))
            vtype = entry.get("type")
            if vtype not in VALUE_TYPES:
                check.unknown_name(path, mark_of(entry, "type"), f"{key}.type", "type", vtype, VALUE_TYPES)
            pending.append((path, str(name), entry, entries))
    known = names | {n for _, n, _, _ in pending}
    kinds = name_kinds(facts, params, {n: e.get("type") for _, n, e, _ in pending})
    for path, name, entry, entries in pending:
        key = f"values.{name}"
        text = str(entry.get("formula") or "")
        try:
            ast = expr.parse(text)
        except expr.ParseError as exc:
            line, col = mark_of(entry, "formula")
            check.error(
                path,
                (line + 1 if text.startswith(("|", ">")) else line, col),
                f"{key}.formula",
                f"{exc.message} at column {exc.column + 1} of '{clip(text)}'",
            )
            continue
        check_names(path, mark_of(entry, "formula"), f"{key}.formula", ast, known, check)
        type_error = formula_type_error(ast, kinds)
        if type_error:
            check.error(
                path,
                mark_of(entry, "formula"),
                f"{key}.formula",
                f"{type_error[0]} at column {type_error[1] + 1} of '{clip(text)}'",
            )
        values[name] = ValueDef(
            name,
            str(entry.get("type")),
            check.text(path, entry, key, "description"),
            text,
            ast,
            bool(entry.get("figure")),
            entry.get("form8606"),
            parse_citations(path, entry, "sources", check, sources, key) or (),
            loc(path, entries, name),
        )
    for param in params.values():
        if param.by and param.by not in known:
            check.unknown_name(
                param.loc.path, (param.loc.line, param.loc.column), f"parameters.{param.name}.by", "name", param.by, known
            )
    _check_formula_assumptions(facts, values, check)
    for fact in facts.values():
        where = (fact.loc.line, fact.loc.column)
        for field in ("yes_means", "no_means"):
            text = getattr(fact, field)
            if text and fact.type != "bool":
                check.error(fact.loc.path, where, f"facts.{fact.name}.{field}", "only yes/no (bool) facts have it")
            for placeholder in PLACEHOLDER.findall(text):
                if placeholder not in known:
                    check.unknown_name(fact.loc.path, where, f"facts.{fact.name}.{field}", "placeholder", placeholder, known)
    return values


def _check_formula_assumptions(facts: dict[str, FactDef], values: dict[str, ValueDef], check: Checker) -> None:
    """``default(fact, fallback)`` assumes an answer: the fact must word it (``assume_phrase``),
    and a phrase without ``assume`` must belong to a fact some formula assumes that way.
    """
    assumed: set[str] = set()
    for value in values.values():
        stack = [value.ast]
        while stack:
            node = stack.pop()
            if isinstance(node, expr.Call) and node.func == "default" and len(node.args) == 2:
                target, fallback = node.args
                if isinstance(target, expr.Name) and not isinstance(fallback, expr.Null) and target.name in facts:
                    assumed.add(target.name)
                    fact = facts[target.name]
                    if not fact.assume_phrase:
                        check.error(
                            value.loc.path,
                            (value.loc.line, value.loc.column),
                            f"values.{value.name}.formula",
                            f"default({target.name}, ...) assumes an answer for '{target.name}': give that fact an "
                            "assume_phrase in facts.yaml so the explanation can say so",
                        )
            stack.extend(expr.children(node))
    for fact in facts.values():
        if fact.assume_phrase and not fact.has_assume and fact.name not in assumed:
            check.error(
                fact.loc.path,
                (fact.loc.line, fact.loc.column),
                f"facts.{fact.name}.assume_phrase",
                "an assume_phrase needs 'assume' (the assumed value) or a formula default(fact, fallback)",
            )
