"""Stage 1: read every knowledge file (safe YAML with positions) into a :class:`RawKnowledge`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.errors import KnowledgeError, Problem
from engine.load.yamlio import load_yaml

__all__ = ["RawKnowledge", "read_knowledge", "default_knowledge_dir"]


def default_knowledge_dir() -> Path:
    """The bundled ``knowledge/`` folder.

    An installed wheel carries it as package data, ``engine/knowledge`` (see ``force-include`` in
    ``pyproject.toml``); an editable install or a bare checkout reads the top-level ``knowledge/``
    next to the ``engine`` package, so authors see their edits at once.
    """
    # The folder ``importlib.resources.files("engine")`` names for a package on the file system
    # (the only kind this reads: a zip import has no directory), without importing
    # importlib.resources and zipfile at every start.
    bundled = Path(__file__).parent.parent / "knowledge"
    if bundled.is_dir():
        return bundled
    return Path(__file__).resolve().parents[2] / "knowledge"


@dataclass
class RawKnowledge:
    """Parsed documents by kind; ``docs`` maps a display path to its parsed content."""

    root: Path
    facts: list[tuple[str, Any]] = field(default_factory=list)
    sources: list[tuple[str, Any]] = field(default_factory=list)
    parameters: list[tuple[str, Any]] = field(default_factory=list)
    values: list[tuple[str, Any]] = field(default_factory=list)
    rules: list[tuple[str, Any]] = field(default_factory=list)
    faq: list[tuple[str, Any]] = field(default_factory=list)
    myths: list[tuple[str, Any]] = field(default_factory=list)
    interview: list[tuple[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    version: str = ""
    files: tuple[str, ...] = ()


def _display(path: Path, root: Path) -> str:
    try:
        return str(Path(root.name) / path.relative_to(root))
    except ValueError:
        return str(path)


def read_knowledge(root: Path | str, faq: bool = True) -> RawKnowledge:
    """Read the knowledge files under ``root``; syntax errors are collected, not raised.

    Args:
        root: The knowledge directory.
        faq: Parse the FAQ (``faq/*.yaml``, half the text). Without it the FAQ files are still
            hashed into :attr:`RawKnowledge.version` and listed in ``files``, so the version is
            the same either way, but ``faq`` stays empty and their problems are not looked for.

    Raises:
        KnowledgeError: only when ``root`` is not a directory.

    """
    root = Path(root)
    if not root.is_dir():
        raise KnowledgeError(Problem(str(root), 0, 0, "", "knowledge directory not found"))
    raw = RawKnowledge(root=root)
    layout = [
        ("facts", sorted(root.glob("facts.yaml"))),
        ("sources", sorted(root.glob("sources.yaml"))),
        ("parameters", sorted(root.glob("parameters/*.yaml"))),
        ("values", sorted(root.glob("values.yaml"))),
        ("rules", sorted(root.glob("rules/*.yaml"))),
        ("faq", sorted(root.glob("faq/*.yaml"))),
        ("myths", sorted(root.glob("myths.yaml"))),
        ("interview", sorted(root.glob("interview.yaml"))),
    ]
    digest = hashlib.sha256()
    files: list[str] = []
    for kind, paths in layout:
        for path in paths:
            name = _display(path, root)
            files.append(name)
            digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
            if kind == "faq" and not faq:
                continue
            try:
                doc = load_yaml(path, name, KnowledgeError)
            except KnowledgeError as exc:
                raw.problems.extend(exc.problems)
                continue
            getattr(raw, kind).append((name, doc))
    for required in ("facts", "sources", "values"):
        if not getattr(raw, required) and not any(p.path.endswith(f"{required}.yaml") for p in raw.problems):
            raw.problems.append(Problem(_display(root / f"{required}.yaml", root), 0, 0, "", "required file is missing"))
    raw.version = digest.hexdigest()
    raw.files = tuple(files)
    return raw
