"""CONTRACT §7.2: one value reader on every surface, so a value means the same wherever it is typed.

The same value goes through a facts file (``rothkb explain``), a JSON Lines and a CSV record
(``rothkb batch``) and the JSON API and form of ``rothkb serve``: accepted with the same reading
(compared through the whole explanation JSON) or refused with the same field and message.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path

import pytest

from tests.serving import request, running

BASE = {"tax_year": 2025, "filing_status": "single", "compensation": 90000}
JSON = {"Content-Type": "application/json"}

# (JSON text of magi, the value it must mean, or None when refused, with the message)
MAGI = [
    ("1.5E5", 150000, None),
    ('"1.5E5"', 150000, None),
    ('"$240k"', 240000, None),
    ("12000.50", "12000.50", None),
    ("1.5E-1", None, "an amount written with an exponent must be a whole amount, found '1.5E-1'"),
    ("210.000", None, "at most 2 decimal places (cents), found 210.000"),
    ("0.001", None, "at most 2 decimal places (cents), found 0.001"),
    ('"012000"', None, "an amount cannot start with 0 (leading zeros), found '012000'"),
    ('"0x7E9"', None, "expected a decimal amount (not hex, octal, binary, base 60 or 1_000), found '0x7E9'"),
]


@pytest.fixture(scope="module")
def server():
    with running() as srv:
        yield srv


def _doc(magi: str) -> str:
    return '{"tax_year": 2025, "filing_status": "single", "compensation": 90000, "magi": ' + magi + "}"


@pytest.mark.parametrize("magi,meaning,message", MAGI, ids=[m for m, _, _ in MAGI])
def test_explain_batch_and_api_read_a_value_alike(magi, meaning, message, tmp_path, cli, server):
    (tmp_path / "in.json").write_text(_doc(magi))
    (tmp_path / "in.jsonl").write_text(_doc(magi) + "\n")
    explained = cli("explain", tmp_path / "in.json", "--format", "json")
    cli("batch", tmp_path / "in.jsonl", "--out", tmp_path / "out.jsonl", "--jobs", "1")
    row = json.loads((tmp_path / "out.jsonl").read_text())
    status, body, _ = request(server.port, "POST", "/api/v1/explain", _doc(magi).encode(), JSON)
    if meaning is None:
        assert explained.code == 2 and explained.err.strip() == f"{tmp_path / 'in.json'}:1:70: magi: {message}"
        assert row["error"] == [{"field": "magi", "message": message}]
        assert status == 400 and json.loads(body)["error"] == {"field": "magi", "message": message}
        return
    (tmp_path / "plain.json").write_text(_doc(str(meaning)))
    plain = cli("explain", tmp_path / "plain.json", "--format", "json")
    assert explained.code == 0 and explained.out == plain.out  # the same reading as the plain number
    assert status == 200 and body == explained.out  # the API's answer is byte for byte explain's
    assert row == json.loads(explained.out)


def test_csv_cells_are_read_by_the_same_reader(tmp_path, cli):
    (tmp_path / "in.csv").write_text(
        "tax_year,filing_status,compensation,magi,age,plans_backdoor_roth\n"
        "2025,single,90000,012000,40,no\n"
        "2025,single,90000,1.5E5,045,no\n"
        "2025,single,90000,100000,\u00b2,yes\n"
        "2025,single,90000,100000,0x2D,1\n"
    )
    assert cli("batch", tmp_path / "in.csv", "--out", tmp_path / "out.jsonl", "--jobs", "1").code == 2
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert rows[0]["error"] == [{"field": "magi", "message": "an amount cannot start with 0 (leading zeros), found '012000'"}]
    assert rows[1]["error"] == [{"field": "age", "message": "expected a whole number without leading zeros, found '045'"}]
    assert rows[2]["error"] == [{"field": "age", "message": "expected a whole number, found '\u00b2'"}]
    assert rows[3]["error"] == [
        {
            "field": "age",
            "message": "expected a whole number in decimal (not hex, octal, binary, base 60 or 1_000), found '0x2D'",
        },
        {"field": "plans_backdoor_roth", "message": "expected true or false, found '1'"},
    ]


def test_an_open_csv_quote_costs_its_own_line_only(tmp_path, cli):
    (tmp_path / "in.csv").write_text(
        "tax_year,filing_status,magi,compensation\n"
        '2025,"single,100000,90000\n'
        "2025,single,100000,90000\n"
        '2025,single,"100000,90000\n'
        "2025,single,100000,90000\n"
    )
    assert cli("batch", tmp_path / "in.csv", "--out", tmp_path / "out.jsonl", "--jobs", "1").code == 2
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert len(rows) == 4
    unclosed = [{"field": "", "message": "invalid CSV: a quoted cell is not closed on its line"}]
    assert rows[0] == {"line": 2, "error": unclosed} and rows[2] == {"line": 4, "error": unclosed}
    assert rows[1]["fired"] == rows[3]["fired"] == ["roth-direct-contribution-allowed"]


def test_a_lone_surrogate_key_is_one_error_line_and_the_run_goes_on(tmp_path, cli):
    good = json.dumps(dict(BASE, magi=100000))
    (tmp_path / "in.jsonl").write_text(f'{good}\n{{"\\ud800": 1}}\n{{"tax_year": 2025, "a\\udfff": 1}}\n{good}\n')
    for jobs in ("1", "2"):
        assert cli("batch", tmp_path / "in.jsonl", "--out", tmp_path / "out.jsonl", "--jobs", jobs).code == 2
        rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
        assert [r.get("line") for r in rows] == [None, 2, 3, None]
        assert rows[1]["error"] == [{"field": "", "message": "invalid JSON: a lone surrogate escape is not text: \\ud800"}]
        assert rows[0] == rows[3]


def test_duplicate_keys_are_refused_by_the_form_too(server):
    body = b'{"tax_year": 2025, "magi": 100000, "magi": 5}'
    status, page, _ = request(server.port, "POST", "/check", body, JSON)
    assert status == 400 and "duplicate key &#x27;magi&#x27;" in page or "duplicate key 'magi'" in html.unescape(page)


def test_the_form_reads_conversion_years_as_every_surface_does(server):
    fields = "tax_year=2025&filing_status=single&magi=100000&compensation=90000&conversions=%C2%B2%2C0%2C100"
    status, page, _ = request(
        server.port, "POST", "/check", fields.encode(), {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert status in (200, 400) and "expected a whole number, found" in html.unescape(page)  # was an internal error


def test_explain_refuses_to_overwrite_its_facts_file(tmp_path, cli):
    facts = tmp_path / "me.yaml"
    facts.write_text("tax_year: 2025\nmagi: 100000\n")
    os.link(facts, tmp_path / "hard.yaml")
    for out in (facts, tmp_path / "hard.yaml", Path(os.path.relpath(facts))):
        result = cli("explain", facts, "--out", out)
        assert (
            result.code == 2
            and result.err.strip() == f"rothkb explain: --out {out} is the facts file itself; choose another file"
        )
    assert facts.read_text() == "tax_year: 2025\nmagi: 100000\n"


def test_site_build_leaves_no_staging_folder_and_replaces_the_old_site(tmp_path, cli):
    out = tmp_path / "site"
    assert cli("site", "build", "--out", out).code == 0
    (out / "stale.html").write_text("old")
    assert cli("site", "build", "--out", out).code == 0
    assert not (out / "stale.html").exists() and (out / "index.html").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["site"]
