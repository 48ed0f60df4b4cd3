"""Where the time goes: per-stage costs and cProfile top entries for the two targets missed.

Run from the repository root::

    .venv/bin/python benchmarks/profile_run.py [--top 25]

Prints (1) the cold start split into interpreter, imports, knowledge loading (read / validate /
compile) and rendering, with the YAML parser comparison; (2) the warm evaluation split into
stages, in CPU microseconds per situation; (3) cProfile top entries (CPU time) of both.
Findings and proposals are written up by hand in benchmarks/PROFILE.md.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from situations import generate  # noqa: E402
from stages import timed  # noqa: E402

EXAMPLE = ROOT / "knowledge" / "examples" / "backdoor-with-old-ira.yaml"
cpu = time.process_time


def _top(profile: cProfile.Profile, count: int, key: str) -> str:
    out = io.StringIO()
    pstats.Stats(profile, stream=out).strip_dirs().sort_stats(key).print_stats(count)
    text = out.getvalue()
    return text[text.index("   ncalls") :].rstrip() if "   ncalls" in text else text


def _child_cpu(code: str, runs: int = 5) -> float:
    """Median CPU seconds (user + sys) of a fresh interpreter running ``code``."""
    values = []
    for _ in range(runs):
        proc = subprocess.run(
            [
                sys.executable,
                "-c",
                "import resource, sys\n"
                + code
                + "\nu = resource.getrusage(resource.RUSAGE_SELF)\nprint(u.ru_utime + u.ru_stime, file=sys.stderr)",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        values.append(float(proc.stderr.strip().splitlines()[-1]))
    return sorted(values)[len(values) // 2]


def cold(top: int) -> None:
    print("## Cold start (CPU ms, median of 5 fresh interpreters)\n")
    steps = {
        "python -c pass": "pass",
        "import yaml, jinja2, markdown (baseline)": "import yaml, jinja2, markdown",
        "import explain.cli": "import explain.cli",
        "+ load_knowledge()": "import explain.cli\nfrom engine import load_knowledge\nload_knowledge()",
        "full `rothkb explain EXAMPLE` (md)": "from explain.cli import main\nimport io, contextlib\n"
        f"with contextlib.redirect_stdout(io.StringIO()): main(['explain', {str(EXAMPLE)!r}])",
    }
    for label, code in steps.items():
        print(f"- {label}: {_child_cpu(code) * 1000:.0f} ms")
    from engine.compile.knowledge import compile_knowledge
    from engine.load.files import default_knowledge_dir, read_knowledge
    from engine.validate.build import validate

    root = default_knowledge_dir()
    a = cpu()
    raw = read_knowledge(root)
    b = cpu()
    checked = validate(raw)
    c = cpu()
    compile_knowledge(checked)
    d = cpu()
    print(
        f"\nload_knowledge split (this process, warm .pyc): read_knowledge {1000 * (b - a):.0f} ms, "
        f"validate {1000 * (c - b):.0f} ms, compile (incl. durable_rules registration) {1000 * (d - c):.0f} ms"
    )
    _yaml_parsers(root)
    profile = cProfile.Profile(cpu)
    profile.enable()
    read_knowledge(root)
    profile.disable()
    print(f"\n### cProfile of read_knowledge (tottime, top {top})\n\n```\n{_top(profile, top, 'tottime')}\n```")


def _yaml_parsers(root: Path) -> None:
    import yaml

    from engine.load.yamlio import parse_yaml

    texts = {p: p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.yaml"))}

    def parse(fn: Callable[[Path, str], Any]) -> float:
        start = cpu()
        for path, text in texts.items():
            fn(path, text)
        return 1000 * (cpu() - start)

    print(f"\nYAML parsing of the {len(texts)} knowledge files ({sum(map(len, texts.values())) // 1024} KiB):")
    print(f"- engine.load.yamlio.parse_yaml (positions, limits): {parse(lambda p, t: parse_yaml(t, str(p))):.0f} ms")
    print(
        f"- yaml.CSafeLoader alone (libyaml, available: {yaml.__with_libyaml__}): "
        f"{parse(lambda p, t: yaml.load(t, Loader=yaml.CSafeLoader)):.0f} ms"
    )  # noqa: S506 - a safe loader


# Stages timed inside one explanation, as (label, module, attribute): each is wrapped where its
# caller looks it up, so nested stages are timed inside their parents and nothing is kept.
STAGES = (
    ("run (both passes, durable_rules, agreement)", "engine.api", "run"),
    ("  compute_env, pass A (facts alone)", "engine.run.evaluate", "compute_env"),
    ("  rule_statuses (three-valued pass, A and B)", "engine.run.evaluate", "rule_statuses"),
    ("  waiting_on (the facts to assume)", "engine.run.evaluate", "waiting_on"),
    ("  pass B environment (assumed facts, what depends on them)", "engine.run.evaluate", "_with_assumptions"),
    ("  person_fact (what durable_rules is given)", "engine.run.evaluate", "person_fact"),
    ("  durable_rules (runtime.run)", "", "runtime.run"),
    ("assemble (the trace)", "engine.api", "assemble"),
    ("  after_fix (figures after following advice)", "engine.trace.assemble", "after_fix"),
    ("  rank_questions", "engine.trace.assemble", "rank_questions"),
    ("  requirements (non-flat why-not)", "engine.trace.assemble", "requirements"),
    ("  build_assumptions", "engine.trace.assemble", "build_assumptions"),
    ("  touched_topics", "engine.trace.assemble", "touched_topics"),
)


def warm(top: int) -> None:
    import importlib

    from engine import load_knowledge
    from explain.views.jsonview import render_json, render_json_line

    kb = load_knowledge()
    raw = generate(1000, seed=11)
    situations = [kb.parse_facts(s) for s in raw]
    for facts in situations[:200]:
        kb.explain(facts, validated=True)
    n = len(situations)
    compiled = kb.compiled
    spent = dict.fromkeys([label for label, _, _ in STAGES], 0.0)

    def loop(fn: Callable[[Any], Any]) -> float:
        """CPU µs per situation of ``fn``; every result is dropped at once (keeping 1,000
        explanations alive makes the garbage collector scan them and overstates later stages)."""
        gc.collect()
        start = cpu()
        for facts in situations:
            fn(facts)
        return (cpu() - start) / n * 1e6

    def explain(facts: Any) -> Any:
        return kb.explain(facts, validated=True)

    plain = min(loop(explain) for _ in range(3))
    compact = min(loop(lambda f: render_json_line(explain(f))) for _ in range(3))
    printed = min(loop(lambda f: render_json(explain(f))) for _ in range(3))
    patched = []
    for label, module, attr in STAGES:
        if not module:  # the rules engine is an attribute of the compiled knowledge
            runtime_run = compiled.runtime.run
            object.__setattr__(compiled.runtime, "run", timed(spent, label, runtime_run))
            continue
        mod = importlib.import_module(module)
        patched.append((mod, attr, getattr(mod, attr)))
        setattr(mod, attr, timed(spent, label, getattr(mod, attr)))
    try:
        best: dict[str, float] = {}
        instrumented = float("inf")
        for _ in range(3):  # the quietest of three instrumented passes
            spent.update(dict.fromkeys(spent, 0.0))
            total = loop(explain)
            if total < instrumented:
                instrumented, best = total, dict(spent)
    finally:
        for mod, attr, original in reversed(patched):
            setattr(mod, attr, original)
        del compiled.runtime.run
    print(f"\n## Warm evaluation, CPU µs per situation ({n:,} generated situations, seed 11, best of 3)\n")
    print("| stage | µs | share |\n| --- | --- | --- |")
    print(f"| **kb.explain**, not instrumented | **{plain:,.0f}** | |")
    print(f"| kb.explain instrumented (the shares below are of this) | {instrumented:,.0f} | 100% |")
    for label, seconds in best.items():
        micros = seconds / n * 1e6
        print(f"| {'- ' if label.startswith('  ') else ''}{label.strip()} | {micros:,.0f} | {micros / instrumented:.0%} |")
    print(f"| kb.explain + render_json_line (a batch line) | {compact:,.0f} | {compact / plain:.0%} |")
    print(f"| kb.explain + render_json (`--format json`, the API) | {printed:,.0f} | {printed / plain:.0%} |")
    print(
        f"\n=> per core (CPU time): kb.explain {1e6 / plain:,.0f}/s; batch line {1e6 / compact:,.0f}/s; "
        f"printed JSON {1e6 / printed:,.0f}/s"
    )
    profile = cProfile.Profile(cpu)
    profile.enable()
    for facts in situations:
        kb.explain(facts, validated=True)
    profile.disable()
    print(f"\n### cProfile of kb.explain x {n} (tottime, top {top})\n\n```\n{_top(profile, top, 'tottime')}\n```")
    print(f"\n### Same, cumulative (top {top})\n\n```\n{_top(profile, top, 'cumulative')}\n```")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--only", choices=("cold", "warm"))
    args = parser.parse_args()
    if args.only != "warm":
        cold(args.top)
    if args.only != "cold":
        warm(args.top)


if __name__ == "__main__":
    main()
