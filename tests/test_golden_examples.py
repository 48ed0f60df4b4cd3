"""Every bundled example explains byte-identically to its golden files (md, json, html).

Regenerate deliberately, when an output change is intended:
``for f in knowledge/examples/*.yaml; do ...; done`` (see tests/golden/README.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).parent / "golden" / "layout"
EXAMPLES = sorted((ROOT / "knowledge" / "examples").glob("*.yaml"))


@pytest.mark.parametrize("fmt", ["md", "json", "html"])
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_example_matches_golden(cli, example, fmt):
    result = cli("explain", str(example), "--format", fmt)
    assert result.code == 0, result.err
    assert result.out == (GOLDEN / f"{example.stem}.{fmt}").read_text(encoding="utf-8")
