"""Shared fixtures: run the CLI in-process, copy the bundled knowledge to a temp folder."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from explain.cli import main

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
EXAMPLE = KNOWLEDGE / "examples" / "backdoor-with-old-ira.yaml"


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture
def cli(capsysbinary, monkeypatch):
    """Run ``rothkb`` in-process: ``cli("explain", path, stdin="...")`` -> Result."""

    def run(*args: str, stdin: str | None = None) -> Result:
        if stdin is not None:
            import io

            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode())))
        code = main([str(a) for a in args])
        captured = capsysbinary.readouterr()
        return Result(code, captured.out.decode(), captured.err.decode())

    return run


def run_process(*args: str, stdin: bytes | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run ``rothkb`` as a real process (for exit codes, tracebacks, hash seeds)."""
    import os

    full_env = dict(os.environ, **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "explain.cli", *args], input=stdin, capture_output=True, cwd=ROOT, env=full_env, timeout=60
    )


@pytest.fixture
def kb_copy(tmp_path) -> Path:
    """A writable copy of the bundled knowledge (without FAQ, for speed)."""
    target = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, target, ignore=shutil.ignore_patterns("faq", "*.md"))
    return target
