"""The engine's API: a :class:`KnowledgeBase` parses facts, runs them, and assembles the trace.

``load_knowledge`` keeps one knowledge base per folder (validated and compiled once).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from engine.compile.knowledge import CompiledKnowledge, compile_knowledge
from engine.errors import KnowledgeError, Problem
from engine.load.files import default_knowledge_dir, read_knowledge
from engine.run.evaluate import compute_env, run
from engine.trace.assemble import Static, assemble, build_static
from engine.trace.model import Explanation
from engine.validate.build import build_knowledge, validate
from engine.validate.situation import parse_facts, read_facts_text

__all__ = ["KnowledgeBase", "load_knowledge", "check_knowledge", "default_knowledge_dir"]


class KnowledgeBase:
    """A validated, compiled knowledge base; :meth:`explain` is safe to call from threads."""

    def __init__(self, compiled: CompiledKnowledge) -> None:
        self.compiled = compiled
        self.knowledge = compiled.knowledge
        self.static: Static = build_static(compiled)

    @property
    def version(self) -> str:
        """sha256 of the knowledge files."""
        return self.knowledge.version

    def parse_facts(self, doc: Any, path: str = "<facts>", year: int | None = None) -> dict[str, Any]:
        """Validate a facts mapping (raises :class:`InputError`)."""
        return parse_facts(doc, self.knowledge, path, year)

    def read_facts(self, text: str, path: str = "<facts>", year: int | None = None) -> dict[str, Any]:
        """Parse YAML/JSON facts text and validate it."""
        return self.parse_facts(read_facts_text(text, path), path, year)

    def explain(
        self, facts: dict[str, Any], path: str = "<facts>", year: int | None = None, validated: bool = False
    ) -> Explanation:
        """Evaluate one situation.

        Args:
            facts: Raw facts (validated here unless ``validated``).
            path: Name used in error messages.
            year: Overrides ``tax_year``.
            validated: ``facts`` already came from :meth:`parse_facts`.

        """
        typed = facts if validated else self.parse_facts(facts, path, year)
        return assemble(self.compiled, self.static, run(self.compiled, typed))

    def values(self, facts: dict[str, Any]) -> dict[str, Any]:
        """Every fact, parameter and derived value for validated facts (unknowns included)."""
        return compute_env(self.compiled, facts)

    def questions(self) -> dict[str, str]:
        """The question text of every fact (for "what would change it" sentences)."""
        return {n: f.question for n, f in self.knowledge.facts.items()}

    def descriptions(self) -> dict[str, str]:
        """Descriptions of parameters and values (for plain-English thresholds)."""
        out = {n: f.description for n, f in self.knowledge.facts.items()}
        out.update({n: c.description for n, c in self.knowledge.conclusions.items()})
        out.update({n: p.description for n, p in self.knowledge.parameters.items()})
        out.update({n: v.description for n, v in self.knowledge.values.items()})
        return out


#: Knowledge bases by (resolved folder, FAQ read).
_CACHE: dict[tuple[str, bool], KnowledgeBase] = {}
_CACHE_LOCK = threading.Lock()


def load_knowledge(path: str | Path | None = None, cache: bool = True, *, faq: bool = True) -> KnowledgeBase:
    """Load, validate and compile a knowledge directory (the bundled one by default).

    Args:
        path: The knowledge directory (default: the bundled one).
        cache: Keep one knowledge base per folder (and return it on later calls).
        faq: Read and validate the FAQ too. ``rothkb explain`` never shows it and starts faster
            without it (then ``knowledge.faq`` is empty and FAQ problems are not reported); the
            version is the same. A cached knowledge base with its FAQ serves either request.

    Raises:
        KnowledgeError: with every problem found.

    """
    root = Path(path) if path else default_knowledge_dir()
    key = str(root.resolve())
    with _CACHE_LOCK:
        for wanted in ((key, True),) if faq else ((key, True), (key, False)):
            if cache and wanted in _CACHE:
                return _CACHE[wanted]
        kb = KnowledgeBase(compile_knowledge(validate(read_knowledge(root, faq=faq))))
        if cache:
            _CACHE[(key, faq)] = kb
        return kb


def check_knowledge(path: str | Path | None = None) -> list[Problem]:
    """Every error and warning of a knowledge directory (nothing raised for knowledge problems)."""
    root = Path(path) if path else default_knowledge_dir()
    knowledge, check = build_knowledge(read_knowledge(root))
    problems = list(check.problems)
    if not any(p.severity == "error" for p in problems):
        try:
            compiled = compile_knowledge(knowledge)
        except KnowledgeError as exc:
            problems += exc.problems
        else:
            # The audit (contradictions, scenario files) is for ``rothkb check`` alone: imported
            # here so that every other command starts without it.
            from engine.audit import consistency_problems

            problems += consistency_problems(compiled)
    return sorted(set(problems), key=lambda p: (p.severity != "error", p.path, p.line, p.column, p.key, p.message))
