"""The error-message corpus: each file in tests/knowledge_errors/ breaks a copy of the bundled
knowledge in one way and lists the exact lines `rothkb check` must print for it.

A case file has ``patch`` (a list of ``{file, write | append | replace: {old, new}}`` applied
to the copy) and ``expect`` (exact stderr lines). In an expected line, ``{end}`` is the number
of lines the appended-to file had before the patch (``{end+3}``: three lines further), so
appended text can be pointed at whatever the bundled file's length is today.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

CORPUS = Path(__file__).parent / "knowledge_errors"
CASES = sorted(CORPUS.glob("*.yaml"))


def apply_patch(root: Path, patch: list[dict]) -> dict[str, int]:
    """Apply a case's patch to a knowledge copy; return the original line count of each file."""
    ends: dict[str, int] = {}
    for step in patch:
        target = root / step["file"]
        old = target.read_text(encoding="utf-8") if target.exists() else ""
        ends[step["file"]] = old.count("\n")
        if "write" in step:
            new = step["write"]
        elif "append" in step:
            new = (old if old.endswith("\n") or not old else old + "\n") + step["append"]
        else:
            assert step["replace"]["old"] in old, f"{step['file']} no longer contains {step['replace']['old']!r}"
            new = old.replace(step["replace"]["old"], step["replace"]["new"], 1)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(new, encoding="utf-8")
    return ends


def test_corpus_has_at_least_twenty_cases():
    assert len(CASES) >= 20


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_each_broken_knowledge_gives_its_exact_message(case, kb_copy, cli):
    spec = yaml.safe_load(case.read_text(encoding="utf-8"))
    ends = apply_patch(kb_copy, spec["patch"])
    end = max(ends.values())
    result = cli("check", kb_copy)
    lines = result.err.splitlines()
    assert result.code == 1, result.err
    assert "Traceback" not in result.err
    assert spec["expect"], "\n".join(line for line in lines if not line.startswith("warning:"))
    for wanted in spec["expect"]:
        wanted = re.sub(r"\{end\+(\d+)\}", lambda m: str(end + int(m.group(1))), wanted)
        assert wanted in lines, f"{case.name}: {wanted}\n---\n{result.err}"
