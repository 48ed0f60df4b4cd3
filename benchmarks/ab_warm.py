"""Warm evaluation of two checkouts, alternated, in CPU time (less distorted by a shared machine).

Usage, from the repository root (``BASE`` is another checkout, e.g. ``git archive REV | tar -x -C /tmp/base``)::

    .venv/bin/python benchmarks/ab_warm.py /tmp/base . [--rounds 3] [--count 300]

Each checkout is measured in a fresh process (the same engine package name cannot be imported
twice), the two alternated for ``--rounds`` rounds; each measurement is the best of three runs
over ``--count`` generated situations. Measured, per situation: ``kb.explain``; a batch line
(explain + compact JSON); ``--format json`` (explain + printed JSON); and, on explanations made
beforehand, the HTML and Markdown views alone.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

CHILD = """
import gc, json, sys, time
root, count = sys.argv[1], int(sys.argv[2])
sys.path[:0] = [root, root + "/benchmarks"]
from situations import generate
from engine import load_knowledge
import engine
assert engine.__file__.startswith(root), engine.__file__
from explain.views import render
kb = load_knowledge()
situations = [kb.parse_facts(s) for s in generate(2000, seed=11)][:count]
for facts in situations[:200]:
    kb.explain(facts, validated=True)
line = getattr(render, "render_json_line", None) or (
    lambda e: json.dumps(render.to_json_dict(e), ensure_ascii=False, separators=(",", ":"))
)
d, q = kb.descriptions(), kb.questions()
exps = [kb.explain(f, validated=True) for f in situations[:100]]
work = {
    "explain": (situations, lambda f: kb.explain(f, validated=True)),
    "batch_line": (situations, lambda f: line(kb.explain(f, validated=True))),
    "json": (situations, lambda f: render.render_json(kb.explain(f, validated=True))),
    "html_ms": (exps, lambda e: render.render_html(e, d, questions=q)),
    "md_ms": (exps, lambda e: render.render_markdown(e, d, q)),
}
out = {}
for name, (items, fn) in work.items():
    best = 0.0
    for _ in range(3):
        gc.collect()
        start = time.process_time()
        for item in items:
            fn(item)
        best = max(best, len(items) / (time.process_time() - start))
    out[name] = 1000 / best if name.endswith("_ms") else best
print(json.dumps(out))
"""


def rates(root: Path, count: int) -> dict[str, float]:
    """Best per-second rates (CPU time) of the checkout at ``root`` (milliseconds for ``*_ms``)."""
    proc = [sys.executable, "-c", CHILD, str(root.resolve()), str(count)]
    return json.loads(subprocess.run(proc, capture_output=True, text=True, check=True).stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--count", type=int, default=300)
    args = parser.parse_args()
    rounds = []
    for _ in range(args.rounds):
        rounds.append((rates(args.base, args.count), rates(args.new, args.count)))
        time.sleep(0.5)
    names = list(rounds[0][0])
    print("| round | " + " | ".join(f"{n} base / new" for n in names) + " |")
    print("| --- " * (len(names) + 1) + "|")
    for i, (b, n) in enumerate(rounds, 1):
        print(
            f"| {i} | "
            + " | ".join(f"{b[k]:,.2f} / {n[k]:,.2f}" if k.endswith("_ms") else f"{b[k]:,.0f} / {n[k]:,.0f}" for k in names)
            + " |"
        )
    best = []
    for k in names:
        pick = min if k.endswith("_ms") else max
        b, n = pick(r[0][k] for r in rounds), pick(r[1][k] for r in rounds)
        ratio = b / n if k.endswith("_ms") else n / b
        best.append(f"{b:,.2f} / {n:,.2f} ms ({ratio:.2f}x)" if k.endswith("_ms") else f"{b:,.0f} / {n:,.0f}/s ({ratio:.2f}x)")
    print("| best | " + " | ".join(best) + " |")


if __name__ == "__main__":
    main()
