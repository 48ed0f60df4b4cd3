"""Stage 3: ``Knowledge`` → ``CompiledKnowledge``, built once per knowledge base and then frozen.

Owns formula closures (``formulas``), durable_rules ruleset definitions and everything the later
stages need precomputed (``knowledge``). May import ``engine.runtime`` and the stages below it.
"""

from engine.compile.knowledge import CompiledKnowledge, compile_knowledge

__all__ = ["CompiledKnowledge", "compile_knowledge"]
