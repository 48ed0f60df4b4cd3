"""The ``rothkb`` command line: parse, dispatch, show errors, exit codes.

Errors are one-line messages, never tracebacks (unless ``--debug``).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import sys
from collections.abc import Iterator
from typing import Any, NoReturn

from engine.errors import RothkbError, UsageError
from explain.commands import COMMANDS, configure

__all__ = ["main", "build_parser"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # usage errors exit 2 with one clear line
        raise UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")


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
    """The argument parser; only ``command``'s module is imported to add its arguments.

    Args:
        command: The command being run (None for ``--help`` or a bare ``rothkb``).

    """
    parser = _Parser(prog="rothkb", description="Cited explanations of backdoor Roth and related rules.")
    parser.add_argument("--version", action=_Version, nargs=0, help="show the program's and the knowledge's version and exit")
    parser.add_argument("--debug", action="store_true", help="show tracebacks for errors")
    parser.add_argument("--knowledge", metavar="DIR", help="knowledge directory (default: the bundled one)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, info in COMMANDS.items():
        p = sub.add_parser(name, help=info.summary, description=info.summary)
        if name == command:
            p.set_defaults(handler=configure(name, p))
    return parser


class _Version(argparse.Action):
    """``--version``: the package version and the knowledge version (sha256 of the knowledge files).

    The knowledge is the one ``--knowledge DIR`` names when given before ``--version``, else the bundled one.
    """

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any, option: Any = None) -> None:
        # Imported only for --version: ``rothkb --help`` and every command start without them.
        from engine import default_knowledge_dir
        from engine.load.files import read_knowledge

        root = getattr(namespace, "knowledge", None) or default_knowledge_dir()
        try:
            raw = read_knowledge(root)
            knowledge = f"knowledge {raw.version}" + (f", {len(raw.problems)} problems: run rothkb check" if raw.problems else "")
        except RothkbError as exc:
            knowledge = f"knowledge unreadable: {exc.format_message()}"
        print(f"rothkb {_version()} ({knowledge}, {root})")
        parser.exit(0)


def _version() -> str:
    from importlib import metadata  # ~30 ms: only for --version

    try:
        return metadata.version("rothkb")
    except metadata.PackageNotFoundError:  # running from a checkout that is not installed
        return "unknown"


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Run without the cyclic garbage collector, then put what was made meanwhile in its oldest generation.

    Starting a command imports the engine and builds the knowledge base: tens of thousands of
    objects that all live on, and every 700 of them trigger a collection that frees nothing
    (about 80, some 12 ms of a 230 ms ``rothkb explain``). Reference counting still frees what
    it can. ``freeze`` + ``unfreeze`` moves every tracked object to the oldest generation without
    a collection, so re-enabling costs no catch-up pass; a cycle made meanwhile is collected by
    the next full collection, as any old object's would be. Left alone if already paused.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        gc.enable()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``rothkb`` console script; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        command = _command_in(argv)
        with _collector_paused():  # importing the command's modules makes only long-lived objects
            args = build_parser(command).parse_args(argv)
        if not args.command:
            build_parser().print_help()
            return 2
        short = COMMANDS[args.command].short
        with _collector_paused() if short else contextlib.nullcontext():
            return int(args.handler(args) or 0)
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
