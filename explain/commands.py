"""Subcommands added by feature modules (ask, interview, site, serve, batch, authoring...).

Each feature module in :data:`FEATURES` defines ``add_parser(sub) -> dict[str, handler]``;
``cli.py`` stays small and features do not edit each other's files.
"""

from __future__ import annotations

import argparse
import importlib
from typing import Any

__all__ = ["register", "HANDLERS", "FEATURES"]

#: Modules that contribute subcommands, in help order, with the commands each one adds.
FEATURES = {
    "explain.authoring": ("schema", "new", "show"),
    "explain.interview": ("interview",),
    "explain.ask": ("ask",),
    "explain.site_build": ("site",),
    "explain.serve": ("serve",),
    "explain.batch": ("batch",),
}

HANDLERS: dict[str, Any] = {}


def register(sub: argparse._SubParsersAction, command: str | None = None) -> None:  # type: ignore[type-arg]
    """Add feature subcommands to the parser.

    Args:
        sub: The subparsers of the main parser.
        command: The command being run. Only the module providing it is imported (a cold
            ``rothkb explain`` need not import the web server or multiprocessing); with
            None (help, or an unknown command) every feature is imported.

    """
    for name, commands in FEATURES.items():
        if command is not None and command not in commands:
            continue
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:  # a real missing dependency inside the module: report it
                raise
            continue  # feature not built in this checkout
        HANDLERS.update(module.add_parser(sub))
