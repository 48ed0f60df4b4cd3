"""Bad facts exit 2 with one message naming file, line and field, and no traceback."""

from __future__ import annotations

import pytest

from tests.conftest import run_process

CASES = [
    ("unknown_key", "tax_year: 2025\nmagii: 100000\n", "facts.yaml:2:1: magii: unknown fact (did you mean 'magi'?)"),
    (
        "wrong_type",
        "tax_year: 2025\nplans_backdoor_roth: maybe\n",
        "facts.yaml:2:1: plans_backdoor_roth: expected true or false, found 'maybe'",
    ),
    ("negative_money", "tax_year: 2025\nmagi: -5\n", "facts.yaml:2:1: magi: money cannot be negative, found -5"),
    ("negative_money_string", 'tax_year: 2025\nmagi: "-$5"\n', "facts.yaml:2:1: magi: money cannot be negative, found '-$5'"),
    (
        "bad_money_string",
        "tax_year: 2025\nmagi: twelve\n",
        "facts.yaml:2:1: magi: expected an amount such as 12000 or \"$12,000.50\", found 'twelve'",
    ),
    ("unsupported_year", "tax_year: 2019\n", "facts.yaml:1:1: tax_year: 2019 is not covered; rothkb has figures for 2023-2026"),
    ("missing_year", "magi: 100\n", "facts.yaml: tax_year: required: the year to plan for (2023-2026)"),
    ("yaml_syntax", "tax_year: 2025\nmagi: [1, 2\n", "facts.yaml:3:1: invalid YAML: expected ',' or ']', but got '<stream end>'"),
    (
        "bad_enum",
        "tax_year: 2025\nfiling_status: singel\n",
        "facts.yaml:2:1: filing_status: expected one of: single, married_filing_jointly, married_filing_separately, "
        "head_of_household, qualifying_surviving_spouse; found 'singel' (did you mean 'single'?)",
    ),
    (
        "impossible_date",
        "tax_year: 2025\nbirth_date: 1985-02-30\n",
        "facts.yaml:2:1: birth_date: expected a real date as YYYY-MM-DD, found '1985-02-30'",
    ),
    (
        "not_a_mapping",
        "- 1\n- 2\n",
        "facts.yaml:1:1: expected a mapping of fact names to values (e.g. 'magi: 200000'), found a list",
    ),
    (
        "duplicate_key",
        "tax_year: 2025\ntax_year: 2024\n",
        "facts.yaml:2:1: invalid YAML: duplicate key 'tax_year' (first at line 1)",
    ),
    (
        "python_tag",
        "tax_year: !!python/object/apply:os.getcwd []\n",
        "facts.yaml:1:11: invalid YAML: tags that build objects are not allowed (!!python/object/apply:os.getcwd)",
    ),
    (
        "money_with_dollars_ok_but_bad_list",
        "tax_year: 2025\nconversions: [{year: 2024, taxable: 1}]\n",
        "facts.yaml:2:1: conversions: entry 1: 'nontaxable' is required",
    ),
]


@pytest.mark.parametrize("name,text,message", CASES, ids=[c[0] for c in CASES])
def test_bad_facts_exit_2_with_one_precise_message(tmp_path, monkeypatch, cli, name, text, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "facts.yaml").write_text(text)
    result = cli("explain", "facts.yaml")
    assert result.code == 2
    assert result.out == ""
    assert result.err.strip() == message


def test_all_problems_reported_at_once(tmp_path, monkeypatch, cli):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "facts.yaml").write_text("tax_year: 2025\nmagii: 1\nage: old\n")
    lines = cli("explain", "facts.yaml").err.strip().splitlines()
    assert lines == [
        "facts.yaml:2:1: magii: unknown fact (did you mean 'magi'?)",
        "facts.yaml:3:1: age: expected a whole number, found 'old'",
    ]


def test_money_strings_are_accepted(cli):
    import json

    facts = '{"tax_year": 2025, "filing_status": "single", "magi": "$170,000.50", "compensation": "$170,000.50"}'
    out = cli("explain", "-", "--format", "json", stdin=facts).out
    assert json.loads(out)["trace"][0]["because"][0]["value"] == 170000.5


def test_real_process_has_no_traceback_and_debug_shows_one(tmp_path):
    path = tmp_path / "f.yaml"
    path.write_text("tax_year: 2025\nmagi: -1\n")
    plain = run_process("explain", str(path))
    assert plain.returncode == 2 and b"Traceback" not in plain.stderr
    debug = run_process("--debug", "explain", str(path))
    assert b"Traceback" in debug.stderr


def test_usage_errors_exit_2(cli):
    result = cli("explain")
    assert result.code == 2
    assert "the following arguments are required: FACTS" in result.err
    assert cli("explain", "x.yaml", "--format", "pdf").code == 2
