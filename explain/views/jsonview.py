"""The JSON explanation (CONTRACT §5 and §7.1): ids and raw values, for programs."""

from __future__ import annotations

import json
from typing import Any

import orjson

from engine.trace import Explanation
from engine.trace.formatting import format_value, json_number

__all__ = ["to_json_dict", "render_json", "render_json_line", "dumps", "SCHEMA"]

SCHEMA = "rothkb.explanation/1"


#: Values that JSON takes as they are (what json_number returns unchanged), checked first:
#: most values of an explanation are these.
_AS_IS = frozenset({int, str, bool, type(None)})


def _check_json(check: Any) -> dict[str, Any]:
    value = check.value
    out: dict[str, Any] = {
        "fact": check.fact,
        "value": value if value.__class__ in _AS_IS else json_number(value),
        "test": check.test,
    }
    if check.threshold_name:
        threshold = check.threshold
        out["threshold"] = {
            "name": check.threshold_name,
            "value": threshold if threshold.__class__ in _AS_IS else json_number(threshold),
            "sources": check.threshold_sources,
        }
    if check.missing:
        out["missing"] = check.missing
    return out


def _plain(value: Any) -> str:
    cls = value.__class__
    if cls is int:
        return str(value)  # what format_value writes for a whole number without a type
    if cls is bool:
        return "true" if value else "false"
    if cls is list:
        return "[" + ", ".join(_plain(v) for v in value) + "]"
    return format_value(value) if value is not None else "unknown"


def _requirement_json(req: Any) -> dict[str, Any]:
    threshold = req.threshold
    out: dict[str, Any] = {"fact": req.fact, "test": f"{req.op} {_plain(threshold)}"}
    if req.text:
        out["means"] = req.text
    if req.threshold_name:
        out["threshold"] = {
            "name": req.threshold_name,
            "value": threshold if threshold.__class__ in _AS_IS else json_number(threshold),
            "sources": req.sources,
        }
    return out


def _step_json(s: Any) -> dict[str, Any]:
    out = {
        "step": s.step,
        "rule": s.rule,
        "title": s.title,
        "kind": s.kind,
        "because": [_check_json(c) for c in s.because],
        "concluded": json_number(s.concluded),
        "advice": s.advice,
        "sources": [sid for sid, _ in s.sources],
        "pinpoints": {sid: pin for sid, pin in s.sources if pin},
        "assumed": s.assumed,
    }
    # Additions of issue 13, present only when they apply (the contract only gains keys).
    if s.done:
        out["done"] = s.done
    if s.after_fix is not None:
        fix = s.after_fix
        out["after_fix"] = {
            "facts": json_number(fix.facts),
            "figure": fix.figure,
            "value": json_number(fix.value),
            "says": fix.says,
        }
    return out


def to_json_dict(exp: Explanation) -> dict[str, Any]:
    """The CONTRACT §5 object (plus a few extra, additive keys)."""
    return {
        "schema": SCHEMA,
        "tax_year": exp.tax_year,
        "knowledge_version": exp.knowledge_version,
        "fired": exp.fired,
        "figures": {f.name: json_number(f.value) for f in exp.figures},
        "form8606": {f.name: json_number(f.value) for f in exp.form8606},
        "figure_sources": {f.name: [s for s, _ in f.sources] for f in exp.figures + exp.form8606},
        "assumptions": [
            {"fact": a.fact, "assumed": json_number(a.assumed), "phrase": a.phrase, "affects": a.affects} for a in exp.assumptions
        ],
        "figure_assumptions": {
            **{f.name: f.assumed for f in exp.figures if f.assumed},
            **{f"form8606.{f.name}": f.assumed for f in exp.form8606 if f.assumed},
        },
        "trace": [_step_json(s) for s in exp.steps],
        "not_fired": [
            {
                "rule": n.rule,
                "failed": [_check_json(c) for c in n.failed],
                "would_fire_if": [[_requirement_json(r) for r in alt] for alt in n.would_fire_if],
                "assumed": n.assumed,
            }
            for n in exp.not_fired
        ],
        "undetermined": [{"rule": u.rule, "missing": u.missing} for u in exp.undetermined],
        "questions": [{"fact": q.fact, "question": q.question, "settles": q.settles} for q in exp.questions],
        "sources": {
            sid: {"title": s.title, "url": s.url, "kind": s.kind, **({"pinpoint": s.pinpoint} if s.pinpoint else {})}
            for sid, s in exp.sources.items()
        },
    }


#: orjson writes exactly what ``json.dumps(..., ensure_ascii=False)`` writes (same separators,
#: same indentation, same escapes, shortest round-trip floats) except for floats that ``repr``
#: writes with an exponent: :func:`json_number` marks those (``ExponentFloat``), and orjson
#: refuses them. Whatever orjson refuses (those, ints beyond 64 bits, lone surrogates, non-str
#: keys, and the types passed through to ``default``, which ``json`` refuses too) is written by
#: the standard encoder instead. NaN and infinities, which the two write differently, cannot
#: occur: facts are finite and decimal arithmetic traps them; the other floats of the
#: explanation (question scores) are rounded to 2 places and far below 1e16.
_PASS = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS
_INDENTED = _PASS | orjson.OPT_INDENT_2


def _refuse(value: Any) -> Any:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def dumps(doc: Any, indent: bool = False) -> str:
    """``json.dumps(doc, ensure_ascii=False)`` (with ``indent=2`` or compact separators), byte
    for byte, at orjson's speed (the standard encoder is pure Python once ``indent`` is set).

    Args:
        doc: Plain JSON data (dicts with str keys, lists, str, int, float, bool, None).
        indent: Two-space indentation, as the printed explanation; else the compact form of a batch line.

    """
    try:
        return orjson.dumps(doc, default=_refuse, option=_INDENTED if indent else _PASS).decode("utf-8")
    except TypeError:  # orjson.JSONEncodeError is one
        if indent:
            return json.dumps(doc, indent=2, ensure_ascii=False)
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def render_json(exp: Explanation) -> str:
    """Deterministic JSON text (fixed key order, two-space indent, trailing newline)."""
    return dumps(to_json_dict(exp), indent=True) + "\n"


def render_json_line(exp: Explanation) -> str:
    """The explanation as one compact JSON line (no newline): a batch output line."""
    return dumps(to_json_dict(exp))
