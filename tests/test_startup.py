"""Cold start of ``rothkb explain``: what it imports and reads, and the direct YAML builder.

The promises behind its speed, none of which may change an output: the command imports only
what it needs, skips the FAQ (same knowledge version), and knowledge files built straight from
libyaml's events are exactly what the general composer and constructor build.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys

import pytest
import yaml

import engine
from engine import load_knowledge
from engine.load import yamlio
from engine.load.compose import Limits
from tests.conftest import EXAMPLE, KNOWLEDGE, ROOT

PROBE = """
import json, sys
from explain.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def _modules(*args: object) -> set[str]:
    proc = subprocess.run([sys.executable, "-c", PROBE, *map(str, args)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    result = json.loads(proc.stderr.strip().splitlines()[-1])
    assert result["code"] == 0, proc.stderr
    return set(result["modules"])


def test_explain_imports_only_what_it_needs(tmp_path):
    loaded = _modules("explain", EXAMPLE, "--out", tmp_path / "out.md")
    assert "engine.api" in loaded and "explain.views.markdown" in loaded
    for unneeded in ("engine.audit", "engine.validate.scenarios", "explain.views.html", "orjson", "markdown", "zipfile"):
        assert unneeded not in loaded, unneeded


def test_engine_names_resolve_lazily():
    for name in engine.__all__:
        assert getattr(engine, name) is not None
    assert set(engine.__all__) <= set(dir(engine))
    with pytest.raises(AttributeError):
        engine.no_such_name  # noqa: B018


def test_explain_without_faq_has_the_same_version():
    full = load_knowledge(cache=False)
    core = load_knowledge(cache=False, faq=False)
    assert core.version == full.version and core.knowledge.files == full.knowledge.files
    assert core.knowledge.faq == [] and full.knowledge.faq
    assert core.knowledge.rules == full.knowledge.rules


def _same(direct, general, path="$"):
    assert type(direct) is type(general), path
    if isinstance(general, dict):
        assert list(direct) == list(general), path
        assert (direct.marks, direct.mark, direct.texts) == (general.marks, general.mark, general.texts), path
        for key in general:
            _same(direct[key], general[key], f"{path}.{key}")
    elif isinstance(general, list):
        assert len(direct) == len(general) and (direct.marks, direct.mark) == (general.marks, general.mark), path
        for i, (a, b) in enumerate(zip(direct, general, strict=True)):
            _same(a, b, f"{path}[{i}]")
    elif not (isinstance(general, float) and general != general):
        assert direct == general, path


def _both(text: str, limits: Limits):
    """(direct result or None if it gave up, general result or the exception it raised)."""
    results = []
    for method in ("build_single", "get_single_data"):
        loader = yamlio._CLoader(text)
        loader.limits = limits
        try:
            results.append(getattr(loader, method)())
        except Exception as exc:  # noqa: BLE001 - compared below
            results.append(exc if method == "get_single_data" else None)
        finally:
            loader.dispose()
    return results


_PLAIN = Limits(yamlio.MAX_NODES, yamlio.MAX_DEPTH, yamlio.MAX_STRING)


@pytest.mark.parametrize("path", sorted(p for p in (ROOT / "tests").rglob("*.yaml")) + sorted(KNOWLEDGE.rglob("*.yaml")))
def test_direct_builder_builds_what_the_general_path_builds(path):
    direct, general = _both(path.read_text(encoding="utf-8-sig", errors="replace"), _PLAIN)
    if direct is not None:
        assert not isinstance(general, Exception), path
        _same(direct, general)


ATOMS = ["yes", "No", "on", "~", "null", "", "0x1F", "0o17", "017", "1_000", "12:30:10", "2024-01-01", "-.inf", ".NaN",
         "1e3", "+12", "=", "<<", "a b", "3.", "123456789012345678901234567890", "true", "False"]  # fmt: skip


def _node(rng: random.Random, depth: int):
    roll = rng.random()
    if depth > 3 or roll < 0.4:
        return rng.choice([rng.choice(ATOMS), rng.randint(-999, 999), rng.random(), None, True, "x:y", "k#"])
    if roll < 0.7:
        return [_node(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {rng.choice([*ATOMS, "k", 7, None]): _node(rng, depth + 1) for _ in range(rng.randint(0, 3))}


def test_direct_builder_on_generated_documents():
    rng = random.Random(19)
    built = 0
    for _ in range(1500):
        text = yaml.safe_dump(_node(rng, 0), default_flow_style=rng.choice([None, False, True]))
        if rng.random() < 0.3:  # plain scalars written as such, duplicates, merges, anchors, tags
            text += rng.choice(["k: yes\n", "dup: 1\ndup: 2\n", "<<: {a: 1}\n", "a: &x 1\nb: *x\n", "c: !!str 1\n", "d: 0x1F\n"])
        limits = _PLAIN if rng.random() < 0.8 else Limits(rng.choice([5, 50]), rng.choice([2, 64]), 4, 2, 2)
        direct, general = _both(text, limits)
        if direct is not None:
            built += 1
            assert not isinstance(general, Exception), text
            _same(direct, general)
    assert built > 500
