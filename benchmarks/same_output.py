"""Check that two checkouts give byte-identical outputs on generated situations.

Usage, from the repository root (``BASE`` is another checkout, e.g. ``git archive REV | tar -x -C /tmp/base``)::

    .venv/bin/python benchmarks/same_output.py /tmp/base . [--count 4000] [--seed 11]

Each checkout runs in a fresh process (the engine package cannot be imported twice) and prints
one SHA-256 per situation over every format: the printed JSON, the batch line, and the brief and
full Markdown and HTML. The two lists are compared; the first differing situation is reported
with the format that differs, so a performance change can be proven to change no output.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

CHILD = """
import hashlib, json, sys
root, count, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sys.path[:0] = [root, root + "/benchmarks"]
from situations import generate
from engine import load_knowledge
import engine
assert engine.__file__.startswith(root), engine.__file__
from explain.views import render
kb = load_knowledge()
d, q = kb.descriptions(), kb.questions()
line = getattr(render, "render_json_line", None) or (
    lambda e: json.dumps(render.to_json_dict(e), ensure_ascii=False, separators=(",", ":"))
)
out = []
for facts in generate(count, seed=seed):
    exp = kb.explain(kb.parse_facts(facts), validated=True)
    parts = {
        "json": render.render_json(exp),
        "line": line(exp),
        "md": render.render_markdown(exp, d, q),
        "md_full": render.render_markdown(exp, d, q, detail="full"),
        "html": render.render_html(exp, d, questions=q),
        "html_full": render.render_html(exp, d, questions=q, detail="full"),
    }
    out.append({k: hashlib.sha256(v.encode()).hexdigest()[:16] for k, v in parts.items()})
print(json.dumps(out))
"""


def hashes(root: Path, count: int, seed: int) -> list[dict[str, str]]:
    """Per-situation hashes of every format, computed by ``root``'s own code."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(root.resolve()), str(count), str(seed)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout)


def main() -> None:
    """Compare the two checkouts and exit 1 on the first difference."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--count", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    base = hashes(args.base, args.count, args.seed)
    new = hashes(args.new, args.count, args.seed)
    for i, (a, b) in enumerate(zip(base, new, strict=True)):
        differ = sorted(k for k in a if a[k] != b.get(k))
        if differ:
            print(f"situation {i} (seed {args.seed}): {', '.join(differ)} differ")
            sys.exit(1)
    print(f"{len(base)} situations x {len(base[0]) if base else 0} formats: identical")


if __name__ == "__main__":
    main()
