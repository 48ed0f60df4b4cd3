"""Stage 2: documents → a typed ``Knowledge``, every problem collected (never just the first).

Owns the problem collector (``checker``), the allowed keys (``schema``), rules and conditions
(``rules``), the rule graph (``graph``), a person's facts (``situation``) and author test files
(``scenarios``). May import ``engine.load``, ``engine.model`` and ``engine.errors``.
"""

from engine.validate.build import build_knowledge, validate

__all__ = ["build_knowledge", "validate"]
