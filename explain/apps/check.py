"""``rothkb check``: validate a knowledge folder and report every problem."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from engine import check_knowledge

__all__ = ["configure", "cmd_check"]


def cmd_check(args: argparse.Namespace) -> int:
    """``rothkb check [DIR] [--strict]``: every error and warning (errors first), then a count."""
    problems = check_knowledge(args.directory or args.knowledge)
    for problem in problems:
        print(problem.format(), file=sys.stderr)
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    if errors:
        print(f"rothkb check: {errors} error(s), {warnings} warning(s)", file=sys.stderr)
        return 1
    if warnings and args.strict:
        print(f"rothkb check: 0 error(s), {warnings} warning(s), treated as errors by --strict", file=sys.stderr)
        return 1
    print(f"rothkb check: knowledge is valid ({warnings} warning(s))")
    return 0


def configure(command: str, parser: argparse.ArgumentParser) -> Any:
    """Arguments of ``rothkb check``; returns its handler."""
    parser.add_argument("directory", nargs="?", metavar="KNOWLEDGE_DIR")
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    return cmd_check
