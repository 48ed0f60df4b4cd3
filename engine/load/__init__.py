"""Stage 1: files → YAML documents that keep their line and column.

Owns safe YAML reading with size, depth and alias limits (``yamlio``) and finding the knowledge
files (``files``). May import ``engine.model`` and ``engine.errors``.
"""
