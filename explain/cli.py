"""The ``rothkb`` command line. Errors are messages, never tracebacks (unless ``--debug``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from engine import RothkbError, UsageError, load_knowledge
from engine.errors import InputError, Problem

__all__ = ["main", "build_parser"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors exit 2 with one clear line
        raise UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")


CORE = ("explain", "check", "test")


def _command_in(argv: list[str]) -> str | None:
    """The subcommand named in ``argv`` (skipping global options), or None."""
    args = iter(argv)
    for arg in args:
        if arg == "--knowledge":
            next(args, None)
        elif not arg.startswith("-"):
            return arg
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = _Parser(prog="rothkb", description="Cited explanations of backdoor Roth and related rules.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    parser.add_argument("--knowledge", metavar="DIR", help="knowledge directory (default: the bundled one)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    p = sub.add_parser("explain", help="explain a situation given as a facts file")
    p.add_argument("facts", metavar="FACTS", help="YAML or JSON facts file, or - for standard input")
    p.add_argument("--format", choices=("md", "html", "json"), default="md")
    p.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    p.add_argument("--year", type=int, help="override tax_year")
    p = sub.add_parser("check", help="validate the knowledge base")
    p.add_argument("directory", nargs="?", metavar="KNOWLEDGE_DIR")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    p = sub.add_parser("test", help="run the knowledge base's scenario tests")
    p.add_argument("paths", nargs="*", metavar="PATH")
    p.add_argument("-k", dest="keyword", metavar="NAME", help="only tests whose name contains NAME")
    from . import commands
    if command not in CORE:
        known = {c for cs in commands.FEATURES.values() for c in cs}
        commands.register(sub, command if command in known else None)
    return parser


def _read_input(path: str) -> tuple[str, str]:
    if path == "-":
        data = sys.stdin.buffer.read(5 * 1024 * 1024 + 1)
        name = "<stdin>"
    else:
        try:
            with open(path, "rb") as handle:
                data = handle.read(5 * 1024 * 1024 + 1)
        except OSError as exc:
            raise InputError(Problem(path, 0, 0, "", f"cannot read file: {exc.strerror or exc}")) from None
        name = path
    if len(data) > 5 * 1024 * 1024:
        raise InputError(Problem(name, 0, 0, "", "file is too large (at most 5,242,880 bytes)"))
    try:
        return data.decode("utf-8-sig"), name
    except UnicodeDecodeError as exc:
        raise InputError(Problem(name, 0, 0, "", f"not UTF-8 text (byte {exc.start})")) from None


def write_output(text: str, out: str | None) -> None:
    """Write to a file or standard output (UTF-8, exact bytes)."""
    if out:
        try:
            Path(out).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None
    else:
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.flush()


def cmd_explain(args: argparse.Namespace) -> int:
    """``rothkb explain``."""
    from .render import render_html, render_json, render_markdown
    kb = load_knowledge(args.knowledge)
    text, name = _read_input(args.facts)
    exp = kb.explain(kb.read_facts(text, name, args.year), name, validated=True)
    if args.format == "json":
        output = render_json(exp)
    elif args.format == "html":
        output = render_html(exp, kb.descriptions(), questions=kb.questions())
    else:
        output = render_markdown(exp, kb.descriptions(), kb.questions())
    write_output(output, args.out)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """``rothkb check [DIR] [--strict]``: every error and warning (errors first), then a count."""
    from engine import check_knowledge
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


def cmd_test(args: argparse.Namespace) -> int:
    """``rothkb test``: scenario tests, one line per test, exit 1 on any failure."""
    from engine.load import default_knowledge_dir
    from engine.scenarios import load_scenarios, run_scenario
    kb = load_knowledge(args.knowledge)
    root = Path(args.knowledge) if args.knowledge else default_knowledge_dir()
    paths = [Path(p) for p in args.paths] or [root / "tests"]
    for path in paths:
        if not path.exists():
            raise UsageError(f"no such test file or folder: {path}")
    scenarios = [s for s in load_scenarios(paths) if not args.keyword or args.keyword in s.name]
    results = [run_scenario(kb, s) for s in scenarios]
    for result in results:
        print(result.report())
    failed = sum(not r.passed for r in results)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


COMMANDS: dict[str, Any] = {"explain": cmd_explain, "check": cmd_check, "test": cmd_test}


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``rothkb`` console script; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        args = build_parser(_command_in(argv)).parse_args(argv)
        if not args.command:
            build_parser().print_help()
            return 2
        from . import commands
        handler = COMMANDS.get(args.command) or commands.HANDLERS[args.command]
        return int(handler(args) or 0)
    except RothkbError as exc:
        if debug:
            raise
        print(exc.format_message(), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug: say so plainly, traceback only with --debug
        if debug:
            raise
        print(f"rothkb: internal error: {type(exc).__name__}: {exc} (run with --debug for details)", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
