"""Property-based tests over the facts vocabulary (strategies built from knowledge/facts.yaml).

Valid facts never crash, give byte-identical JSON each time and whatever the key order, keep every
figure within its bounds, and cite a primary source for every fired rule. Invalid values raise
only InputError, naming the field. Runs derandomized (same examples every run), no database.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from engine import InputError, load_knowledge
from explain.views.render import to_json_dict

KB = load_knowledge()
FACTS = KB.knowledge.facts
YEARS = list(KB.knowledge.years)
FUZZ = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

_cents = st.integers(0, 300_000_000).map(lambda c: c / 100)
MONEY = st.one_of(st.integers(0, 3_000_000), _cents, st.integers(0, 3_000_000).map(lambda n: f"${n:,}"), st.just(0))
CONVERSION = st.fixed_dictionaries({"year": st.integers(1998, 2026), "taxable": MONEY, "nontaxable": MONEY})


def valid_value(name: str) -> st.SearchStrategy[Any]:
    """Values of the fact's type that the engine must accept."""
    fact = FACTS[name]
    if name == "tax_year":
        return st.sampled_from(YEARS)
    if fact.type == "money":
        return MONEY
    if fact.type == "int":
        low = int(fact.min) if fact.min is not None else 0
        return st.integers(low, int(fact.max) if fact.max is not None else low + 100)
    if fact.type == "bool":
        return st.booleans()
    if fact.type == "enum":
        return st.sampled_from(fact.values)
    if fact.type == "date":
        return st.dates(dt.date(1930, 1, 1), dt.date(2005, 12, 31)).map(dt.date.isoformat)
    if fact.type == "list":
        return st.lists(CONVERSION, max_size=4)
    raise AssertionError(f"no strategy for fact type {fact.type}")


def invalid_value(name: str) -> st.SearchStrategy[Any]:
    """Values the engine must reject with an InputError naming the field."""
    fact = FACTS[name]
    junk = st.one_of(
        st.lists(st.integers(), min_size=1, max_size=2),
        st.dictionaries(st.text(max_size=3), st.integers(), min_size=1, max_size=2),
    )
    # Not a spelling the yes/no reader accepts (CONTRACT §7.2: yes/no/y/n/true/false in any case).
    words = st.text("abcxyz ", min_size=1, max_size=8).filter(lambda s: s.strip().lower() not in ("", "yes", "no", "y", "n"))
    if fact.type == "money":
        return st.one_of(
            st.integers(max_value=-1),
            st.floats(max_value=-0.01),
            st.sampled_from([float("nan"), float("inf")]),
            st.booleans(),
            words,
            junk,
            st.integers(10**12 + 1, 10**15),
            st.just("-$5"),
        )
    if fact.type == "int":
        bad = [st.booleans(), words, junk, st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not f.is_integer())]
        if fact.max is not None:
            bad.append(st.integers(int(fact.max) + 1, int(fact.max) + 10**6))
        if name == "tax_year":
            bad.append(st.integers(1900, 2100).filter(lambda y: y not in YEARS))
        return st.one_of(*bad)
    if fact.type == "bool":
        return st.one_of(st.integers(), words, junk)
    if fact.type == "enum":
        return st.one_of(words.filter(lambda s: s not in fact.values), st.integers(), junk)
    if fact.type == "date":
        return st.one_of(
            st.sampled_from(["2023-02-29", "1985-13-01", "1985-00-10", "15/06/1985", "yesterday"]), st.integers(), junk
        )
    if fact.type == "list":
        return st.one_of(
            st.integers(),
            words,
            st.lists(st.integers(), min_size=1, max_size=2),
            st.lists(CONVERSION.map(lambda c: {**c, "year": "later"}), min_size=1, max_size=2),
        )
    raise AssertionError(f"no strategy for fact type {fact.type}")


OPTIONAL = sorted(set(FACTS) - {"tax_year"})
ANY_VALID = st.fixed_dictionaries({"tax_year": valid_value("tax_year")}, optional={name: valid_value(name) for name in OPTIONAL})


def _consistent(doc: dict[str, Any]) -> bool:
    """The part made next year is part of the contribution (Form 8606 line 4 <= line 1).

    With the contribution unknown nothing is contradicted (unknown is not zero).
    """
    if "contribution_made_next_year" not in doc or "nondeductible_contribution" not in doc:
        return True
    late, total = (
        KB.parse_facts({"tax_year": YEARS[0], "magi": doc.get(k, 0)})["magi"]
        for k in ("contribution_made_next_year", "nondeductible_contribution")
    )
    return late <= total


def _aligned(doc: dict[str, Any]) -> dict[str, Any]:
    """The facts a date fixes take the date's value: the age on December 31 is the one the birth
    date gives, and the withdrawal date falls in the withdrawal year (each pair is refused otherwise)."""
    doc = dict(doc)
    if "birth_date" in doc and "age" in doc:
        doc["age"] = doc["tax_year"] - dt.date.fromisoformat(doc["birth_date"]).year
    if "planned_withdrawal_date" in doc and "planned_withdrawal_year" in doc:
        day = dt.date.fromisoformat(doc["planned_withdrawal_date"])
        doc["planned_withdrawal_date"] = day.replace(year=doc["planned_withdrawal_year"], day=min(day.day, 28)).isoformat()
    return doc


VALID_FACTS = ANY_VALID.map(_aligned).filter(_consistent)


def _json(facts: dict[str, Any]) -> str:
    return json.dumps(to_json_dict(KB.explain(facts)), ensure_ascii=False, separators=(",", ":"))


@FUZZ
@given(VALID_FACTS)
def test_valid_facts_explain_deterministically_within_bounds(raw):
    text = _json(raw)
    assert _json(dict(reversed(list(raw.items())))) == text  # neither repetition nor key order matters
    out = json.loads(text)
    typed = KB.parse_facts(raw)
    for name, value in {**out["figures"], **out["form8606"]}.items():
        assert isinstance(value, int | float) and value >= 0, (name, value)
    figures = out["figures"]
    if "taxable_conversion" in figures:
        # JSON numbers are floats: compare as the decimal text they were written from.
        assert Decimal(str(figures["taxable_conversion"])) <= typed["conversion_amount"]
    if "roth_contribution_limit" in figures and "ira_contribution_limit" in figures:
        assert figures["roth_contribution_limit"] <= figures["ira_contribution_limit"]
    if "line_10" in out["form8606"]:
        assert 0 <= out["form8606"]["line_10"] <= 1
    assert [step["rule"] for step in out["trace"]] == out["fired"]
    for step in out["trace"]:
        kinds = {out["sources"][sid]["kind"] for sid in step["sources"]}
        assert kinds - {"practitioner"}, f"{step['rule']} cites no primary source"


@settings(FUZZ, max_examples=10, phases=[Phase.generate])
@given(ANY_VALID.filter(lambda doc: not _consistent(doc)))
def test_next_year_part_larger_than_the_contribution_is_an_input_error(raw):
    try:
        KB.explain(raw)
    except InputError as exc:
        assert "contribution_made_next_year" in {p.key for p in exc.problems}
    else:
        raise AssertionError("accepted: " + json.dumps(_figures(raw)))


def _figures(raw: dict[str, Any]) -> dict[str, Any]:
    return to_json_dict(KB.explain(raw))["form8606"]


@st.composite
def invalid_facts(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    doc = draw(VALID_FACTS)
    name = draw(st.sampled_from(sorted(FACTS)))
    doc[name] = draw(invalid_value(name))
    return doc, name


@FUZZ
@given(invalid_facts())
def test_invalid_values_raise_input_error_naming_the_field(case):
    doc, name = case
    try:
        KB.explain(doc)
    except InputError as exc:
        assert name in {p.key for p in exc.problems}, exc.format_message()
    else:
        raise AssertionError(f"{name}={doc[name]!r} was accepted")


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
ANY_DOC = st.dictionaries(st.sampled_from(sorted(FACTS)) | st.text(max_size=12), JSONISH, max_size=6)


@FUZZ
@given(ANY_DOC)
def test_arbitrary_documents_explain_or_raise_input_error(doc):
    try:
        out = json.loads(_json(doc))
    except InputError as exc:
        assert exc.problems and all(p.message for p in exc.problems)
    else:
        assert out["tax_year"] in YEARS


@FUZZ
@given(
    st.one_of(
        st.binary(max_size=120), ANY_DOC.map(lambda d: json.dumps(d).encode()), VALID_FACTS.map(lambda d: json.dumps(d).encode())
    )
)
def test_batch_lines_never_raise_and_are_json(raw):
    from explain.apps.batch import _init_worker, explain_line

    _init_worker(None, None, ())
    is_error, text = explain_line((3, "json", raw.replace(b"\n", b" ")))
    out = json.loads(text)
    if is_error:
        assert out["line"] == 3 and out["error"]
        assert not any(e["message"].startswith("internal error") for e in out["error"]), out
    else:
        assert out["schema"] == "rothkb.explanation/1"


@FUZZ
@given(st.text(max_size=80))
def test_arbitrary_text_reads_or_raises_input_error(text):
    try:
        KB.read_facts(text, "fuzz.yaml")
    except InputError as exc:
        assert all(p.path == "fuzz.yaml" for p in exc.problems)
