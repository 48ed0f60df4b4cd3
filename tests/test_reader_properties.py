"""Property tests of the one value reader through the public API (``KnowledgeBase.read_facts`` and
``explain.apps.batch.explain_record``): random bytes and random YAML/JSON documents never give
anything but a refusal naming what is wrong, and an accepted number is always the decimal number
its text says (never octal, hex, base 60, a rounded float or a Unicode digit read as ASCII).
Derandomized, no example database.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal

import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from engine import InputError, load_knowledge
from explain.apps.batch import explain_record

KB = load_knowledge()
FUZZ = settings(max_examples=300, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
_PLAIN = re.compile(r"\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", re.ASCII)


def _decimal_said(text: str) -> Decimal | None:
    """What the text says as a decimal amount ($, thousands commas and a k/m suffix allowed), or None."""
    s = text.strip().removeprefix("$")
    scale = 1000 if s[-1:] in ("k", "K") else 1_000_000 if s[-1:] in ("m", "M") else 1
    s = (s[:-1] if scale > 1 else s).replace(",", "")
    return Decimal(s) * scale if _PLAIN.fullmatch(s) else None


def _read(text: str) -> dict | None:
    try:
        return KB.read_facts(text, "in.yaml")
    except InputError as exc:  # a refusal: one line per problem, each naming where
        assert exc.problems and all(p.message for p in exc.problems)
        return None


NUMBERISH = st.text(alphabet="0123456789.,-+$eExXoOb_:kKmM \u00b2\u0661\uff11", min_size=1, max_size=14)


@FUZZ
@given(NUMBERISH, st.sampled_from(["plain", "quoted", "json"]))
@example("012000", "plain")
@example("0x7E9", "plain")
@example("1:30", "plain")
@example("1_000", "plain")
@example("1.5E5", "json")
@example("$1,000.50", "quoted")
def test_an_accepted_amount_is_the_decimal_its_text_says(text, form):
    if form == "plain":
        doc = f"tax_year: 2025\nmagi: {text}\n"
    elif form == "quoted":
        doc = f"tax_year: 2025\nmagi: {json.dumps(text)}\n"
    else:
        doc = '{"tax_year": 2025, "magi": ' + text + "}"
    facts = _read(doc)
    if facts is not None and "magi" in facts:
        said = _decimal_said(text)
        assert said is not None and Decimal(facts["magi"]) == said, (text, facts["magi"])


@FUZZ
@given(st.text(alphabet="0123456789-+_:xob.eE ", min_size=1, max_size=8))
@example("045")
@example("0o55")
def test_an_accepted_whole_number_is_written_in_decimal_without_leading_zeros(text):
    facts = _read(f"tax_year: 2025\nage: {text}\n")
    if facts is not None and "age" in facts:
        assert re.fullmatch(r"0|[1-9][0-9]*", text.strip(), re.ASCII) and facts["age"] == int(text), text


@FUZZ
@given(st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False))
def test_every_amount_with_cents_reads_back_exactly(amount):
    for doc in (f"tax_year: 2025\nmagi: {amount}\n", '{"tax_year": 2025, "magi": "$' + f"{amount:,}" + '"}'):
        assert Decimal(KB.read_facts(doc)["magi"]) == amount


@FUZZ
@given(st.binary(max_size=200))
def test_random_bytes_are_refused_or_read_never_an_internal_error(data):
    row = json.loads(explain_record(data, 3))
    if "error" in row:
        assert row["line"] == 3 and all(e["message"] and not e["message"].startswith("internal error") for e in row["error"])
    text = data.decode("utf-8", "replace")
    _read(text)


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(["012000", "0x7E9", "1:30", "1_000", "$240k", "1.5E5", "2025", "yes", "1985-W01-1"]),
)
_KEYS = st.one_of(st.sampled_from(sorted(KB.knowledge.facts)), st.text(max_size=12))
DOCS = st.recursive(
    _SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=5), max_leaves=12
)


@FUZZ
@given(st.dictionaries(_KEYS, DOCS, max_size=6), st.sampled_from(["yaml", "json"]))
def test_random_documents_are_refused_or_read_never_an_internal_error(doc, form):
    text = yaml.safe_dump(doc, allow_unicode=True) if form == "yaml" else json.dumps(doc)
    _read(text)
    if form == "json":
        row = json.loads(explain_record(text))
        assert all(not e["message"].startswith("internal error") for e in row.get("error", []))
