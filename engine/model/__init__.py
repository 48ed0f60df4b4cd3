"""The shared vocabulary of every stage: typed knowledge, condition trees, the formula language.

Owns: ``knowledge`` (Fact, Source, Parameter, Value, Rule, Knowledge), ``conditions`` (helpers on
condition trees), ``expr`` (Unknown and bounds, the formula AST and parser), ``functions`` (formula
functions). May import only ``engine.errors``.
"""
