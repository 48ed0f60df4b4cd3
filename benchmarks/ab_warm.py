"""Warm evaluation of two checkouts, alternated, in CPU time (less distorted by a shared machine).

Usage, from the repository root (``BASE`` is another checkout, e.g. ``git archive REV | tar -x -C /tmp/base``)::

    .venv/bin/python benchmarks/ab_warm.py /tmp/base .

Each checkout is measured in a fresh process (the same engine package name cannot be imported
twice); the best of three runs of 500 generated situations is reported, three rounds alternated.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

CHILD = """
import sys, time
root = sys.argv[1]
sys.path[:0] = [root, root + "/benchmarks"]
from situations import generate
from engine import load_knowledge
import engine
assert engine.__file__.startswith(root), engine.__file__
kb = load_knowledge()
situations = [kb.parse_facts(s) for s in generate(2000, seed=11)]
for facts in situations[:200]:
    kb.explain(facts, validated=True)
best = 0.0
for _ in range(3):
    start = time.process_time()
    for facts in situations[:500]:
        kb.explain(facts, validated=True)
    best = max(best, 500 / (time.process_time() - start))
print(best)
"""


def rate(root: Path) -> float:
    """Best warm situations/s (CPU time) of the checkout at ``root``."""
    out = subprocess.run([sys.executable, "-c", CHILD, str(root.resolve())], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def main() -> None:
    base, new = Path(sys.argv[1]), Path(sys.argv[2])
    rounds = []
    for _ in range(3):
        rounds.append((rate(base), rate(new)))
        time.sleep(0.5)
    for b, n in rounds:
        print(f"base {b:,.0f}/s   new {n:,.0f}/s   new/base {n / b:.2f}")
    best_b, best_n = max(r[0] for r in rounds), max(r[1] for r in rounds)
    print(f"best: base {best_b:,.0f}/s, new {best_n:,.0f}/s, new/base {best_n / best_b:.2f}")


if __name__ == "__main__":
    main()
