"""Helpers on condition trees and advice text, shared by validation, compilation and assembly."""

from __future__ import annotations

import re
from typing import Any

from engine.model.knowledge import Leaf

__all__ = ["PLACEHOLDER", "leaves"]

#: A ``{name}`` placeholder in advice or deadline text.
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def leaves(cond: Any) -> list[Leaf]:
    """All leaves of a condition tree, in order."""
    if isinstance(cond, Leaf):
        return [cond]
    return [leaf for item in cond.items for leaf in leaves(item)]
