"""A stage timer shared by the profiling benchmarks (CPU time, added up per label)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

cpu = time.process_time


def timed(
    spent: dict[str, float], label: str, fn: Callable[..., Any], when: Callable[[tuple[Any, ...]], bool] | None = None
) -> Callable[..., Any]:
    """``fn`` wrapped to add its CPU seconds to ``spent[label]`` (only calls whose arguments pass ``when``)."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if when is not None and not when(args):
            return fn(*args, **kwargs)
        start = cpu()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[label] += cpu() - start

    return wrapper
