"""rothkb's engine: load → validate → compile → run → trace, behind one small API.

Public API::

    kb = load_knowledge()                      # validated and compiled once
    exp = kb.explain({"tax_year": 2025, ...})  # an Explanation (engine.trace)

The stages are subpackages, each importing only the ones below it (enforced by import-linter):
``api`` → ``audit`` → ``trace`` → ``run`` → ``compile`` → ``runtime`` → ``validate`` → ``load``
→ ``model`` → ``errors``. Nothing in ``engine`` imports ``explain``.

The names are imported on first use (PEP 562): importing one stage, such as ``engine.errors``
for the command line's error display, does not import every other stage with it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.api import KnowledgeBase, check_knowledge, default_knowledge_dir, load_knowledge
    from engine.errors import EngineFailure, InputError, KnowledgeError, Problem, RothkbError, UsageError
    from engine.trace import Explanation

#: Where each public name lives.
_HOMES = {
    "KnowledgeBase": "engine.api",
    "load_knowledge": "engine.api",
    "check_knowledge": "engine.api",
    "default_knowledge_dir": "engine.api",
    "Explanation": "engine.trace",
    "RothkbError": "engine.errors",
    "KnowledgeError": "engine.errors",
    "InputError": "engine.errors",
    "UsageError": "engine.errors",
    "EngineFailure": "engine.errors",
    "Problem": "engine.errors",
}

__all__ = [
    "KnowledgeBase",
    "load_knowledge",
    "check_knowledge",
    "default_knowledge_dir",
    "Explanation",
    "RothkbError",
    "KnowledgeError",
    "InputError",
    "UsageError",
    "EngineFailure",
    "Problem",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'engine' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # later look-ups are plain module attributes
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
