"""Registry of the subcommands added by later features (ask, interview, site, serve, batch...).

Each feature module registers its parser and handler here, so that ``cli.py`` stays small.
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["register", "HANDLERS"]

HANDLERS: dict[str, Any] = {}


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the feature subcommands to the parser."""
    return None
