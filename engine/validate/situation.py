"""Reading a person's facts: types, money strings, dates, unknown keys, years.

Every error names the file, the line (when the input is YAML/JSON text), the field and what
was expected, and is raised as one :class:`~engine.errors.InputError` listing all problems.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from engine.errors import InputError, Problem, suggest
from engine.load.yamlio import mark_of, parse_yaml
from engine.model.knowledge import FactDef, Knowledge

__all__ = ["parse_facts", "read_facts_text", "coerce_fact", "MAX_MONEY"]

#: Largest amount accepted (a trillion dollars): beyond it an input is a typo or an attack.
MAX_MONEY = Decimal("1000000000000")
_MONEY = re.compile(r"^\$?\s*(\d{1,3}(,\d{3})+|\d+)(\.\d{1,2})?$")


def read_facts_text(text: str, path: str) -> Any:
    """Parse a facts document (YAML or JSON) into a mapping with positions."""
    doc = parse_yaml(text, path)
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise InputError(
            Problem(
                path,
                1,
                1,
                "",
                "expected a mapping of fact names to values "
                "(e.g. 'magi: 200000'), found " + ("a list" if isinstance(doc, list) else "a single value"),
            )
        )
    return doc


def coerce_fact(fact: FactDef, value: Any) -> tuple[Any, str | None]:
    """Convert a raw value to the fact's type; return (value, error message or None)."""
    kind = fact.type
    if kind == "money":
        return _money(value)
    if kind in ("int", "number"):
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float, Decimal))
            or (kind == "int" and isinstance(value, float) and not value.is_integer())
        ):
            if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
                digits = value.strip()
                if len(digits.lstrip("-")) > 18:  # far beyond any bound; int() of 4,300+ digits fails
                    bound = f"at most {fact.max}" if not digits.startswith("-") else f"at least {fact.min}"
                    return None, f"must be {bound}, found {digits[:57] + '...' if len(digits) > 60 else digits}"
                value = int(digits)
            else:
                return None, f"expected a whole number, found {_show(value)}"
        if isinstance(value, float) and not math.isfinite(value):
            return None, f"expected a whole number, found {_show(value)}"
        number = int(value) if kind == "int" else Decimal(str(value))
        if fact.min is not None and number < fact.min:
            return None, f"must be at least {fact.min}, found {number}"
        if fact.max is not None and number > fact.max:
            return None, f"must be at most {fact.max}, found {number}"
        return number, None
    if kind == "bool":
        if isinstance(value, bool):
            return value, None
        return None, f"expected true or false, found {_show(value)}"
    if kind == "enum":
        if isinstance(value, str) and value in fact.values:
            return value, None
        hint = suggest(str(value), fact.values)
        msg = f"expected one of: {', '.join(fact.values)}; found {_show(value)}"
        return None, msg + (f" (did you mean '{hint}'?)" if hint else "")
    if kind == "date":
        if isinstance(value, (dt.date, str)):
            try:
                return dt.date.fromisoformat(str(value)).isoformat(), None
            except ValueError:
                pass
        return None, f"expected a real date as YYYY-MM-DD, found {_show(value)}"
    if kind == "list":
        return _list(fact, value)
    return None, f"unsupported type {kind}"


def _money(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, bool) or value is None:
        return None, f'expected an amount such as 12000 or "$12,000", found {_show(value)}'
    if isinstance(value, float):
        if not math.isfinite(value):
            return None, f"expected an amount, found {_show(value)}"
        amount = Decimal(repr(value))
    elif isinstance(value, (int, Decimal)):
        amount = Decimal(value)
    elif isinstance(value, str):
        text = value.strip()
        if text.startswith("-") or text.startswith("$-"):
            return None, f"money cannot be negative, found {_show(value)}"
        if not _MONEY.match(text):
            return None, f'expected an amount such as 12000 or "$12,000.50", found {_show(value)}'
        try:
            amount = Decimal(text.replace("$", "").replace(",", "").strip())
        except InvalidOperation:
            return None, f"expected an amount, found {_show(value)}"
    else:
        return None, f"expected an amount such as 12000, found {_show(value)}"
    if amount < 0:
        return None, f"money cannot be negative, found {_show(value)}"
    if amount > MAX_MONEY:
        return None, f"amount is too large (at most $1,000,000,000,000), found {_show(value)}"
    amount = amount.quantize(Decimal("0.01")) if amount != amount.to_integral_value() else amount
    return (int(amount) if amount == amount.to_integral_value() else amount), None


def _list(fact: FactDef, value: Any) -> tuple[Any, str | None]:
    if not isinstance(value, list):
        return None, "expected a list of entries"
    if len(value) > 200:
        return None, "at most 200 entries"
    out = []
    fields = dict(fact.items)
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            return None, f"entry {i + 1}: expected a mapping with {', '.join(fields)}"
        unknown = [k for k in item if k not in fields]
        if unknown:
            hint = suggest(str(unknown[0]), fields)
            return None, f"entry {i + 1}: unknown key '{unknown[0]}'" + (f" (did you mean '{hint}'?)" if hint else "")
        entry = {}
        for name, ftype in fields.items():
            if name not in item:
                return None, f"entry {i + 1}: '{name}' is required"
            sub = FactDef(name, ftype, "", "", min=1900 if ftype == "int" else None, max=2100 if ftype == "int" else None)
            converted, error = coerce_fact(sub, item[name])
            if error:
                return None, f"entry {i + 1}: {name}: {error}"
            entry[name] = converted
        out.append(entry)
    return out, None


def _show(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (list, dict)):
        return "a list" if isinstance(value, list) else "a mapping"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def parse_facts(doc: Any, knowledge: Knowledge, path: str = "<facts>", year: int | None = None) -> dict[str, Any]:
    """Validate raw facts against the vocabulary.

    Args:
        doc: Mapping from fact name to raw value (``None`` means unknown).
        knowledge: The validated knowledge (vocabulary and supported years).
        path: Name used in messages.
        year: ``--year`` override of ``tax_year``.

    Returns:
        Typed facts; unknown facts are simply absent.

    Raises:
        InputError: listing every problem.

    """
    if not isinstance(doc, dict):
        raise InputError(Problem(path, 1, 1, "", "expected a mapping of fact names to values"))
    problems: list[Problem] = []
    facts: dict[str, Any] = {}
    for key, value in doc.items():
        line, col = mark_of(doc, key)
        fact = knowledge.facts.get(key) if isinstance(key, str) else None
        if fact is None:
            problems.append(Problem(path, line, col, str(key), "unknown fact", suggest(str(key), knowledge.facts)))
            continue
        if value is None:
            continue
        converted, error = coerce_fact(fact, value)
        if error:
            problems.append(Problem(path, line, col, key, error))
        else:
            facts[key] = converted
    if year is not None:
        facts["tax_year"] = year
    years = knowledge.years
    if "tax_year" not in facts and not any(p.key == "tax_year" for p in problems):
        problems.append(Problem(path, 0, 0, "tax_year", f"required: the year to plan for ({years[0]}-{years[-1]})"))
    elif "tax_year" in facts and facts["tax_year"] not in years:
        line, col = mark_of(doc, "tax_year") if year is None else (0, 0)
        problems.append(
            Problem(
                path, line, col, "tax_year", f"{facts['tax_year']} is not covered; rothkb has figures for {years[0]}-{years[-1]}"
            )
        )
    if not problems:
        problems += _cross_checks(doc, facts, knowledge, path)
    if problems:
        raise InputError(problems)
    return facts


def _cross_checks(doc: Any, facts: dict[str, Any], knowledge: Knowledge, path: str) -> list[Problem]:
    """Facts that are each valid but impossible together."""
    problems: list[Problem] = []
    year = facts["tax_year"]
    if "birth_date" in facts:
        line, col = mark_of(doc, "birth_date")
        born = dt.date.fromisoformat(facts["birth_date"])
        oldest = knowledge.facts["age"].max if "age" in knowledge.facts else None
        if born.year > year:
            problems.append(Problem(path, line, col, "birth_date", f"{facts['birth_date']} is after the end of tax_year {year}"))
        elif oldest is not None and year - born.year > oldest:
            problems.append(
                Problem(
                    path,
                    line,
                    col,
                    "birth_date",
                    f"{facts['birth_date']} makes you {year - born.year} on December 31, {year} (at most {oldest})",
                )
            )
    later, total = facts.get("contribution_made_next_year"), facts.get("nondeductible_contribution")
    if later is not None and total is not None and later > total:
        line, col = mark_of(doc, "contribution_made_next_year")
        problems.append(
            Problem(
                path,
                line,
                col,
                "contribution_made_next_year",
                f"${later:,} is more than the nondeductible_contribution (${total:,}) it is part of",
            )
        )
    return problems
