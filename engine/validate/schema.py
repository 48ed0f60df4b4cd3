"""JSON Schemas of every knowledge file kind: the one source of truth for their keys.

``rothkb schema [KIND]`` prints them, ``schemas/*.schema.json`` are committed copies (a test
keeps them up to date) and editors use them through the first-line comment
``# yaml-language-server: $schema=../schemas/rules.schema.json``. The validator imports its
lists of allowed keys from here, so the schema and ``rothkb check`` cannot disagree on keys.

The schemas check shape only (keys, types, id spelling); names, types of conditions,
citations and years are checked by ``rothkb check``, which also says *where* and suggests.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from engine.model.knowledge import FACT_TYPES, RULE_COSTS, RULE_KINDS, SOURCE_KINDS, VALUE_TYPES

__all__ = [
    "KINDS",
    "schema",
    "all_schemas",
    "dump",
    "kind_of_file",
    "schema_comment",
    "FACT_KEYS",
    "CONCLUSION_KEYS",
    "SOURCE_KEYS",
    "PARAM_KEYS",
    "PARAM_VALUE_KEYS",
    "VALUE_KEYS",
    "RULE_KEYS",
    "THEN_KEYS",
    "TEST_KEYS",
    "FAQ_KEYS",
    "MYTH_KEYS",
    "GOAL_KEYS",
    "GROUP_KEYS",
    "QUESTION_KEYS",
    "HEADLINE_KEYS",
    "UNITS",
]

DRAFT = "http://json-schema.org/draft-07/schema#"
SNAKE = "^[a-z][a-z0-9_]*$"
KEBAB = "^[a-z0-9]+(-[a-z0-9]+)*$"
UNITS = ("usd", "ratio", "year", "count", "bool")
CONDITION_TEXT = r"^\s*[A-Za-z_][A-Za-z0-9_]*\s*(==|!=|<=|>=|<|>|in|not\s+in)\s*\S.*$"


def _text(description: str) -> dict[str, Any]:
    return {"type": "string", "description": description}


def _obj(props: dict[str, Any], required: tuple[str, ...] = (), description: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        out["required"] = list(required)
    if description:
        out["description"] = description
    return out


def _ids(description: str) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string", "pattern": KEBAB}, "description": description}


#: Definitions shared by several kinds (draft-07 ``definitions``).
COMMON: dict[str, Any] = {
    "citation": {
        "description": "A source id from sources.yaml, or {id, pinpoint} to cite a line, section or page.",
        "anyOf": [
            {"type": "string", "pattern": KEBAB},
            _obj({"id": {"type": "string", "pattern": KEBAB}, "pinpoint": _text("Line, section or page.")}, ("id",)),
        ],
    },
    "condition": {
        "description": "'NAME OP VALUE' (e.g. 'magi >= roth_phaseout_end'), or all/any/not of conditions.",
        "anyOf": [
            {"type": "string", "pattern": CONDITION_TEXT},
            _obj({"all": {"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/condition"}}}, ("all",)),
            _obj({"any": {"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/condition"}}}, ("any",)),
            _obj({"not": {"$ref": "#/definitions/condition"}}, ("not",)),
        ],
    },
    "situation": {
        "type": "object",
        "description": "A person's facts: fact name -> value (see facts.yaml).",
        "propertyNames": {"pattern": SNAKE},
        "additionalProperties": {"type": ["number", "string", "boolean", "array", "null"]},
    },
}

_FACT = {
    "type": {"enum": list(FACT_TYPES), "description": "What kind of answer the fact takes."},
    "group": _text("Groups questions and the web form (basics, income, iras, ...)."),
    "description": _text("What the fact means, in one sentence."),
    "question": _text("The question rothkb asks when the fact is unknown."),
    "help": _text("Longer help shown next to the question."),
    "yes_means": _text(
        "For a yes/no fact: what a 'yes' would mean for the person, used in 'it would apply if "
        "...' sentences; {placeholders} allowed (e.g. 'you stay HSA-eligible through {hsa_testing_period_end}')."
    ),
    "no_means": _text("For a yes/no fact: what a 'no' would mean, as for yes_means."),
    "values": {"type": "array", "items": {"type": "string"}, "description": "The allowed words of an enum fact."},
    "default": {"description": "Used when the person does not give the fact (otherwise it is unknown)."},
    "assume": {
        "description": "The answer most people would give, assumed (and said so) when the fact is not given; "
        "a valid value of the fact's type. Never for MAGI, filing status, ages, plan features or intentions."
    },
    "assume_phrase": _text(
        "The assumption in plain words, completing 'assuming ...' (e.g. 'you have no SEP IRA'). Required with "
        "'assume' and for a fact that a formula assumes with default(fact, fallback)."
    ),
    "min": {"type": "number"},
    "max": {"type": "number"},
    "items": {
        "type": "object",
        "description": "Fields of each entry of a list fact.",
        "additionalProperties": _obj(
            {"type": {"enum": ["int", "money", "number", "bool"]}, "min": {"type": "number"}, "max": {"type": "number"}},
            ("type",),
        ),
    },
}
_CONCLUSION = {
    "type": {"enum": ["bool", "enum"]},
    "values": {"type": "array", "items": {"type": "string"}},
    "description": _text("What it means when a rule concludes it."),
}
_SOURCE = {
    "title": _text("How the source is named in citations."),
    "short": _text("A short label for tables and lists, e.g. 'Notice 2024-80' (default: the title)."),
    "kind": {"enum": list(SOURCE_KINDS), "description": "Every kind except practitioner is a primary source."},
    "url": {"type": "string", "pattern": "^https://", "description": "The official document (https)."},
    "pinpoint": _text("Section, line or page."),
    "summary": _text("What it says that we rely on."),
    "date": _text("Date of the document (YYYY-MM-DD)."),
    "publisher": _text("Who published it."),
    "note": _text("Remark for authors."),
}
_PARAM_VALUE = {
    "value": {
        "description": "A number or true/false, or {column: number} when the parameter has 'by'.",
        "anyOf": [{"type": ["number", "boolean"]}, {"type": "object", "additionalProperties": {"type": ["number", "boolean"]}}],
    },
    "source": {"type": "string", "pattern": KEBAB, "description": "Source id of this year's value."},
    "note": _text("Remark, e.g. 'not indexed'."),
}
_PARAM = {
    "description": _text("What the parameter is."),
    "unit": {"enum": list(UNITS)},
    "by": {"type": "string", "pattern": SNAKE, "description": "Fact or value whose value picks the column."},
    "reference": _text("Where the law sets it, e.g. '26 U.S.C. 219(b)(5)(A)'."),
    "rank": {"type": "integer", "minimum": 1, "description": "Order on the site's limits page (1 = most looked up)."},
    "note": _text("Remark."),
    "values": {
        "type": "object",
        "description": "One entry per supported year.",
        "propertyNames": {"pattern": "^(19|20)[0-9][0-9]$"},
        "additionalProperties": _obj(_PARAM_VALUE, ("value", "source")),
    },
}
_VALUE = {
    "type": {"enum": list(VALUE_TYPES)},
    "description": _text("What the value is (shown next to thresholds)."),
    "formula": _text("A formula over facts, values and parameters (never run as Python)."),
    "figure": {"type": "boolean", "description": "Shown in the figures of every explanation."},
    "form8606": {"type": "string", "pattern": "^line_[0-9]+[a-z]?$", "description": "Form 8606 line it fills."},
    "sources": {"type": "array", "items": {"$ref": "#/definitions/citation"}},
    "values": {"type": "array", "items": {"type": "string"}, "description": "Words of an enum value."},
    "unit": _text("Unit, for information."),
    "note": _text("Remark."),
}
_THEN = {
    "conclude": {
        "type": "object",
        "description": "Conclusions other rules can test: {name: value}.",
        "propertyNames": {"pattern": SNAKE},
        "additionalProperties": {"type": ["boolean", "string"]},
    },
    "advice": _text("What to do; {name} placeholders show facts, values and parameters."),
    "deadline": _text("By when."),
}
_RULE = {
    "id": {"type": "string", "pattern": KEBAB, "description": "Stable kebab-case id."},
    "title": _text("One line: the advice in short."),
    "kind": {"enum": list(RULE_KINDS)},
    "importance": {"type": "integer", "minimum": 1, "maximum": 100, "description": "Order in the explanation."},
    "topic": _text("Topic (eligibility, pro-rata, ...)."),
    "when": {"$ref": "#/definitions/condition"},
    "then": _obj(_THEN, ("advice",)),
    "because": _text("Why the rule exists, in plain words."),
    "sources": {"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/citation"}},
    "corrects": {
        "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
        "description": "Myth ids this rule corrects.",
    },
    "excludes": _ids("Rules whose advice contradicts this one: rothkb check warns if both can fire together."),
    "cost": {
        "enum": list(RULE_COSTS),
        "description": "What ignoring the rule costs, most costly first: excise (every year), penalty, tax, deadline, "
        "saving, none (context). Explanations list the costliest first.",
    },
    "brief": _text("The advice in one sentence, with {name} placeholders, for brief explanations (default: its first sentence)."),
    "order": {"type": "integer", "minimum": 0, "maximum": 20, "description": "Place within a plan (1, 2, 3); 0 for none."},
    "done_when": _obj(
        {
            "facts": {"type": "array", "minItems": 1, "items": {"type": "string", "pattern": SNAKE}},
            "says": _text("What is done and what is left, with {name} placeholders."),
        },
        ("facts", "says"),
        "The facts that, all given and neither zero nor no, say the step was already done.",
    ),
    "after_fix": _obj(
        {
            "facts": {
                "type": "object",
                "propertyNames": {"pattern": SNAKE},
                "additionalProperties": {"type": ["number", "boolean", "string"]},
                "description": "Facts to change: a number, yes/no, or a formula on the current situation.",
            },
            "figure": {"type": "string", "pattern": SNAKE, "description": "The value the sentence reports."},
            "says": _text("The figure after following the advice, with {name} placeholders from the changed facts."),
        },
        ("facts", "figure", "says"),
        "The figure after following the advice, computed by re-running the changed facts.",
    ),
}
_TEST = {
    "name": _text("Shown when the test fails."),
    "description": _text("Longer remark."),
    "facts": {"$ref": "#/definitions/situation"},
    "fires": _ids("Rules that must fire."),
    "does_not_fire": _ids("Rules that must not fire."),
    "undetermined": _ids("Rules that must be undetermined (a fact they need is unknown)."),
    "figures": {"type": "object", "additionalProperties": {"type": "number"}, "description": "Expected figures."},
    "form8606": {
        "type": "object",
        "propertyNames": {"pattern": "^line_[0-9]+[a-z]?$"},
        "additionalProperties": {"type": "number"},
        "description": "Expected Form 8606 lines.",
    },
    "absent_figures": {"type": "array", "items": {"type": "string"}, "description": "Figures that must not appear."},
    "cites": _ids("Sources the explanation must cite."),
    "text": {
        "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
        "description": "Text the Markdown explanation must contain.",
    },
    "questions": {"type": "array", "items": {"type": "string"}, "description": "Facts rothkb must ask about."},
    "assumed": {
        "type": "array",
        "items": {"type": "string"},
        "description": "Exactly the facts the explanation assumes (CONTRACT §7.1); [] for none.",
    },
    "tolerance": {"type": "number", "minimum": 0, "description": "Allowed difference for figures (default 0)."},
    "error": _text("The facts must be rejected with a message containing this text."),
    "absent_form8606": {
        "type": "array",
        "items": {"type": "string", "pattern": "^line_[0-9]+[a-z]?$"},
        "description": "Form 8606 lines that must not appear (e.g. lines 4-13 when Part I stops at line 3).",
    },
}
_FAQ = {
    "id": {"type": "string", "pattern": KEBAB},
    "topic": _text("Topic."),
    "question": _text("The question."),
    "reviewed": {
        "type": "string",
        "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
        "description": "Date the entry was last checked against its sources (YYYY-MM-DD).",
    },
    "aliases": {"type": "array", "items": {"type": "string"}, "description": "Other ways people ask it."},
    "answer": _text("The answer (Markdown)."),
    "rules": _ids("Rules that personalise the answer."),
    "sources": _ids("Sources of the answer."),
    "example": _obj({"description": _text("Who the example is."), "facts": {"$ref": "#/definitions/situation"}}),
}
_MYTH = {
    "id": {"type": "string", "pattern": KEBAB},
    "claim": _text("The wrong claim."),
    "correction": _text("What is true instead."),
    "rules": _ids("Rules that show the truth."),
    "sources": _ids("Sources of the correction."),
    "origin": _text("Where the claim was seen."),
}


_QUESTION = {
    "id": {"type": "string", "pattern": SNAKE, "description": "Name of a grouped question (one answer for several facts)."},
    "facts": {
        "type": "array",
        "minItems": 2,
        "items": {"type": "string", "pattern": SNAKE},
        "description": "Money facts it fills.",
    },
    "text": _text("The question asked."),
    "help": _text("How to answer, shown with the question and by '?'."),
    "kinds": {
        "type": "object",
        "additionalProperties": {"type": "string", "pattern": SNAKE},
        "description": "The word a person types for each fact: {rollover: rollover_ira_balance}.",
    },
}
_QUESTION_ITEM = {
    "anyOf": [
        {"type": "string", "pattern": SNAKE, "description": "A fact name."},
        _obj(_QUESTION, ("id", "facts", "text", "kinds")),
    ]
}
_GOAL = {
    "id": {"type": "string", "pattern": SNAKE},
    "label": _text("What the person wants, as offered in the first question."),
    "words": {"type": "array", "items": {"type": "string"}, "description": "Words that choose the goal when typed."},
    "topics": {"type": "array", "items": {"type": "string"}, "description": "Rule topics that matter (none: every topic)."},
    "also": _ids("Rules that matter besides those of the topics."),
    "drop": _ids("Rules of the topics that do not matter for this goal."),
    "sets": {"type": "object", "propertyNames": {"pattern": SNAKE}, "description": "Facts the goal answers itself."},
    "figures": {"type": "array", "items": {"type": "string", "pattern": SNAKE}, "description": "Figures announced when known."},
}
_GROUP = {
    "id": {"type": "string", "pattern": SNAKE},
    "title": _text("Heading of the group (interview and web form)."),
    "order": {"enum": ["settles-most", "as-written"], "description": "Ask what settles most first (default), or as written."},
    "goals": {
        "type": "array",
        "items": {"type": "string", "pattern": SNAKE},
        "description": "Only for these goals (default: every goal whose rules read its facts).",
    },
    "gate": {
        "type": "string",
        "pattern": SNAKE,
        "description": "A yes/no or money fact asked first; no, 0 or unknown skips the rest.",
    },
    "when_no": {
        "type": "object",
        "propertyNames": {"pattern": SNAKE},
        "description": "Facts that follow from a 'no' at the gate.",
    },
    "questions": {"type": "array", "minItems": 1, "items": _QUESTION_ITEM},
}
_HEADLINE = {
    "text": _text("The line shown when the rule first applies; {placeholders} of facts, values, parameters."),
    "example_text": _text("The line when an example answer stands in for an unknown (says 'about')."),
    "example": {
        "type": "object",
        "additionalProperties": {"type": "string", "pattern": SNAKE},
        "description": "fact: value name",
    },
}


def _named(entry: dict[str, Any], required: tuple[str, ...], pattern: str = SNAKE) -> dict[str, Any]:
    return {"type": "object", "propertyNames": {"pattern": pattern}, "additionalProperties": _obj(entry, required)}


#: Each kind: (title, body, the files it describes, relative to the knowledge folder).
_KINDS: dict[str, tuple[str, dict[str, Any], tuple[str, ...]]] = {
    "facts": (
        "rothkb vocabulary (facts.yaml)",
        _obj(
            {
                "facts": _named(_FACT, ("type", "description", "question")),
                "conclusions": _named(_CONCLUSION, ("type", "description")),
            },
            ("facts",),
        ),
        ("facts.yaml",),
    ),
    "sources": (
        "rothkb sources (sources.yaml)",
        _obj({"sources": _named(_SOURCE, ("title", "kind", "url"), KEBAB)}, ("sources",)),
        ("sources.yaml",),
    ),
    "parameters": (
        "rothkb dated parameters (parameters/*.yaml)",
        _obj({"parameters": _named(_PARAM, ("description", "unit", "values"))}, ("parameters",)),
        ("parameters/*.yaml",),
    ),
    "values": (
        "rothkb derived values and figures (values.yaml)",
        _obj({"values": _named(_VALUE, ("type", "description", "formula"))}, ("values",)),
        ("values.yaml",),
    ),
    "rules": (
        "rothkb rules (rules/*.yaml)",
        _obj(
            {"rules": {"type": "array", "items": _obj(_RULE, ("id", "title", "kind", "when", "then", "because", "sources"))}},
            ("rules",),
        ),
        ("rules/*.yaml",),
    ),
    "tests": (
        "rothkb scenario tests (tests/*.yaml)",
        _obj({"tests": {"type": "array", "items": _obj(_TEST, ("name", "facts"))}}, ("tests",)),
        ("tests/*.yaml",),
    ),
    "faq": (
        "rothkb FAQ (faq/*.yaml)",
        _obj({"faq": {"type": "array", "items": _obj(_FAQ, ("id", "question", "answer"))}}, ("faq",)),
        ("faq/*.yaml",),
    ),
    "myths": (
        "rothkb myths (myths.yaml)",
        _obj({"myths": {"type": "array", "items": _obj(_MYTH, ("id", "claim", "correction"))}}, ("myths",)),
        ("myths.yaml",),
    ),
    "interview": (
        "rothkb interview plan (interview.yaml)",
        _obj(
            {
                "goals": {"type": "array", "minItems": 1, "items": _obj(_GOAL, ("id", "label", "words"))},
                "groups": {"type": "array", "minItems": 1, "items": _obj(_GROUP, ("id", "title", "questions"))},
                "headlines": _named(_HEADLINE, ("text",), KEBAB),
            },
            ("goals", "groups"),
        ),
        ("interview.yaml",),
    ),
    "situation": (
        "rothkb situation: a person's facts (examples/*.yaml, rothkb explain FACTS)",
        {"allOf": [{"$ref": "#/definitions/situation"}, {"required": ["tax_year"]}]},
        ("examples/*.yaml",),
    ),
}

#: Every kind, in the order ``rothkb schema`` prints them.
KINDS: tuple[str, ...] = tuple(_KINDS)

FACT_KEYS = tuple(_FACT)
CONCLUSION_KEYS = tuple(_CONCLUSION)
SOURCE_KEYS = tuple(_SOURCE)
PARAM_KEYS = tuple(_PARAM)
PARAM_VALUE_KEYS = tuple(_PARAM_VALUE)
VALUE_KEYS = tuple(_VALUE)
RULE_KEYS = tuple(_RULE)
THEN_KEYS = tuple(_THEN)
TEST_KEYS = tuple(_TEST)
FAQ_KEYS = tuple(_FAQ)
MYTH_KEYS = tuple(_MYTH)
GOAL_KEYS = tuple(_GOAL)
GROUP_KEYS = tuple(_GROUP)
QUESTION_KEYS = tuple(_QUESTION)
HEADLINE_KEYS = tuple(_HEADLINE)


def schema(kind: str) -> dict[str, Any]:
    """The JSON Schema (draft-07) of one kind of knowledge file.

    Examples:
        >>> schema("rules")["required"]
        ['rules']

    Raises:
        KeyError: for an unknown kind.

    """
    title, body, _ = _KINDS[kind]
    return {"$schema": DRAFT, "$id": f"{kind}.schema.json", "title": title, **body, "definitions": COMMON}


def all_schemas() -> dict[str, Any]:
    """One schema that accepts any knowledge file: each kind is a definition, tried in turn."""
    definitions = dict(COMMON)
    for kind, (_, body, _) in _KINDS.items():
        definitions[f"{kind}_file"] = body
    return {
        "$schema": DRAFT,
        "$id": "rothkb.schema.json",
        "title": "Any rothkb knowledge file",
        "anyOf": [{"$ref": f"#/definitions/{kind}_file"} for kind in KINDS],
        "definitions": definitions,
    }


def dump(document: dict[str, Any]) -> str:
    """Stable JSON text (sorted keys, two-space indent, final newline) for committed copies."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def kind_of_file(relative: str) -> str | None:
    """The kind of a knowledge file from its path inside the knowledge folder.

    Examples:
        >>> kind_of_file("rules/hsa.yaml"), kind_of_file("facts.yaml"), kind_of_file("notes.txt")
        ('rules', 'facts', None)

    """
    path = Path(relative)
    for kind, (_, _, patterns) in _KINDS.items():
        if any(path.match(pattern) and len(path.parts) == len(Path(pattern).parts) for pattern in patterns):
            return kind
    return None


def schema_comment(relative: str) -> str | None:
    """The first-line comment that points an editor at the file's schema (None: no schema).

    Examples:
        >>> schema_comment("rules/hsa.yaml")
        '# yaml-language-server: $schema=../../schemas/rules.schema.json'

    """
    kind = kind_of_file(relative)
    if kind is None:
        return None
    up = "../" * len(Path(relative).parts)
    return f"# yaml-language-server: $schema={up}schemas/{kind}.schema.json"
