"""The one value reader (CONTRACT §7.2): what each typed form means, and what is refused."""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine.api import load_knowledge
from engine.errors import Problem
from engine.validate.situation import coerce_fact

FACTS = load_knowledge().knowledge.facts

ACCEPTED = [
    ("magi", 12000, 12000),
    ("magi", "$12,000", 12000),
    ("magi", "$240k", 240000),
    ("magi", "$1.2m", 1200000),
    ("magi", "1.5E5", 150000),
    ("magi", " $ 12,000.50 ", Decimal("12000.50")),
    ("magi", Decimal("0.5"), Decimal("0.50")),
    ("magi", 150000.0, 150000),
    ("age", "45", 45),
    ("plans_backdoor_roth", "YES", True),
    ("plans_backdoor_roth", "n", False),
    ("plans_backdoor_roth", "False", False),
    ("filing_status", "Married Filing Jointly", "married_filing_jointly"),
    ("birth_date", "1985-06-15", "1985-06-15"),
]

REFUSED = [
    ("magi", "012000", "an amount cannot start with 0 (leading zeros), found '012000'"),
    ("magi", "210.000", "at most 2 decimal places (cents), found '210.000'"),
    ("magi", Decimal("210.000"), "at most 2 decimal places (cents), found 210.000"),
    ("magi", "12000.505", "at most 2 decimal places (cents), found '12000.505'"),
    ("magi", "0.001", "at most 2 decimal places (cents), found '0.001'"),
    ("magi", "1.5E-1", "an amount written with an exponent must be a whole amount, found '1.5E-1'"),
    ("magi", "1,2000", "expected an amount such as 12000 or \"$12,000.50\", found '1,2000'"),
    ("magi", float("nan"), "expected a finite amount, found nan"),
    ("magi", Decimal("-Infinity"), "expected a finite amount, found -Infinity"),
    ("magi", "-$5", "money cannot be negative, found '-$5'"),
    ("magi", "²", "expected an amount such as 12000 or \"$12,000.50\", found '²'"),
    ("age", "045", "expected a whole number without leading zeros, found '045'"),
    ("age", 45.0, "expected a whole number, found 45.0"),
    ("age", "0x2D", "expected a whole number in decimal (not hex, octal, binary, base 60 or 1_000), found '0x2D'"),
    ("conversion_month", "010", "expected a whole number without leading zeros, found '010'"),
    ("conversion_month", 13, "must be at most 12, found 13"),
    ("plans_backdoor_roth", 1, "expected true or false, found 1"),
    ("birth_date", "1985-W01-1", "expected a real date as YYYY-MM-DD, found '1985-W01-1'"),
    ("birth_date", "19850615", "expected a real date as YYYY-MM-DD, found '19850615'"),
    (
        "conversions",
        [{"year": 1990, "taxable": 1, "nontaxable": 0}],
        "entry 1: year: must be at least 1998, found 1990",
    ),
]


@pytest.mark.parametrize("name,value,expected", ACCEPTED, ids=[f"{a}={b!r}" for a, b, _ in ACCEPTED])
def test_accepted_values_mean_what_they_say(name, value, expected):
    got, error = coerce_fact(FACTS[name], value)
    assert error is None
    assert got == expected and type(got) is type(expected)


@pytest.mark.parametrize("name,value,message", REFUSED, ids=[f"{a}={b!r}" for a, b, _ in REFUSED])
def test_refused_values_say_what_was_expected(name, value, message):
    assert coerce_fact(FACTS[name], value) == (None, message)


def test_messages_escape_control_and_bidirectional_characters():
    problem = Problem("f.yaml", 2, 1, "ma\x1b[2Jgi\u202e\n", "unknown fact \x00", "magi")
    assert problem.format() == "f.yaml:2:1: ma\\x1b[2Jgi\\u202e\\n: unknown fact \\x00 (did you mean 'magi'?)"
