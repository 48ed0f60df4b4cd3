"""Reading a person's facts: types, money strings, dates, unknown keys, years.

Every error names the file, the line (when the input is YAML/JSON text), the field and what
was expected, and is raised as one :class:`~engine.errors.InputError` listing all problems.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from engine.errors import InputError, Problem, suggest
from engine.load.yamlio import mark_of, parse_yaml
from engine.model.knowledge import Knowledge
from engine.validate.values import MAX_ENTRIES, MAX_MONEY, coerce_fact

__all__ = ["parse_facts", "read_facts_text", "coerce_fact", "key_text", "MAX_MONEY", "MAX_PROBLEMS"]

#: Unknown keys beyond this many get no "did you mean" (each suggestion costs a fuzzy match).
_MAX_SUGGESTIONS = 5
#: Most values in a facts document: 60 facts and 200 conversions need under 2,000, and composing
#: stops at the first value beyond, so a hostile document costs a fraction of a second.
MAX_FACT_VALUES = 20_000
#: Problems listed in one error; the rest are counted in a last line.
MAX_PROBLEMS = 50


def read_facts_text(text: str, path: str) -> Any:
    """Parse a facts document (YAML or JSON) into a mapping with positions."""
    doc = parse_yaml(text, path, facts=True, max_items=MAX_ENTRIES, max_nodes=MAX_FACT_VALUES)
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


def key_text(doc: Any, key: Any) -> str:
    """A key as the source wrote it: ``null`` not ``None``, ``""`` for the empty key, long keys cut."""
    texts = getattr(doc, "texts", None)
    if isinstance(texts, dict) and key in texts:
        text = str(texts[key])
    elif key is None or isinstance(key, bool):
        text = {None: "null", True: "true", False: "false"}[key]
    else:
        text = str(key)
    if text == "":
        return '""'
    return text if len(text) <= 80 else text[:77] + "..."


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
            shown = key_text(doc, key)
            hint = suggest(shown, knowledge.facts) if len(problems) < _MAX_SUGGESTIONS and len(shown) <= 100 else None
            problems.append(Problem(path, line, col, shown, "unknown fact", hint))
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
    if len(problems) > MAX_PROBLEMS:  # a screenful says what is wrong; 40,000 lines only hide it
        more = len(problems) - MAX_PROBLEMS
        problems = problems[:MAX_PROBLEMS] + [Problem(path, 0, 0, "", f"... and {more:,} more problems")]
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
        elif facts.get("age") is not None and facts["age"] != year - born.year:
            line, col = mark_of(doc, "age")
            problems.append(
                Problem(
                    path,
                    line,
                    col,
                    "age",
                    f"{facts['age']} does not match birth_date {facts['birth_date']}, which makes you {year - born.year} on "
                    f"December 31, {year} (give one of them, or the age on that day)",
                )
            )
    on_date, in_year = facts.get("planned_withdrawal_date"), facts.get("planned_withdrawal_year")
    if on_date is not None and in_year is not None and dt.date.fromisoformat(on_date).year != in_year:
        line, col = mark_of(doc, "planned_withdrawal_date")
        problems.append(
            Problem(path, line, col, "planned_withdrawal_date", f"{on_date} is not in planned_withdrawal_year {in_year}")
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
