"""Hostile and careless inputs of the largest accepted sizes: refused quickly, in bounded memory.

Every document here is just under the 5 MiB input limit (or an alias bomb that stands for far
more). ``rothkb explain`` must refuse each within a second with one message naming the field (or
the document), and ``rothkb batch`` must turn each into one error line while the lines around it
are still explained. The same inputs run once more as real processes under an address-space limit.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT

GOOD = {"tax_year": 2025, "filing_status": "single", "magi": 100000, "compensation": 90000}
_ENTRY = {"year": 2020, "taxable": 0, "nontaxable": 1}


def _documents() -> dict[str, tuple[str, bytes, str]]:
    """name -> (file suffix, bytes, the message explain prints after the file name)."""
    keys = "tax_year: 2025\n" + "".join(f"unknown_fact_{i}: 1\n" for i in range(240_000))
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefg", "bcdefgh", strict=True)
    )
    return {
        "unknown_keys": (
            ".yaml",
            keys.encode()[:5_000_000].rsplit(b"\n", 1)[0] + b"\n",
            "more than 20,000 values in the document",
        ),
        "conversions_json": (
            ".json",
            json.dumps({"tax_year": 2025, "conversions": [_ENTRY] * 100_000}).encode(),
            "conversions: at most 200 entries",
        ),
        "flow_list": (
            ".yaml",
            b"tax_year: 2025\nconversions: [" + b"1, " * 1_600_000 + b"1]\n",
            "conversions: at most 200 entries",
        ),
        "long_string": (
            ".yaml",
            b'tax_year: 2025\nmagi: "' + b"9" * 4_900_000 + b'"\n',
            "magi: text longer than 65,536 characters",
        ),
        "alias_bomb": (".yaml", bomb.encode(), "e: more than 20,000 values"),
        "deep_flow": (
            ".yaml",
            b"tax_year: 2025\nconversions: " + b"[" * 2_000_000 + b"]" * 2_000_000 + b"\n",
            "invalid YAML: nesting deeper than 64 levels",
        ),
    }


DOCS = _documents()


@pytest.mark.parametrize("name", sorted(DOCS))
def test_explain_refuses_the_largest_inputs_within_a_second(name, tmp_path, cli, monkeypatch):
    suffix, data, message = DOCS[name]
    monkeypatch.chdir(tmp_path)
    Path(f"in{suffix}").write_bytes(data)
    assert len(data) <= 5 * 1024 * 1024
    start = time.monotonic()
    result = cli("explain", f"in{suffix}")
    elapsed = time.monotonic() - start
    assert (result.code, result.out) == (2, "")
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"in{suffix}:") and lines[0].endswith(message), lines[:3]
    assert elapsed < 1.0, f"took {elapsed:.2f} s"


def test_batch_gives_one_error_line_for_each_and_goes_on(tmp_path, cli):
    good = json.dumps(GOOD).encode()
    bad = [
        json.dumps({"tax_year": 2025, "conversions": [_ENTRY] * 100_000}).encode(),
        json.dumps({"tax_year": 2025, **{f"unknown_fact_{i}": 1 for i in range(100_000)}}).encode(),
        b'{"tax_year": 2025, "magi": "' + b"9" * 4_900_000 + b'"}',
        b'{"tax_year": 2025, "conversions": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b'{"tax_year": 2025, "\\ud800": 1}',
    ]
    (tmp_path / "in.jsonl").write_bytes(b"\n".join([good, *bad, good]) + b"\n")
    start = time.monotonic()
    result = cli("batch", tmp_path / "in.jsonl", "--out", tmp_path / "out.jsonl", "--jobs", "1")
    elapsed = time.monotonic() - start
    assert result.code == 2
    rows = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 7 and rows[0] == rows[6] and rows[0]["fired"] == ["roth-direct-contribution-allowed"]
    errors = [row["error"] for row in rows[1:6]]
    assert errors[0] == [{"field": "conversions", "message": "at most 200 entries"}]
    assert len(errors[1]) == 51 and errors[1][-1] == {"field": "", "message": "... and 99,950 more problems"}
    assert errors[1][0] == {"field": "unknown_fact_0", "message": "unknown fact"}
    assert errors[2] == [{"field": "", "message": "invalid JSON: text longer than 65,536 characters"}]
    assert errors[3] == [{"field": "", "message": "invalid JSON: nesting deeper than 64 levels"}]
    assert errors[4] == [{"field": "", "message": "invalid JSON: a lone surrogate escape is not text: \\ud800"}]
    assert elapsed < 5.0, f"took {elapsed:.2f} s for five refusals"  # generous: about a second each at most


def _limit_memory() -> None:
    limit = 768 * 1024 * 1024  # the old loader needed 0.75-2.4 GB for such documents
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_AS is enforced on Linux")
def test_largest_inputs_fit_in_bounded_memory(tmp_path):
    for name, (suffix, data, message) in sorted(DOCS.items()):
        path = tmp_path / f"{name}{suffix}"
        path.write_bytes(data)
        proc = subprocess.run(
            [sys.executable, "-m", "explain.cli", "explain", str(path)],
            capture_output=True,
            cwd=ROOT,
            timeout=60,
            preexec_fn=_limit_memory,
        )
        err = proc.stderr.decode()
        assert proc.returncode == 2 and "MemoryError" not in err and "Traceback" not in err, (name, err[-300:])
        assert err.strip().endswith(message), (name, err[-300:])
