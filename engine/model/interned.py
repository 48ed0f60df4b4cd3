"""Bounded tables that hand out one shared value per key, made on first use.

The run remembers operations by the identity of their operands (``engine.compile.formulas``),
so values that say the same (an undetermined yes/no waiting on the same facts, an encoded enum
answer) are made once and shared. Each table is bounded: when full it starts afresh, which
keeps a long-running server's memory flat and never changes an answer (a value made again says
the same). Reading and writing a dict are safe across threads.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["Interned"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Interned(dict[K, V], Generic[K, V]):
    """``table[key]``: the value ``make(key)`` made the first time ``key`` was asked for.

    A key already there is a plain dict lookup; only a new key runs Python code
    (``__missing__``).
    """

    __slots__ = ("_make", "_bound")

    def __init__(self, make: Callable[[K], V], bound: int) -> None:
        """Args:
        make: Makes the value of a key not seen yet (a pure function of the key).
        bound: Most keys kept; the table is emptied when a new key would pass it.
        """
        super().__init__()
        self._make = make
        self._bound = bound

    def __missing__(self, key: K) -> V:
        value = self._make(key)
        if len(self) >= self._bound:
            self.clear()
        self[key] = value
        return value
