"""Cold ``rothkb explain`` of two checkouts and the import baseline, interleaved, wall and CPU time.

Usage, from the repository root (``BASE`` is another checkout, e.g. ``git archive REV | tar -x -C /tmp/base``)::

    .venv/bin/python benchmarks/ab_cold.py /tmp/base . [MORE_CHECKOUTS ...] [--runs 15] [--format md] [--pyc]

Each round runs, in turn, ``python -c "import yaml, jinja2, markdown"`` (the baseline of the
target), then ``python -m explain.cli explain EXAMPLE`` from each checkout (``PYTHONPATH`` puts
the checkout first, so the same interpreter and dependencies serve both). Reported per command:
the median and minimum of the wall time (process start to exit) and of the CPU time (user +
system, from the child's resource usage), and the ratio of each checkout's median to the
baseline's. The shared machine makes a single reading meaningless: only the interleaved medians
are compared.

``--pyc`` lets Python cache byte code (under a private ``PYTHONPYCACHEPREFIX``, so neither
checkout is written to), as an installed wheel does; without it the environment decides (with
``PYTHONDONTWRITEBYTECODE`` set every run compiles the checkout's modules from source).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EXAMPLE = "knowledge/examples/backdoor-with-old-ira.yaml"
BASELINE = "import yaml, jinja2, markdown"


def _run(cmd: list[str], env: dict[str, str], cwd: str) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read() if proc.stderr else b""
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {err.decode()[-500:]}")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("more", type=Path, nargs="*", help="further checkouts, measured in the same rounds")
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--format", default="md", choices=("md", "html", "json"))
    parser.add_argument("--pyc", action="store_true", help="cache byte code (as an installed wheel does)")
    args = parser.parse_args()
    env = dict(os.environ)
    if args.pyc:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="ab_cold_pyc_")
    commands: dict[str, tuple[list[str], dict[str, str], str]] = {"baseline": ([sys.executable, "-c", BASELINE], env, ".")}
    roots = [("base", args.base.resolve()), ("new", args.new.resolve())]
    roots += [(f"more{i}", root.resolve()) for i, root in enumerate(args.more, 1)]
    for label, root in roots:
        cmd = [sys.executable, "-m", "explain.cli", "explain", str(root / EXAMPLE), "--format", args.format]
        commands[label] = (cmd, {**env, "PYTHONPATH": str(root)}, str(root))
    for cmd, cenv, cwd in commands.values():  # warm the page cache (and the byte code with --pyc)
        for _ in range(2):
            _run(cmd, cenv, cwd)
    walls: dict[str, list[float]] = {k: [] for k in commands}
    cpus: dict[str, list[float]] = {k: [] for k in commands}
    for _ in range(args.runs):
        for label, (cmd, cenv, cwd) in commands.items():
            wall, cpu = _run(cmd, cenv, cwd)
            walls[label].append(wall)
            cpus[label].append(cpu)
    load = os.getloadavg()
    print(f"{args.runs} interleaved rounds, --format {args.format}, pyc cached: {args.pyc}, load {load[0]:.2f}")
    for label, root in roots[2:]:
        print(f"{label} = {root}")
    print(f"{'command':<10} {'wall med':>9} {'wall min':>9} {'cpu med':>9} {'cpu min':>9} {'x base wall':>12} {'x base cpu':>11}")
    bw, bc = statistics.median(walls["baseline"]), statistics.median(cpus["baseline"])
    for label in commands:
        w, c = statistics.median(walls[label]), statistics.median(cpus[label])
        print(
            f"{label:<10} {w * 1000:>7.0f}ms {min(walls[label]) * 1000:>7.0f}ms {c * 1000:>7.0f}ms "
            f"{min(cpus[label]) * 1000:>7.0f}ms {w / bw:>11.2f}x {c / bc:>10.2f}x"
        )


if __name__ == "__main__":
    main()
