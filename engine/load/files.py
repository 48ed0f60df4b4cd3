"""Stage 1: read every knowledge file (safe YAML with positions) into a :class:`RawKnowledge`."""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.errors import KnowledgeError, Problem
from engine.load.yamlio import MAX_BYTES, parse_yaml

__all__ = ["RawKnowledge", "default_knowledge_dir", "read_document", "read_knowledge", "read_regular"]


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


_OUTSIDE = "is a link to a file outside the knowledge folder; copy the file in instead"
_NOT_REGULAR = "not a regular file (a device, pipe or folder); knowledge files are plain YAML files"


def read_document(path: Path, name: str, inside: Path | None = None) -> tuple[bytes, Any]:
    """Read and parse one knowledge file: ``(its bytes, its document)``.

    See :func:`read_regular`; ``name`` is how messages name the file.

    Raises:
        KnowledgeError: the file is refused (see :func:`read_regular`) or is not valid YAML.

    """
    data = read_regular(path, name, inside)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise KnowledgeError(Problem(name, 0, 0, "", f"not UTF-8 text (byte {exc.start})")) from None
    return data, parse_yaml(text, name, KnowledgeError)


def read_regular(path: Path, name: str, inside: Path | None = None) -> bytes:
    """The bytes of one knowledge file, refused unless it is a regular file (inside ``inside``).

    A link may point anywhere (a credentials file, ``/dev/zero``, a pipe that never ends): the
    target must resolve inside the knowledge folder and be a regular file, checked on the open
    descriptor (no race with a swap), and at most the size limit plus one byte is ever read.

    Raises:
        KnowledgeError: the file is outside the folder, not a regular file, unreadable or too large.

    """
    target = path.resolve()
    if inside is not None and not target.is_relative_to(inside.resolve()):
        raise KnowledgeError(Problem(name, 0, 0, "", _OUTSIDE))
    try:
        # O_NONBLOCK: opening a pipe must not wait for a writer; it is refused just below.
        fd = os.open(target, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise KnowledgeError(Problem(name, 0, 0, "", f"cannot read file: {exc.strerror or exc}")) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise KnowledgeError(Problem(name, 0, 0, "", _NOT_REGULAR))
        data = _read_at_most(fd, MAX_BYTES + 1)
    finally:
        os.close(fd)
    if len(data) > MAX_BYTES:
        raise KnowledgeError(Problem(name, 0, 0, "", f"file is too large (at most {MAX_BYTES:,} bytes)"))
    return data


def _read_at_most(fd: int, limit: int) -> bytes:
    chunks: list[bytes] = []
    left = limit
    while left > 0:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


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
            try:
                if kind == "faq" and not faq:
                    # Hashed (bounded, refused like any file) so the version is the same, not parsed.
                    digest.update(name.encode() + b"\0" + read_regular(path, name, inside=root) + b"\0")
                    continue
                data, doc = read_document(path, name, inside=root)
                digest.update(name.encode() + b"\0" + data + b"\0")
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
