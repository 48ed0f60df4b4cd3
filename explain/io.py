"""Reading a person's input and writing outputs: the one size guard and crash-safe writes."""

from __future__ import annotations

import contextlib
import gc
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from engine.errors import InputError, Problem, UsageError

__all__ = [
    "MAX_INPUT",
    "read_input",
    "write_output",
    "atomic_write",
    "atomic_output",
    "settle_for_many_runs",
    "restore_collector",
    "many_runs",
]

#: Largest facts file or standard input read (bytes); one more byte is read to notice more.
MAX_INPUT = 5 * 1024 * 1024


def read_input(path: str) -> tuple[str, str]:
    """Read a facts file (or ``-`` for standard input) as UTF-8 text.

    Returns:
        ``(text, name)``: the text and the name to use in messages.

    Raises:
        InputError: unreadable, too large or not UTF-8.

    """
    if path == "-":
        data = sys.stdin.buffer.read(MAX_INPUT + 1)
        name = "<stdin>"
    else:
        try:
            with open(path, "rb") as handle:
                data = handle.read(MAX_INPUT + 1)
        except OSError as exc:
            raise InputError(Problem(path, 0, 0, "", f"cannot read file: {exc.strerror or exc}")) from None
        name = path
    if len(data) > MAX_INPUT:
        raise InputError(Problem(name, 0, 0, "", f"file is too large (at most {MAX_INPUT:,} bytes)"))
    try:
        return data.decode("utf-8-sig"), name
    except UnicodeDecodeError as exc:
        raise InputError(Problem(name, 0, 0, "", f"not UTF-8 text (byte {exc.start})")) from None


def atomic_write(out: str | Path, data: bytes) -> None:
    """Write ``data`` to ``out`` through a temporary file in the same folder, fsync'd, then renamed.

    A crash or a kill leaves either the old file or the new one, never half of it.

    Raises:
        UsageError: the folder cannot be written.

    """
    target = Path(out)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or ".")
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None


def write_output(text: str, out: str | None) -> None:
    """Write UTF-8 text to a file (atomically) or to standard output (exact bytes)."""
    if out:
        atomic_write(out, text.encode("utf-8"))
    else:
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.flush()


@contextlib.contextmanager
def atomic_output(path: str | Path) -> Iterator[IO[bytes]]:
    """A file to stream into: a temporary file next to ``path``, fsync'd and renamed onto it when the
    ``with`` block ends without an exception (removed otherwise), like :func:`atomic_write`.

    Raises:
        UsageError: the folder cannot be written.

    """
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"cannot write {path}: Is a directory")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        mask = os.umask(0)
        os.umask(mask)
        os.fchmod(fd, target.stat().st_mode & 0o7777 if target.exists() else 0o666 & ~mask)  # mkstemp makes it 0600
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:  # an error or an interrupt in the with block: the old file stays as it was
        Path(tmp).unlink(missing_ok=True)
        raise


#: First-generation threshold of the cyclic collector in a process that evaluates many situations.
MANY_RUNS_THRESHOLD = 20_000


def settle_for_many_runs() -> tuple[int, int, int]:
    """Tune the cyclic garbage collector for a process that explains many situations (batch, serve).

    The knowledge base is tens of thousands of objects that live as long as the process; an
    explanation makes a few thousand short-lived ones and no reference cycle (reference counting
    frees all of it). ``freeze`` takes the long-lived objects out of every later collection, and a
    higher first-generation threshold makes collections rarer (about 8% of a batch line's time
    at the default of 700); cycles made by anything else are still collected.

    Returns:
        The thresholds before, for :func:`restore_collector`.

    """
    before = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(MANY_RUNS_THRESHOLD, before[1], before[2])
    return before


def restore_collector(before: tuple[int, int, int]) -> None:
    """Undo :func:`settle_for_many_runs` (when the process goes on to do other things)."""
    gc.unfreeze()
    gc.set_threshold(*before)


@contextlib.contextmanager
def many_runs() -> Iterator[None]:
    """The collector tuned by :func:`settle_for_many_runs` while the block runs, restored after."""
    before = settle_for_many_runs()
    try:
        yield
    finally:
        restore_collector(before)
