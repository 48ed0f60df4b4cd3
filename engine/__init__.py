"""rothkb's engine: load → validate → compile → run → trace, behind one small API.

Public API::

    kb = load_knowledge()                      # validated and compiled once
    exp = kb.explain({"tax_year": 2025, ...})  # an Explanation (engine.trace)

The stages are subpackages, each importing only the ones below it (enforced by import-linter):
``api`` → ``audit`` → ``trace`` → ``run`` → ``compile`` → ``runtime`` → ``validate`` → ``load``
→ ``model`` → ``errors``. Nothing in ``engine`` imports ``explain``.
"""

from engine.api import KnowledgeBase, check_knowledge, default_knowledge_dir, load_knowledge
from engine.errors import EngineFailure, InputError, KnowledgeError, Problem, RothkbError, UsageError
from engine.trace import Explanation

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
