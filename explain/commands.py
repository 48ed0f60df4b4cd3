"""Subcommands added by feature modules (ask, interview, site, serve, batch, authoring...).

Each feature module in :data:`FEATURES` defines ``add_parser(sub) -> dict[str, handler]``;
``cli.py`` stays small and features do not edit each other's files.
"""

from __future__ import annotations

import argparse
import importlib
from typing import Any

__all__ = ["register", "HANDLERS", "FEATURES"]

#: Modules that contribute subcommands, in help order.
FEATURES = (
    "explain.authoring",   # schema, new rule
    "explain.interview",   # interview
    "explain.ask",         # ask
    "explain.site_build",  # site build
    "explain.serve",       # serve
    "explain.batch",       # batch
)

HANDLERS: dict[str, Any] = {}


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the feature subcommands to the parser."""
    for name in FEATURES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:  # a real missing dependency inside the module: report it
                raise
            continue  # feature not built in this checkout
        HANDLERS.update(module.add_parser(sub))
