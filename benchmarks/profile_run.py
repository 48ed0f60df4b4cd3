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
import json
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


def warm(top: int) -> None:
    import engine.trace.assemble as assemble_mod
    from engine import load_knowledge
    from engine.run.evaluate import compute_env, person_fact, rule_statuses
    from explain.views.render import to_json_dict

    kb = load_knowledge()
    compiled = kb.compiled
    raw = generate(1000, seed=11)
    situations = [kb.parse_facts(s) for s in raw]
    for facts in situations[:200]:
        kb.explain(facts, validated=True)
    n = len(situations)

    def per(fn: Callable[[Any], Any], items: list[Any] | None = None) -> float:
        """CPU µs per item; results are dropped at once (keeping 1,000 explanations alive made the
        garbage collector scan them during later stages and overstated those stages about 3x)."""
        items = situations if items is None else items
        gc.collect()
        start = cpu()
        for item in items:
            fn(item)
        return (cpu() - start) / len(items) * 1e6

    envs = [compute_env(compiled, f) for f in situations]
    stage = {
        "parse_facts (raw dict -> typed)": per(kb.parse_facts, raw),
        "kb.explain total": per(lambda f: kb.explain(f, validated=True)),
        "  compute_env": per(lambda f: compute_env(compiled, f)),
        "  durable_rules run (person_fact + runtime.run)": per(lambda e: compiled.runtime.run(person_fact(compiled, e)), envs),
        "  rule_statuses (three-valued pass)": per(lambda e: rule_statuses(compiled, e), envs),
    }
    spent = {"requirements": 0.0, "rank_questions": 0.0}

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = cpu()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[name] += cpu() - start

        return wrapper

    # assemble imports both by name, so they are wrapped where it looks them up.
    original = assemble_mod.requirements, assemble_mod.rank_questions
    assemble_mod.requirements = timed("requirements", original[0])
    assemble_mod.rank_questions = timed("rank_questions", original[1])
    try:
        total = per(lambda f: kb.explain(f, validated=True))
    finally:
        assemble_mod.requirements, assemble_mod.rank_questions = original
    rest = (
        stage["  compute_env"]
        + stage["  durable_rules run (person_fact + runtime.run)"]
        + stage["  rule_statuses (three-valued pass)"]
    )
    stage["  assemble (the rest of kb.explain)"] = stage["kb.explain total"] - rest
    stage["    of which counterfactual requirements (not_fired alternatives)"] = spent["requirements"] / n * 1e6
    stage["    of which rank_questions"] = spent["rank_questions"] / n * 1e6
    exps = [kb.explain(f, validated=True) for f in situations]
    stage["to_json_dict + compact json.dumps"] = per(lambda e: json.dumps(to_json_dict(e), separators=(",", ":")), exps)
    print(f"\n## Warm evaluation, CPU µs per situation (1,000 generated situations; instrumented total {total:.0f} µs)\n")
    for label, micros in stage.items():
        print(f"- {label}: {micros:,.0f} µs")
    print(f"\n=> kb.explain: {1e6 / stage['kb.explain total']:,.0f} situations/s per core (CPU time)")
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
