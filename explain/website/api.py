"""The JSON API of ``rothkb serve`` (CONTRACT §7.3) without the HTTP: request bodies in, JSON text out.

The functions are synchronous and do no I/O (the server runs them in its thread pool). A bad
request raises :class:`ApiError`, which carries the HTTP status and the
``{"error": {"field", "message"}}`` body; every problem of the facts is also listed under ``errors``.
"""

from __future__ import annotations

import json
from typing import Any

from engine import InputError, KnowledgeBase, Problem
from engine.load.jsonio import JsonValueError, loads_exact
from engine.validate.schema import schema
from explain.views.render import render_json

__all__ = ["ApiError", "MAX_BODY", "MAX_DEPTH", "parse_json", "explain_json", "ask_request", "error_json", "openapi"]

#: Largest accepted request body, in bytes (a facts object is well under 10 KiB).
MAX_BODY = 64 * 1024
#: Deepest nesting of arrays and objects accepted (facts need 3: object, list, entry).
MAX_DEPTH = 32
#: Longest accepted question (as ``rothkb ask``).
MAX_QUESTION = 2000


class ApiError(Exception):
    """A request answered with a 4xx status and a JSON error body."""

    def __init__(self, status: int, message: str, field: str = "", problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.status, self.field, self.message = status, field, message
        self.errors = [_problem_json(p) for p in problems or ()] or [{"field": field, "message": message}]

    def body(self) -> bytes:
        """The response body: the first problem under ``error``, every problem under ``errors``."""
        return (json.dumps({"error": self.errors[0], "errors": self.errors}, ensure_ascii=False) + "\n").encode("utf-8")


def error_json(message: str, field: str = "") -> bytes:
    """An error body for a status decided outside this module (404, 405, 408, 500, ...)."""
    return ApiError(400, message, field).body()


def _problem_json(p: Problem) -> dict[str, str]:
    return {"field": p.key, "message": p.message + (f" (did you mean '{p.suggestion}'?)" if p.suggestion else "")}


def _no_constant(name: str) -> Any:
    raise ApiError(400, f"{name} is not a JSON number")


def _too_deep_text(text: str) -> bool:
    """A cheap upper bound on the nesting (brackets in strings count too): far too deep is refused unparsed."""
    depth = peak = 0
    for ch in text:
        if ch in "[{":
            depth += 1
            peak = max(peak, depth)
        elif ch in "]}":
            depth -= 1
    return peak > 4 * MAX_DEPTH


def _too_deep(doc: Any) -> bool:
    """Whether arrays and objects nest deeper than :data:`MAX_DEPTH` (an iterative walk: no recursion)."""
    stack = [(doc, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > MAX_DEPTH:
                return True
            stack.extend((child, depth + 1) for child in (node.values() if isinstance(node, dict) else node))
    return False


def parse_json(body: bytes) -> Any:
    """A JSON document from a request body: UTF-8, no duplicate keys, no NaN, bounded nesting.

    Raises:
        ApiError: 400 with what is wrong and where.

    """
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ApiError(400, f"the body is not UTF-8 text (byte {exc.start})") from None
    if not text.strip():
        raise ApiError(400, "the body is empty: expected a JSON object")
    if _too_deep_text(text):
        raise ApiError(400, f"malformed JSON: nested more than {MAX_DEPTH} levels deep")
    try:
        doc = loads_exact(text, _no_constant)  # the reader explain and batch use: same numbers, same refusals
    except json.JSONDecodeError as exc:
        raise ApiError(400, f"malformed JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except JsonValueError as exc:
        raise ApiError(400, f"malformed JSON: {exc}") from None
    if _too_deep(doc):
        raise ApiError(400, f"malformed JSON: nested more than {MAX_DEPTH} levels deep")
    return doc


def _object(doc: Any, what: str, field: str = "") -> dict[str, Any]:
    if not isinstance(doc, dict):
        found = "a list" if isinstance(doc, list) else "null" if doc is None else "a single value"
        raise ApiError(400, f"expected {what}, found {found}", field)
    return doc


def _facts(kb: KnowledgeBase, doc: dict[str, Any]) -> dict[str, Any]:
    try:
        return kb.parse_facts(doc, "request")
    except InputError as exc:
        raise ApiError(400, exc.problems[0].message, exc.problems[0].key, exc.problems) from None


def explain_json(kb: KnowledgeBase, body: bytes) -> str:
    """``POST /api/v1/explain``: the text ``rothkb explain --format json`` prints for these facts."""
    doc = _object(parse_json(body), 'a JSON object of fact names to values (e.g. {"tax_year": 2025, "magi": 200000})')
    return render_json(kb.explain(_facts(kb, doc), "request", validated=True))


def ask_request(kb: KnowledgeBase, body: bytes) -> tuple[str, dict[str, Any] | None]:
    """``POST /api/v1/ask``: the question (stripped, as ``rothkb ask`` does) and the validated facts, if any."""
    doc = _object(parse_json(body), 'a JSON object {"question": "...", "facts": {...}}')
    for key in doc:
        if key not in ("question", "facts"):
            raise ApiError(400, "unknown key (expected question and, optionally, facts)", key[:100])
    question = doc.get("question")
    if not isinstance(question, str) or not question.strip():
        raise ApiError(400, "expected the question as a non-empty string", "question")
    if len(question) > MAX_QUESTION:
        raise ApiError(400, f"the question is too long (at most {MAX_QUESTION:,} characters)", "question")
    facts = doc.get("facts")
    if facts is None:
        return question.strip(), None
    return question.strip(), _facts(kb, _object(facts, "a JSON object of fact names to values", "facts"))


def _fact_schema(fact: Any) -> dict[str, Any]:
    kinds: dict[str, dict[str, Any]] = {
        "money": {"type": ["number", "string"], "examples": [12000, "$12,000"]},
        "int": {"type": ["integer", "string"]},
        "number": {"type": ["number", "string"]},
        "bool": {"type": ["boolean", "string"], "examples": [True, "yes"]},
        "enum": {"type": "string", "enum": list(fact.values)},
        "date": {"type": "string", "format": "date"},
        "list": {
            "type": "array",
            "items": {"type": "object", "properties": {name: {"x-rothkb-type": kind} for name, kind in fact.items}},
        },
    }
    out: dict[str, Any] = {"description": fact.description, **kinds.get(fact.type, {}), "x-rothkb-type": fact.type}
    if fact.min is not None:
        out["minimum"] = fact.min
    if fact.max is not None:
        out["maximum"] = fact.max
    return out


def _json_body(ref: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


def _answer(description: str, ref: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


def openapi(kb: KnowledgeBase, version: str) -> dict[str, Any]:
    """The OpenAPI 3.1 description of the API; the facts schema is the project's situation schema
    (``rothkb schema situation``) with one property per fact of the knowledge's vocabulary.
    """
    situation = schema("situation")
    facts = dict(situation["definitions"]["situation"])
    facts["properties"] = {name: _fact_schema(f) for name, f in kb.knowledge.facts.items()}
    facts["required"] = [r for part in situation["allOf"] for r in part.get("required", [])]
    errors = {"400": _answer("Malformed JSON or invalid facts", "Error"), "413": _answer("Body too large", "Error")}
    errors["415"] = _answer("Not application/json", "Error")
    error_item = {"type": "object", "properties": {"field": {"type": "string"}, "message": {"type": "string"}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "rothkb", "version": version, "x-knowledge-version": kb.version},
        "paths": {
            "/api/v1/explain": {
                "post": {
                    "summary": "Explain a situation: the JSON of rothkb explain --format json",
                    "requestBody": _json_body("Facts"),
                    "responses": {"200": _answer("The explanation (CONTRACT §5)", "Explanation"), **errors},
                }
            },
            "/api/v1/ask": {
                "post": {
                    "summary": "Answer a question from the FAQ and the rules: the JSON of rothkb ask --format json",
                    "requestBody": _json_body("AskRequest"),
                    "responses": {"200": _answer("The answer", "Answer"), **errors},
                }
            },
            "/healthz": {"get": {"summary": "Liveness and the knowledge version", "responses": {"200": {"description": "OK"}}}},
        },
        "components": {
            "schemas": {
                "Facts": facts,
                "AskRequest": {
                    "type": "object",
                    "required": ["question"],
                    "additionalProperties": False,
                    "properties": {
                        "question": {"type": "string", "maxLength": MAX_QUESTION},
                        "facts": {"$ref": "#/components/schemas/Facts"},
                    },
                },
                "Explanation": {
                    "type": "object",
                    "required": ["schema", "tax_year", "knowledge_version", "fired", "figures", "form8606", "trace"],
                    "properties": {"schema": {"const": "rothkb.explanation/1"}},
                },
                "Answer": {"type": "object", "required": ["question", "covered", "matches", "answer_markdown"]},
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {"error": error_item, "errors": {"type": "array", "items": error_item}},
                },
            }
        },
    }
