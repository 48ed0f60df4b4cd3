"""``rothkb batch``: explain many situations on every core (JSON Lines or CSV in, JSON Lines out).

Each input line (a CSV record after the header) gives exactly one output line, in input order:
the compact explanation JSON, or ``{"line": N, "error": [{"field": ..., "message": ...}]}``.
A bad line never stops the batch. Worker processes each load the knowledge once (inherited
from the parent where ``fork`` exists); chunks go out with a bounded number in flight, so
memory stays flat however long the input is. ``--jobs 1`` runs in this process; ``--jobs`` is
capped at the cores. The output goes to a temporary file in the same folder, fsync'd and renamed
at the end, so an interrupted batch leaves the previous output (or none), never half of one.
Workers exit when the parent dies (``PR_SET_PDEATHSIG`` on Linux, a watchdog thread elsewhere).
Exit 0 when every record was explained, 2 when any was rejected (every record still has its line).

:func:`explain_record` explains one JSON Lines record, a pure function of its arguments, for
running a batch on Dask (``rothkb[dask]``, see the README).
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import contextlib
import csv
import ctypes
import itertools
import json
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool
from typing import IO, Any

from tqdm import tqdm

from engine import EngineFailure, InputError, UsageError, load_knowledge
from engine.errors import Problem, suggest
from engine.load.jsonio import JsonValueError, loads_exact
from explain.io import atomic_output, many_runs, settle_for_many_runs
from explain.views.render import render_json_line

__all__ = ["configure", "cmd_batch", "explain_line", "explain_record", "MAX_LINE"]

#: Longest input line accepted (the same limit as one facts file).
MAX_LINE = 5 * 1024 * 1024
#: Lines per task sent to a worker: big enough to hide the pickling, small enough to keep order cheap.
CHUNK = 64
_TOO_LONG = f"line is too large (at most {MAX_LINE:,} bytes)"
_LIST_HINT = 'expected a JSON list such as [{"year": 2021, "taxable": 0, "nontaxable": 6000}]'

#: One unit of work: (input line number, kind, payload); kind is "json" (bytes), "row" (cells)
#: or "error" (a message found while reading).
Item = tuple[int, str, Any]

_WORKER: dict[str, Any] = {}


def configure(command: str, p: argparse.ArgumentParser) -> Any:
    """Arguments of ``rothkb batch``; returns its handler."""
    p.add_argument("input", metavar="INPUT", help="JSON Lines or CSV (header row = fact names) file, or - for stdin")
    p.add_argument("--out", metavar="OUTPUT", required=True, help="JSON Lines file to write (- for standard output)")
    p.add_argument("--jobs", type=int, metavar="N", help="worker processes (default: all cores; 1 = in this process)")
    p.add_argument("--input-format", choices=("jsonl", "csv"), help="default: csv for *.csv, otherwise jsonl")
    p.add_argument("--year", type=int, help="override tax_year on every line")
    return cmd_batch


def _init_worker(knowledge: str | None, year: int | None, header: tuple[str, ...], parent: int | None = None) -> None:
    """Load the knowledge once per process (a cached copy when forked from the parent); in a worker
    process (``parent`` given), arrange to exit when the parent dies.
    """
    if parent is not None:
        _exit_with_parent(parent)
    _WORKER.update(kb=load_knowledge(knowledge), year=year, header=header)
    if parent is not None:  # a worker process lives to explain: tune its collector
        settle_for_many_runs()


def _exit_with_parent(parent: int) -> None:
    """Die with the parent: the kernel's parent-death signal on Linux, else a thread polling the parent's pid."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
            if os.getppid() != parent:  # the parent died before prctl took effect
                os._exit(1)
            return

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="rothkb-parent-watch", daemon=True).start()


def _problem(message: str) -> InputError:
    return InputError(Problem("", 0, 0, "", message))


def _json_doc(raw: bytes, line: int) -> Any:
    try:
        text = raw.decode("utf-8-sig" if line == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        raise _problem(f"not UTF-8 text (byte {exc.start})") from None
    if not text.strip():
        raise _problem("empty line: expected a JSON object of facts")
    try:
        doc = loads_exact(text)  # the reader explain and serve use: same numbers, same refusals
    except json.JSONDecodeError as exc:
        raise _problem(f"invalid JSON: {exc.msg} (column {exc.colno})") from None
    except JsonValueError as exc:  # duplicate keys, too deep, a lone surrogate
        raise _problem(f"invalid JSON: {exc}") from None
    if not isinstance(doc, dict):
        found = "a list" if isinstance(doc, list) else "a single value"
        raise _problem(f'expected a JSON object of fact names to values (e.g. {{"magi": 200000}}), found {found}')
    return doc


def _row_doc(cells: list[str], header: tuple[str, ...], kb: Any) -> tuple[dict[str, Any], list[Problem]]:
    """Type a CSV record by the vocabulary (an empty cell is unknown); problems the engine cannot see."""
    if len(cells) != len(header):
        raise _problem(f"expected {len(header)} cells (one per header column), found {len(cells)}")
    doc: dict[str, Any] = {}
    problems: list[Problem] = []
    for name, cell in zip(header, cells, strict=True):
        text, kind = cell.strip(), kb.knowledge.facts[name].type
        if not text:
            continue
        if "\udc80" <= max(text) and any("\udc80" <= ch <= "\udcff" for ch in text):
            problems.append(Problem("", 0, 0, name, "not UTF-8 text"))
        elif kind == "list":
            try:
                doc[name] = loads_exact(text)
            except ValueError:  # not JSON, or refused JSON (duplicate keys, too deep)
                problems.append(Problem("", 0, 0, name, _LIST_HINT))
        else:
            doc[name] = text  # the value reader types every other cell, as it does a typed form field
    return doc, problems


def explain_line(item: Item) -> tuple[bool, str]:
    """One output line for one input item: ``(is_error, compact JSON)``; never raises."""
    line, kind, payload = item
    kb, header = _WORKER["kb"], _WORKER["header"]
    try:
        if kind == "error":
            raise _problem(payload)
        doc, problems = (_json_doc(payload, line), []) if kind == "json" else _row_doc(payload, header, kb)
        try:
            facts = kb.parse_facts(doc, f"line {line}", _WORKER["year"])
        except InputError as exc:
            problems += exc.problems
        if problems:
            raise InputError(sorted(problems, key=lambda p: header.index(p.key) if p.key in header else len(header)))
        return False, render_json_line(kb.explain(facts, validated=True))
    except InputError as exc:
        errors = [
            {"field": p.key, "message": p.message + (f" (did you mean '{p.suggestion}'?)" if p.suggestion else "")}
            for p in exc.problems
        ]
    except Exception as exc:  # an engine bug on one line must not stop the batch
        errors = [{"field": "", "message": f"internal error: {type(exc).__name__}: {exc}"}]
    return True, json.dumps({"line": line, "error": errors}, ensure_ascii=False, separators=(",", ":"))


def explain_record(text: str | bytes, line: int = 1, knowledge: str | None = None, year: int | None = None) -> str:
    """One JSON Lines record → its output line (compact explanation JSON or error object, no newline).

    A pure function of its arguments (the knowledge is loaded once per process and cached), so a
    batch can run on any scheduler, e.g. Dask: ``bag.map(explain_record)``.

    Args:
        text: The record: a JSON object of facts.
        line: The line number to report in an error object.
        knowledge: A knowledge directory (default: the bundled one).
        year: Overrides ``tax_year``.

    """
    if _WORKER.get("key") != (knowledge, year):
        _init_worker(knowledge, year, ())
        _WORKER["key"] = (knowledge, year)
    raw = text.encode("utf-8") if isinstance(text, str) else text
    return explain_line((line, "json", raw.rstrip(b"\r\n")))[1]


def _explain_chunk(items: list[Item]) -> list[tuple[bool, str]]:
    return [explain_line(item) for item in items]


def _physical_lines(handle: IO[bytes]) -> Iterator[tuple[int, bytes | None]]:
    """Lines as bytes, numbered from 1; ``None`` for a line over :data:`MAX_LINE` (skipped unread)."""
    number = 0
    while raw := handle.readline(MAX_LINE + 1):
        number += 1
        if len(raw) > MAX_LINE and not raw.endswith(b"\n"):
            while (rest := handle.readline(1 << 20)) and not rest.endswith(b"\n"):
                pass
            yield number, None
        else:
            yield number, raw


def _cells(text: str) -> list[str]:
    """The cells of one CSV line (a quote must close on the line it opens)."""
    text = text.rstrip("\r\n")
    if not text.strip():
        return []
    if text.count('"') % 2:
        raise csv.Error("a quoted cell is not closed on its line")
    return next(csv.reader([text], strict=True))


def _csv_items(handle: IO[bytes], name: str, kb: Any) -> tuple[tuple[str, ...], Iterator[Item]]:
    """Read and check the header now; return it and an iterator over the records."""
    too_long: set[int] = set()

    def texts() -> Iterator[str]:
        for number, raw in _physical_lines(handle):
            if raw is None:
                too_long.add(number)
                yield "\n"
            else:
                yield raw.decode("utf-8-sig" if number == 1 else "utf-8", "surrogateescape")

    lines = texts()
    try:
        header = tuple(cell.strip() for cell in _cells(next(lines)))
    except StopIteration:
        raise InputError(Problem(name, 0, 0, "", "empty CSV: expected a header row of fact names")) from None
    except csv.Error as exc:
        raise InputError(Problem(name, 1, 0, "", f"invalid CSV header: {exc}")) from None
    problems = []
    for col, cell in enumerate(header, 1):
        if cell not in kb.knowledge.facts:
            problems.append(Problem(name, 1, col, cell, "unknown fact in the header row", suggest(cell, kb.knowledge.facts)))
        elif header.index(cell) != col - 1:
            problems.append(Problem(name, 1, col, cell, f"duplicate column (first is column {header.index(cell) + 1})"))
    if problems:
        raise InputError(problems)

    def records() -> Iterator[Item]:
        # One record per line: no fact holds a line break, and a quote left open must cost
        # its own line only, never swallow the records after it.
        for number, text in enumerate(lines, 2):
            if number in too_long:
                yield number, "error", _TOO_LONG
                continue
            try:
                cells = _cells(text)
            except csv.Error as exc:
                yield number, "error", f"invalid CSV: {exc}"
                continue
            if not cells:
                yield number, "error", "empty line: expected one cell per header column"
            else:
                yield number, "row", cells

    return header, records()


def _drain(pending: deque[tuple[int, cf.Future[list[tuple[bool, str]]]]], keep: int) -> Iterator[tuple[bool, str]]:
    while len(pending) > keep or (pending and pending[0][1].done()):
        yield from pending[0][1].result()
        pending.popleft()


def _results(items: Iterable[Item], jobs: int, init: tuple[Any, ...]) -> Iterator[tuple[bool, str]]:
    """Output lines in input order, :data:`CHUNK` lines per task, at most ``4 * jobs`` tasks in flight."""
    it = iter(items)
    chunks = iter(lambda: list(itertools.islice(it, CHUNK)), [])
    if jobs == 1:
        _init_worker(*init)
        with many_runs():  # restored after: ``rothkb batch`` may run inside a longer process
            for chunk in chunks:
                yield from _explain_chunk(chunk)
        return
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    pool = cf.ProcessPoolExecutor(jobs, multiprocessing.get_context(method), _init_worker, (*init, os.getpid()))
    pending: deque[tuple[int, cf.Future[list[tuple[bool, str]]]]] = deque()
    try:
        for chunk in chunks:
            pending.append((chunk[0][0], pool.submit(_explain_chunk, chunk)))
            yield from _drain(pending, 4 * jobs - 1)
        yield from _drain(pending, 0)
    except BrokenProcessPool:
        where = f"from line {pending[0][0]} on" if pending else "near the end"
        raise EngineFailure(
            f"a worker process died while explaining the lines {where}; rerun with --jobs 1 --debug to find the line"
        ) from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _progress(path: str, header: bool) -> Any:
    """A progress bar on stderr (tqdm), only when stderr is a terminal; its total is a quick line count."""
    enabled, total = sys.stderr.isatty(), None
    if enabled and path != "-" and os.path.isfile(path):
        with open(path, "rb") as handle:
            total = sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b"")) - header
    return _Bar(total=total, disable=not enabled, file=sys.stderr, unit=" lines", mininterval=0.1, dynamic_ncols=True)


class _Bar(tqdm):
    #: No monitor thread: worker processes are forked from this process, and forking a threaded process is unsafe.
    monitor_interval = 0


def _open(path: str, mode: str) -> IO[bytes]:
    try:
        return open(path, mode)  # noqa: SIM115 - closed by the caller's ExitStack
    except OSError as exc:
        if mode == "rb":
            raise InputError(Problem(path, 0, 0, "", f"cannot read file: {exc.strerror or exc}")) from None
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def cmd_batch(args: argparse.Namespace) -> int:
    """``rothkb batch INPUT --out OUTPUT [--jobs N]``: exit 0 when every line was explained, 2 when any was rejected."""
    if args.jobs is not None and args.jobs < 1:
        raise UsageError(f"rothkb batch: --jobs must be at least 1, found {args.jobs}")
    jobs = min(args.jobs or _cores(), _cores())  # more processes than cores only adds overhead
    kb = load_knowledge(args.knowledge)  # an invalid knowledge base stops here (exit 1), before any work
    fmt = args.input_format or ("csv" if args.input.lower().endswith(".csv") else "jsonl")
    name, where = ("<stdin>" if args.input == "-" else args.input), ("standard output" if args.out == "-" else args.out)
    if args.input != "-" and args.out != "-" and os.path.exists(args.out) and os.path.samefile(args.input, args.out):
        raise UsageError(f"rothkb batch: --out {args.out} is the input file; choose another output")
    with contextlib.ExitStack() as stack:
        source = sys.stdin.buffer if args.input == "-" else stack.enter_context(_open(args.input, "rb"))
        header, items = (
            _csv_items(source, name, kb)
            if fmt == "csv"
            else ((), ((n, "error", _TOO_LONG) if raw is None else (n, "json", raw) for n, raw in _physical_lines(source)))
        )
        out = sys.stdout.buffer if args.out == "-" else stack.enter_context(atomic_output(args.out))
        progress, done, errors = stack.enter_context(_progress(args.input, fmt == "csv")), 0, 0
        try:
            for is_error, text in _results(items, jobs, (args.knowledge, args.year, header)):
                out.write(text.encode("utf-8") + b"\n")
                done, errors = done + 1, errors + is_error
                progress.update()
                if is_error:
                    progress.set_postfix_str(f"{errors:,} errors", refresh=False)
            out.flush()
        except OSError as exc:
            raise UsageError(f"cannot read {name} or write {where}: {exc.strerror or exc}") from None
    print(f"rothkb batch: {done:,} lines, {done - errors:,} explained, {errors:,} errors -> {where}", file=sys.stderr)
    return 2 if errors else 0
