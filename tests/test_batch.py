"""``rothkb batch``: JSON Lines / CSV in, one JSON line out per input line, in order."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.conftest import EXAMPLE

EXAMPLE_FACTS = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in yaml.safe_load(EXAMPLE.read_text()).items()}
LOW_EARNER = {"tax_year": 2025, "filing_status": "single", "magi": 100000, "compensation": 90000}


def _jsonl(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
    return path


def _out(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_each_line_matches_explain_json_in_order(tmp_path, cli):
    rows = [EXAMPLE_FACTS, {"tax_year": 2025, "magi": -5}, LOW_EARNER, "", "[1, 2]"]
    result = cli("batch", _jsonl(tmp_path / "in.jsonl", rows), "--out", tmp_path / "out.jsonl", "--jobs", "1")
    assert result.code == 2  # some records were rejected; each still has its line
    assert result.out == ""
    assert result.err == f"rothkb batch: 5 lines, 2 explained, 3 errors -> {tmp_path / 'out.jsonl'}\n"
    out = _out(tmp_path / "out.jsonl")
    assert out[0] == json.loads(cli("explain", EXAMPLE, "--format", "json").out)
    assert out[0]["figures"]["taxable_conversion"] == 5640
    assert out[0]["form8606"]["line_10"] == 0.06
    assert "no-pretax-ira-by-dec31" in out[0]["fired"]
    assert out[1] == {"line": 2, "error": [{"field": "magi", "message": "money cannot be negative, found -5"}]}
    assert out[2]["fired"] == ["roth-direct-contribution-allowed"]
    assert out[3] == {"line": 4, "error": [{"field": "", "message": "empty line: expected a JSON object of facts"}]}
    assert out[4]["error"][0]["message"].endswith("found a list")


def test_output_is_compact_and_identical_for_one_and_two_processes(tmp_path, cli):
    # 300 lines cross several chunks; every 7th is bad, so errors and explanations interleave.
    rows = []
    for i in range(300):
        rows.append({"tax_year": 2025, "magi": -i} if i % 7 == 3 else dict(LOW_EARNER, magi=100000 + 500 * i))
    source = _jsonl(tmp_path / "in.jsonl", rows)
    for jobs in ("1", "2"):
        assert cli("batch", source, "--out", tmp_path / f"out{jobs}.jsonl", "--jobs", jobs).code == 2
    one, two = (tmp_path / "out1.jsonl").read_bytes(), (tmp_path / "out2.jsonl").read_bytes()
    assert one == two
    lines = one.decode().splitlines()
    assert len(lines) == 300 and all(": " not in line[:40] for line in lines)
    errors = [json.loads(x)["line"] for x in lines if x.startswith('{"line"')]
    assert errors == [i + 1 for i in range(300) if i % 7 == 3 and i != 0]
    assert json.loads(lines[0])["fired"] == ["roth-direct-contribution-allowed"]  # MAGI 100,000
    assert json.loads(lines[120])["fired"][0] == "roth-contribution-phased-out"  # MAGI 160,000
    assert json.loads(lines[200])["fired"][0] == "backdoor-roth-needed"  # MAGI 200,000


def test_csv_is_typed_by_the_vocabulary(tmp_path, cli):
    csv_text = (
        "tax_year,filing_status,magi,compensation,plans_backdoor_roth,conversions,age\n"
        '2025,single,"$100,000",90000,no,,40\n'
        '2025,single,100000,90000,false,"[{""year"": 2021, ""taxable"": 0, ""nontaxable"": 6000}]",\n'
        "2025,singel,1,2,maybe,[oops,x\n"
        "\n"
        "2025,single\n"
    )
    (tmp_path / "in.csv").write_text(csv_text)
    assert cli("batch", tmp_path / "in.csv", "--out", tmp_path / "out.jsonl").code == 2
    out = _out(tmp_path / "out.jsonl")
    assert len(out) == 5
    direct = dict(LOW_EARNER, plans_backdoor_roth=False, age=40)
    _jsonl(tmp_path / "same.jsonl", [direct])
    cli("batch", tmp_path / "same.jsonl", "--out", tmp_path / "same_out.jsonl", "--jobs", "1")
    assert out[0] == _out(tmp_path / "same_out.jsonl")[0]
    assert "age" not in {q["fact"] for q in out[0]["questions"]}
    assert "conversions" not in {q["fact"] for q in out[1]["questions"]}
    assert out[2]["line"] == 4
    assert [e["field"] for e in out[2]["error"]] == ["filing_status", "plans_backdoor_roth", "conversions", "age"]
    assert out[2]["error"][1]["message"] == "expected true or false, found 'maybe'"
    assert out[3] == {"line": 5, "error": [{"field": "", "message": "empty line: expected one cell per header column"}]}
    assert out[4] == {"line": 6, "error": [{"field": "", "message": "expected 7 cells (one per header column), found 2"}]}


@pytest.mark.parametrize(
    "header,message",
    [
        ("tax_year,magii\n", "in.csv:1:2: magii: unknown fact in the header row (did you mean 'magi'?)"),
        ("tax_year,magi,tax_year\n", "in.csv:1:3: tax_year: duplicate column (first is column 1)"),
        ("", "in.csv: empty CSV: expected a header row of fact names"),
    ],
)
def test_bad_csv_header_exits_2(tmp_path, cli, monkeypatch, header, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in.csv").write_text(header + "2025,1,2\n" * bool(header))
    result = cli("batch", "in.csv", "--out", "out.jsonl")
    assert (result.code, result.err.strip()) == (2, message)


def test_usage_and_unreadable_input_exit_2(tmp_path, cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _jsonl(tmp_path / "in.jsonl", [LOW_EARNER])
    cases = [
        (["batch", "missing.jsonl", "--out", "o.jsonl"], "missing.jsonl: cannot read file: No such file or directory"),
        (["batch", ".", "--out", "o.jsonl"], ".: cannot read file: Is a directory"),
        (["batch", "in.jsonl", "--out", "no/such/dir/o.jsonl"], "cannot write no/such/dir/o.jsonl: No such file or directory"),
        (["batch", "in.jsonl", "--out", "in.jsonl"], "rothkb batch: --out in.jsonl is the input file; choose another output"),
        (["batch", "in.jsonl", "--out", "o.jsonl", "--jobs", "0"], "rothkb batch: --jobs must be at least 1, found 0"),
        (["batch", "in.jsonl"], "rothkb batch: the following arguments are required: --out (see 'rothkb batch --help')"),
    ]
    for argv, message in cases:
        result = cli(*argv)
        assert (result.code, result.err.strip()) == (2, message), argv
    assert (tmp_path / "in.jsonl").read_text().startswith('{"tax_year"')


def test_stdin_to_stdout_with_bom_and_year_override(cli):
    text = "\ufeff" + json.dumps(LOW_EARNER) + "\n" + json.dumps(dict(LOW_EARNER, tax_year=2019)) + "\n"
    result = cli("batch", "-", "--out", "-", "--year", "2024", "--jobs", "1", stdin=text)
    assert result.code == 0
    lines = [json.loads(x) for x in result.out.splitlines()]
    assert [x["tax_year"] for x in lines] == [2024, 2024]
    assert result.err.strip() == "rothkb batch: 2 lines, 2 explained, 0 errors -> standard output"


def test_progress_bar_only_on_a_terminal(tmp_path, cli, monkeypatch):
    source = _jsonl(tmp_path / "in.jsonl", [LOW_EARNER, {"tax_year": 1}])
    plain = cli("batch", source, "--out", tmp_path / "a.jsonl", "--jobs", "1")
    assert "\r" not in plain.err and plain.err.count("\n") == 1
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    tty = cli("batch", source, "--out", tmp_path / "b.jsonl", "--jobs", "1")
    bar = tty.err.rsplit("\r", 1)[-1].split("\n")[0]
    assert "2/2" in bar and "1 errors" in bar and "100%" in bar
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()


def test_non_utf8_and_invalid_csv_rows_are_error_lines(tmp_path, cli):
    (tmp_path / "in.csv").write_bytes(b'tax_year,filing_status\n2025,c\xe9libataire\n2025,"sin"gle\n2025,single\n')
    assert cli("batch", tmp_path / "in.csv", "--out", tmp_path / "out.jsonl", "--jobs", "1").code == 2
    out = _out(tmp_path / "out.jsonl")
    assert out[0] == {"line": 2, "error": [{"field": "filing_status", "message": "not UTF-8 text"}]}
    assert out[1]["line"] == 3 and out[1]["error"][0]["message"].startswith("invalid CSV: ")
    assert out[2]["tax_year"] == 2025 and out[2]["schema"] == "rothkb.explanation/1"


def test_explain_line_never_raises():
    from explain.apps.batch import _init_worker, explain_line

    _init_worker(None, None, ())
    for raw in (b"{", b"null", b'{"tax_year": 2025, "conversions": [[[]]]}', b"\xff\xfe", b'{"tax_year": 1e999}'):
        is_error, text = explain_line((7, "json", raw))
        assert is_error and json.loads(text)["line"] == 7
    _, text = explain_line((1, "json", b'{"tax_year": 2025, "age": ' + b"9" * 5000 + b"}"))
    assert json.loads(text)["error"] == [{"field": "age", "message": "must be at most 130, found " + "9" * 57 + "..."}]


def test_exit_0_only_when_every_record_was_explained_and_jobs_are_capped(tmp_path, cli):
    source = _jsonl(tmp_path / "in.jsonl", [dict(LOW_EARNER, magi=100000 + i) for i in range(150)])
    result = cli("batch", source, "--out", tmp_path / "a.jsonl", "--jobs", "1000")  # capped at the cores
    assert (result.code, result.err) == (0, f"rothkb batch: 150 lines, 150 explained, 0 errors -> {tmp_path / 'a.jsonl'}\n")
    assert cli("batch", source, "--out", tmp_path / "b.jsonl", "--jobs", "1").code == 0
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    assert oct((tmp_path / "a.jsonl").stat().st_mode & 0o777) != oct(0o600)  # not the temporary file's mode


def test_a_failed_batch_leaves_the_previous_output(tmp_path, cli):
    out = tmp_path / "out.jsonl"
    out.write_text("previous\n")
    (tmp_path / "in.csv").write_text("tax_year,magii\n2025,1\n")
    assert cli("batch", tmp_path / "in.csv", "--out", out).code == 2
    assert out.read_text() == "previous\n"
    assert {p.name for p in tmp_path.iterdir()} == {"in.csv", "out.jsonl"}  # no temporary file left behind


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(x) for x in path.read_text().split()] if path.exists() else []


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux") or (os.cpu_count() or 1) < 2, reason="needs /proc and 2 cores")
def test_workers_exit_when_the_parent_dies(tmp_path):
    source = _jsonl(tmp_path / "in.jsonl", [dict(LOW_EARNER, magi=100000 + i) for i in range(40000)])
    out = tmp_path / "out.jsonl"
    out.write_text("previous\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "explain.cli", "batch", str(source), "--out", str(out), "--jobs", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while len(workers := _children(proc.pid)) < 2:
            assert proc.poll() is None and time.monotonic() < deadline, "the workers never started"
            time.sleep(0.05)
        time.sleep(0.5)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 10
        while any(_alive(w) for w in workers):
            assert time.monotonic() < deadline, "workers outlived their parent"
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert out.read_text() == "previous\n"  # the output is replaced only by a finished batch


def test_a_batch_on_dask_equals_rothkb_batch(tmp_path, cli):
    bag = pytest.importorskip("dask.bag")
    rows = [dict(LOW_EARNER, magi=100000 + 3000 * i) if i % 5 else {"tax_year": 2025, "magi": -i} for i in range(60)]
    source = _jsonl(tmp_path / "in.jsonl", rows)
    assert cli("batch", source, "--out", tmp_path / "out.jsonl", "--jobs", "1").code == 2
    from explain.apps.batch import explain_record

    lines = source.read_text().splitlines()
    records = bag.from_sequence(list(enumerate(lines, 1)), npartitions=4)
    dask_lines = records.starmap(lambda n, text: explain_record(text, n)).compute(scheduler="processes", num_workers=2)
    assert dask_lines == (tmp_path / "out.jsonl").read_text().splitlines()


def test_batch_in_this_process_gives_the_collector_back(tmp_path, cli):
    # --jobs 1 runs in the calling process: its collector tuning (explain.io.many_runs) is undone.
    import gc

    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    assert cli("batch", _jsonl(tmp_path / "in.jsonl", [LOW_EARNER] * 3), "--out", tmp_path / "o.jsonl", "--jobs", "1").code == 0
    assert gc.get_threshold() == before and gc.get_freeze_count() <= frozen
    assert [r["tax_year"] for r in _out(tmp_path / "o.jsonl")] == [2025, 2025, 2025]
