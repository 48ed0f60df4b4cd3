"""Warm evaluation of two checkouts, alternated, in CPU time (less distorted by a shared machine).

Usage, from the repository root (``BASE`` is another checkout, e.g. ``git archive REV | tar -x -C /tmp/base``)::

    .venv/bin/python benchmarks/ab_warm.py /tmp/base . [--rounds 3] [--count 300]

Each checkout runs in its own process (the same engine package name cannot be imported twice),
both started once; they take turns slice by slice (25 items each), so that a shared machine
slowing down or speeding up weighs on both alike. Each figure is the best of ``--rounds``
rounds over ``--count`` generated situations. Measured, per situation: ``kb.explain``; a batch line
(explain + compact JSON); ``--format json`` (explain + printed JSON); and, on explanations made
beforehand, the HTML and Markdown views alone.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

CHILD = """
import gc, json, sys, time
root, count, harness = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sys.path[:0] = [root, harness]  # both checkouts take the situations of this harness
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
print(json.dumps({name: len(items) for name, (items, _) in work.items()}), flush=True)
for request in sys.stdin:  # "name start stop": CPU seconds of that slice
    name, start, stop = request.split()
    items, fn = work[name]
    part = items[int(start) : int(stop)]
    gc.collect()
    began = time.process_time()
    for item in part:
        fn(item)
    print(time.process_time() - began, flush=True)
"""

#: Items per slice: each checkout runs one slice in turn (about 20-100 ms), so that a shared
#: machine speeding up or slowing down weighs on both alike.
SLICE = 25


class Child:
    """One checkout in its own process, measuring slices on request."""

    def __init__(self, root: Path, count: int) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(root.resolve()), str(count), str(Path(__file__).resolve().parent)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.sizes: dict[str, int] = json.loads(self.proc.stdout.readline())  # type: ignore[union-attr]

    def slice(self, name: str, start: int, stop: int) -> float:
        """CPU seconds of items ``start:stop`` of measurement ``name``."""
        self.proc.stdin.write(f"{name} {start} {stop}\n")  # type: ignore[union-attr]
        self.proc.stdin.flush()  # type: ignore[union-attr]
        return float(self.proc.stdout.readline())  # type: ignore[union-attr]

    def close(self) -> None:
        self.proc.stdin.close()  # type: ignore[union-attr]
        self.proc.wait()


def rates(base: Child, new: Child) -> tuple[dict[str, float], dict[str, float]]:
    """One round: per measurement, both checkouts slice by slice in turn (per-second rates,
    milliseconds for ``*_ms``)."""
    out: tuple[dict[str, float], dict[str, float]] = ({}, {})
    for name, size in base.sizes.items():
        spent = [0.0, 0.0]
        for start in range(0, size, SLICE):
            for i, child in enumerate((base, new)):
                spent[i] += child.slice(name, start, min(size, start + SLICE))
        for i in (0, 1):
            out[i][name] = 1000 * spent[i] / size if name.endswith("_ms") else size / spent[i]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--count", type=int, default=300)
    args = parser.parse_args()
    base, new = Child(args.base, args.count), Child(args.new, args.count)
    try:
        rounds = [rates(base, new) for _ in range(args.rounds)]
    finally:
        base.close()
        new.close()
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
