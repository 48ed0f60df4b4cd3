"""The "check my situation" form: fields built from the facts vocabulary, and the parsing of a
submitted form back into raw facts (the engine then validates types and ranges).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from engine import KnowledgeBase
from engine.errors import InputError
from engine.load.jsonio import JsonValueError, loads_exact
from engine.run.plan import goal_facts, plan_groups, planning_year

__all__ = ["Field", "Section", "form_groups", "form_sections", "form_context", "shown_values", "problem_messages", "parse_form"]
__all__ += ["SubmissionError", "MAX_FIELDS", "submitted_goal"]

#: At most this many fields in one submission (the vocabulary has about 50 facts).
MAX_FIELDS = 200


class SubmissionError(ValueError):
    """A malformed submission (not a fact-level problem): shown to the user, answered with HTTP 400."""


@dataclass(frozen=True)
class Field:
    """One input of the form."""

    name: str
    type: str
    label: str
    help: str
    widget: str
    options: tuple[str, ...] = ()
    placeholder: str = ""
    min: Any = None
    max: Any = None


def _field(fact: Any) -> Field:
    widget = {"bool": "yesno", "enum": "select", "list": "textarea", "date": "date", "int": "number"}.get(fact.type, "text")
    placeholder = {"money": "e.g. 12,000", "list": "one per line: year, taxable, nontaxable (e.g. 2024, 6000, 0)"}.get(
        fact.type, ""
    )
    return Field(
        fact.name,
        fact.type,
        fact.question or fact.description,
        fact.help or fact.description,
        widget,
        tuple(fact.values),
        placeholder,
        fact.min,
        fact.max,
    )


def form_groups(kb: KnowledgeBase, names: dict[str, str]) -> list[tuple[str, str, list[Field]]]:
    """``(group id, heading, fields)`` in vocabulary order, groups ordered as ``names``."""
    groups: dict[str, list[Field]] = {}
    for fact in kb.knowledge.facts.values():
        groups.setdefault(fact.group, []).append(_field(fact))
    order = sorted(groups, key=lambda g: list(names).index(g) if g in names else len(names))
    return [(g, names.get(g, g.replace("_", " ").capitalize()), groups[g]) for g in order]


@dataclass(frozen=True)
class Section:
    """One part of the form, in the interview plan's order; a gate hides the rest until answered yes."""

    id: str
    title: str
    gate: Field | None
    fields: tuple[Field, ...]
    #: The interview's wording of a grouped question, shown before its first field: {fact: text}.
    intros: dict[str, str]
    #: Goals for which the section can matter (check.js hides it for the others).
    goals: tuple[str, ...] = ()


def _plain_field(fact: Any) -> Field:
    """A field whose help is the fact's own help only (its description mostly repeats the question)."""
    f = _field(fact)
    return Field(f.name, f.type, f.label, fact.help, f.widget, f.options, f.placeholder, f.min, f.max)


def form_sections(kb: KnowledgeBase) -> list[Section]:
    """The sections of the form: the interview plan's groups (a grouped question is one field per kind)."""
    facts = kb.knowledge.facts
    goals = kb.knowledge.interview.goals
    reads = {g.id: goal_facts(kb.knowledge, g) | {"tax_year"} for g in goals}
    out = []
    for group in plan_groups(kb.knowledge):
        names = [f for q in group.questions for f in q.facts]
        gate = _plain_field(facts[group.gate.facts[0]]) if group.gate else None
        intros = {q.facts[0]: q.text for q in group.questions if q.grouped}
        every = set(names) | set(group.gate.facts if group.gate else ())
        matters = tuple(g.id for g in goals if every & reads[g.id] and (not group.goals or g.id in group.goals))
        out.append(Section(group.id, group.title, gate, tuple(_plain_field(facts[n]) for n in names), intros, matters))
    return out


def shown_values(values: dict[str, Any]) -> dict[str, str]:
    """Typed or raw answers as the form shows them back (yes/no, one conversion per line)."""
    shown = {}
    for k, v in values.items():
        if isinstance(v, bool):
            shown[k] = "yes" if v else "no"
        elif isinstance(v, list):
            shown[k] = "\n".join(", ".join(str(x) for x in row.values()) for row in v)
        else:
            shown[k] = str(v)
    return shown


def form_context(kb: KnowledgeBase, values: dict[str, Any] | None = None, errors: list[str] | None = None) -> dict[str, Any]:
    """What ``check.html.j2`` and ``check_result.html.j2`` need to show the form with these answers."""
    years = kb.knowledge.years
    shown = shown_values(values or {})
    shown.setdefault("tax_year", str(planning_year(kb.knowledge, dt.date.today().year)))
    return {
        "goals": kb.knowledge.interview.goals,
        "sections": form_sections(kb),
        "values": shown,
        "errors": errors or [],
        "years": years,
    }


def problem_messages(kb: KnowledgeBase, exc: InputError) -> list[str]:
    """Each problem in words, named by its question's label ("Tax year: choose a year from 2023 to 2026")."""
    years = kb.knowledge.years
    out = []
    for p in exc.problems:
        fact = kb.knowledge.facts.get(p.key or "")
        label = fact.description.split(" (")[0].rstrip(".") if fact else (p.key or "Your answers")
        message = p.message
        if p.key == "tax_year":
            label, message = "Tax year", f"choose a year from {years[0]} to {years[-1]}"
        hint = f" (did you mean '{p.suggestion}'?)" if p.suggestion else ""
        out.append(f"{label}: {message}{hint}")
    return out


def _conversions(text: str) -> list[dict[str, str]]:
    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.replace("\t", ",").split(",")]
        if len(parts) != 3:
            raise SubmissionError(f"conversions, line {n}: expected 'year, taxable, nontaxable', found {line.strip()[:60]!r}")
        rows.append({"year": parts[0], "taxable": parts[1], "nontaxable": parts[2]})
    return rows


def _value(kb: KnowledgeBase, name: str, text: str) -> Any:
    fact = kb.knowledge.facts.get(name)
    if fact is None:
        return text  # the engine reports the unknown name with a suggestion
    if fact.type == "bool":
        if text not in ("yes", "no"):
            raise SubmissionError(f"{name}: expected yes, no or blank, found {text[:40]!r}")
        return text == "yes"
    if fact.type == "list":
        return _conversions(text)  # cells stay text: the value reader types them as every surface does
    return text


def parse_form(kb: KnowledgeBase, body: bytes, content_type: str) -> dict[str, Any]:
    """Raw facts from a submitted form (URL-encoded) or a JSON object; blank fields stay unknown.

    Raises:
        SubmissionError: for a body that is not a well-formed form or JSON object.

    """
    kind = content_type.split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SubmissionError(f"the submission is not UTF-8 text (byte {exc.start})") from None
    if kind == "application/json":
        try:
            doc = loads_exact(text)  # duplicate keys refused, numbers exact, as in explain, batch and the API
        except json.JSONDecodeError as exc:
            raise SubmissionError(f"the JSON is malformed: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
        except JsonValueError as exc:
            raise SubmissionError(f"the JSON is malformed: {exc}") from None
        if not isinstance(doc, dict):
            raise SubmissionError("expected a JSON object of fact names to values")
        return doc
    if kind != "application/x-www-form-urlencoded":
        found = kind[:60] or "no content type"
        raise SubmissionError(f"expected a form (application/x-www-form-urlencoded) or JSON, found {found!r}")
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=bool(text), max_num_fields=MAX_FIELDS)
    except ValueError as exc:
        raise SubmissionError(f"the form data is malformed: {exc}") from None
    facts: dict[str, Any] = {}
    goal = None
    for name, value in pairs:
        if name in facts:
            raise SubmissionError(f"{name[:60]}: given more than once")
        if name == "goal":
            goal = kb.knowledge.interview.goal(value.strip())
        elif value.strip():
            facts[name] = _value(kb, name, value.strip())
    for name, value in goal.sets if goal else ():
        facts.setdefault(name, value)  # wanting a backdoor Roth means planning one, unless said otherwise
    return facts


def submitted_goal(body: bytes) -> str:
    """The goal chosen in a submitted form ("" when none), to keep it selected on the result page."""
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        return ""
    return next((v for k, v in pairs if k == "goal"), "")
