"""The bad-input corpus in tests/bad_inputs/.

Each fixture ``NAME.yaml`` or ``NAME.json`` has ``NAME.expected``: the exact message ``rothkb explain``
must print on stderr (exit 2, nothing on stdout, no traceback). ``NAME.args`` (optional) holds the
command line, one argument a line, ``{file}`` standing for the fixture. ``NAME.xfail`` (optional)
says why the engine does not give that message yet: the case is a strict xfail until it does.
Every fixture without ``.args`` is also fed to ``rothkb batch`` as one line and must come back as
an error line in its place.
"""

from __future__ import annotations

import json
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import run_process

BAD = Path(__file__).resolve().parent / "bad_inputs"
FIXTURES = sorted(p for p in BAD.iterdir() if p.suffix in (".yaml", ".json"))


def _argv(path: Path) -> list[str]:
    args = path.with_suffix(".args")
    if args.exists():
        return [a.replace("{file}", path.name) for a in args.read_text().splitlines()]
    return ["explain", path.name]


def _expected(path: Path) -> str:
    return path.with_suffix(".expected").read_text(encoding="utf-8").strip()


def _xfail(path: Path) -> list[pytest.MarkDecorator]:
    reason = path.with_suffix(".xfail")
    return [pytest.mark.xfail(strict=True, reason=reason.read_text().strip())] if reason.exists() else []


PARAMS = [pytest.param(p, id=p.stem, marks=_xfail(p)) for p in FIXTURES]


def test_corpus_is_complete():
    assert len(FIXTURES) >= 40
    stems = [p.stem for p in FIXTURES]
    assert len(stems) == len(set(stems)), "two fixtures share a name"
    for path in BAD.iterdir():
        if path.suffix in (".expected", ".args", ".xfail"):
            assert path.stem in stems, f"{path.name} has no fixture"
    for path in FIXTURES:
        assert _expected(path), f"{path.name} has no .expected message"


@pytest.mark.parametrize("path", PARAMS)
def test_cli_rejects_with_precise_message(path, cli, monkeypatch):
    monkeypatch.chdir(BAD)
    start = time.monotonic()
    result = cli(*_argv(path))
    elapsed = time.monotonic() - start
    assert result.err.strip() == _expected(path)
    assert result.code == 2
    assert result.out == ""
    assert "Traceback" not in result.err
    assert elapsed < 1.0, f"took {elapsed:.2f} s (bad input must be refused quickly)"


# The nastiest cases once more as real processes: no traceback, exit 2, same message.
REAL = [
    "yaml_alias_bomb",
    "python_tag_object_new",
    "non_utf8_utf16",
    "yaml_deep_nesting_block",
    "request_year_not_a_number",
    "money_binary_tag",
]


def test_real_processes_exit_2_without_traceback():
    paths = [BAD / next(p.name for p in FIXTURES if p.stem == stem) for stem in REAL]

    def run(path: Path):
        argv = [a.replace(path.name, f"tests/bad_inputs/{path.name}") for a in _argv(path)]
        return path, run_process(*argv)

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(run, paths))
    for path, proc in results:
        err = proc.stderr.decode()
        assert proc.returncode == 2, (path.name, err)
        assert "Traceback" not in err
        assert proc.stdout == b""
        assert err.strip() == _expected(path).replace(path.name, f"tests/bad_inputs/{path.name}")


def test_tens_of_megabytes_are_refused_without_reading_them(tmp_path, cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with open("big.yaml", "w") as handle:
        handle.write("tax_year: 2025\n")
        handle.write("# padding padding padding padding padding padding padding\n" * 500_000)  # ~29 MB
    assert Path("big.yaml").stat().st_size > 25_000_000
    result = cli("explain", "big.yaml")
    assert (result.code, result.out) == (2, "")
    assert result.err.strip() == "big.yaml: file is too large (at most 5,242,880 bytes)"


# In batch the JSON fixtures whose problem is a fact's value give the same field and message as
# explain; those whose problem is the document itself give JSON-specific messages.
BATCH_DOCUMENT_ERRORS = {
    "duplicate_key_in_json": "invalid JSON: duplicate key 'magi'",
    "json_trailing_garbage": "invalid JSON: Extra data (column 20)",
    "json_two_objects": "invalid JSON: Extra data (column 20)",
    "json_deep_nesting": "invalid JSON: nesting deeper than 64 levels",
    "not_mapping_string": 'expected a JSON object of fact names to values (e.g. {"magi": 200000}), found a single value',
    "empty": "empty line: expected a JSON object of facts",
    "non_utf8_utf16": "not UTF-8 text (byte 0)",
    "non_utf8_latin1": "not UTF-8 text (byte 31)",
    "json_duplicate_key_nested": "invalid JSON: duplicate key 'year'",
    "json_nesting_65": "invalid JSON: nesting deeper than 64 levels",
    "key_lone_surrogate": "invalid JSON: a lone surrogate escape is not text: \\ud800",
}
_FIELD_MESSAGE = re.compile(r"^[^:]+(?::\d+){0,2}: ([A-Za-z_][A-Za-z0-9_]*): (.*)$")


def _batch_expectation(path: Path) -> list[dict[str, str]] | None:
    if path.stem in BATCH_DOCUMENT_ERRORS:
        return [{"field": "", "message": BATCH_DOCUMENT_ERRORS[path.stem]}]
    if path.suffix != ".json" or path.with_suffix(".xfail").exists():
        return None
    out = []
    for line in _expected(path).splitlines():
        match = _FIELD_MESSAGE.match(line)
        if not match:
            return None
        out.append({"field": match.group(1), "message": match.group(2)})
    return out


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_every_fixture_is_one_error_line_in_batch(tmp_path, cli, jobs):
    cases = [p for p in FIXTURES if not p.with_suffix(".args").exists()]
    lines = [p.read_bytes().replace(b"\r", b" ").replace(b"\n", b" ").rstrip(b" ") for p in cases]
    (tmp_path / "in.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    result = cli("batch", tmp_path / "in.jsonl", "--out", tmp_path / "out.jsonl", "--jobs", jobs)
    assert result.code == 2  # records were rejected (CONTRACT §1)
    assert result.err.strip() == f"rothkb batch: {len(cases)} lines, 0 explained, {len(cases)} errors -> {tmp_path / 'out.jsonl'}"
    out = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(out) == len(cases)
    checked = 0
    for number, (path, text) in enumerate(zip(cases, out, strict=True), 1):
        row = json.loads(text)
        assert list(row) == ["line", "error"] and row["line"] == number, path.name
        assert row["error"] and all(set(e) == {"field", "message"} and e["message"] for e in row["error"]), path.name
        want = _batch_expectation(path)
        if want is not None:
            assert row["error"] == want, path.name
            checked += 1
    assert checked >= 20


def test_batch_line_of_tens_of_megabytes_is_an_error_line(tmp_path, cli):
    good = b'{"tax_year": 2025, "filing_status": "single", "magi": 100000, "compensation": 90000}'
    with open(tmp_path / "in.jsonl", "wb") as handle:
        handle.write(good + b"\n")
        handle.write(b'{"tax_year": 2025, "magi": "' + b"9" * 30_000_000 + b'"}\n')
        handle.write(good + b"\n")
    result = cli("batch", tmp_path / "in.jsonl", "--out", tmp_path / "out.jsonl", "--jobs", "1")
    assert result.code == 2  # one record was rejected
    first, middle, last = (json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines())
    assert middle == {"line": 2, "error": [{"field": "", "message": "line is too large (at most 5,242,880 bytes)"}]}
    assert first == last and first["fired"] == ["roth-direct-contribution-allowed"]
