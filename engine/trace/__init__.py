"""Stage 5: a ``RunResult`` → an ``Explanation`` made of plain dataclasses.

Owns the dataclasses (``model``), the assembly (``assemble``), what it would take for a rule to
apply (``whynot``), the ranking of questions (``questions``) and number formatting shared by every
view (``formatting``). May import ``engine.run`` and below.
"""

from engine.trace.model import Check, Explanation, Figure, NotFired, Question, SourceInfo, Step, Undetermined

__all__ = ["Check", "Explanation", "Figure", "NotFired", "Question", "SourceInfo", "Step", "Undetermined"]
