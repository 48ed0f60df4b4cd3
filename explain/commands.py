"""The one command table: name → the module that implements it and a one-line summary.

Like pip's ``commands_dict``: ``rothkb --help`` lists every command without importing any of
them; only the command being run is imported. Each module has
``configure(command, parser) -> handler``.
"""

from __future__ import annotations

import argparse
import importlib
from dataclasses import dataclass
from typing import Any

__all__ = ["COMMANDS", "CommandInfo", "configure"]


@dataclass(frozen=True)
class CommandInfo:
    """Where a command lives and what it does, in one line."""

    module: str
    summary: str
    #: One short computation from start to exit: run with the cyclic garbage collector paused
    #: (see :func:`explain.cli.main`); long-running commands (serve, batch, interview) keep it.
    short: bool = False


COMMANDS: dict[str, CommandInfo] = {
    "explain": CommandInfo("explain.apps.explain", "explain a situation given as a facts file", short=True),
    "check": CommandInfo("explain.apps.check", "validate the knowledge base"),
    "test": CommandInfo("explain.apps.scenarios", "run the knowledge base's scenario tests"),
    "interview": CommandInfo("explain.apps.interview", "answer only the questions that matter, then get the explanation"),
    "ask": CommandInfo("explain.apps.ask", "answer a free-text question from the FAQ and the rules"),
    "site": CommandInfo("explain.apps.site", "build the static FAQ website"),
    "serve": CommandInfo("explain.apps.serve", "serve the FAQ site, the 'check my situation' page and the JSON API"),
    "batch": CommandInfo("explain.apps.batch", "explain many situations (JSON Lines or CSV in, JSON Lines out)"),
    "schema": CommandInfo("explain.apps.authoring", "print the JSON Schema of knowledge files (all kinds, or one)"),
    "new": CommandInfo("explain.apps.authoring", "start a new rule: a skeleton rule and a skeleton test to fill in"),
    "show": CommandInfo("explain.apps.authoring", "show a rule in plain English, or the formula functions"),
}


def configure(command: str, parser: argparse.ArgumentParser) -> Any:
    """Import the module of ``command``, add its arguments to ``parser`` and return its handler."""
    module = importlib.import_module(COMMANDS[command].module)
    return module.configure(command, parser)
