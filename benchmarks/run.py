"""rothkb benchmarks (not part of the test suite).

Run from the repository root::

    .venv/bin/python benchmarks/run.py            # full run, about 3 minutes on 2 cores
    .venv/bin/python benchmarks/run.py --quick    # smaller counts, for a smoke check

Writes the table as the first section of benchmarks/RESULTS.md, keeping the sections after it
(and prints it). Targets (GitHub issue 7): cold
``rothkb explain`` <= 300 ms median; warm evaluation >= 2,000 situations/s per core; batch
1 -> 2 processes >= 1.8x; memory flat over 100,000 evaluations.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from situations import generate  # noqa: E402

EXAMPLE = ROOT / "knowledge" / "examples" / "backdoor-with-old-ira.yaml"
PYTHON = sys.executable
ROTHKB = str(Path(PYTHON).parent / "rothkb")


def _wall(cmd: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.decode()[-500:]}")
    return times


def cold(runs: int) -> dict[str, float]:
    """Process start to exit, median of ``runs``, against importing the three dependencies."""
    _wall([ROTHKB, "explain", str(EXAMPLE)], 2)  # warm the page cache and .pyc files
    explain = _wall([ROTHKB, "explain", str(EXAMPLE)], runs)
    base = _wall([PYTHON, "-c", "import yaml, jinja2, markdown"], runs)
    return {
        "explain": statistics.median(explain),
        "baseline": statistics.median(base),
        "explain_min": min(explain),
        "explain_max": max(explain),
    }


def warm(seconds: float) -> dict[str, float]:
    """Situations per second through the Python API in this process (one core)."""
    from engine import load_knowledge
    from explain.views.render import to_json_dict

    kb = load_knowledge()
    situations = [kb.parse_facts(s) for s in generate(2000, seed=11)]
    for facts in situations[:200]:
        kb.explain(facts, validated=True)
    out = {}
    for label, work in (
        ("explain", lambda f: kb.explain(f, validated=True)),
        ("explain_json", lambda f: json.dumps(to_json_dict(kb.explain(f, validated=True)), separators=(",", ":"))),
    ):
        done, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            for facts in situations[:250]:
                work(facts)
            done += 250
        out[label] = done / (time.perf_counter() - start)
    return out


def batch(count: int, workdir: Path) -> dict[str, float]:
    """Wall time of ``rothkb batch`` on ``count`` generated situations, 1 and 2 processes."""
    source = workdir / "situations.jsonl"
    source.write_text("".join(json.dumps(s) + "\n" for s in generate(count, seed=5)))
    one = workdir / "one.jsonl"
    one.write_text(json.dumps(generate(1, seed=5)[0]) + "\n")
    result = {
        "startup": statistics.median(_wall([ROTHKB, "batch", str(one), "--out", str(workdir / "o.jsonl"), "--jobs", "1"], 3))
    }
    for jobs in (1, 2):
        out = workdir / f"out{jobs}.jsonl"
        result[f"jobs{jobs}"] = min(_wall([ROTHKB, "batch", str(source), "--out", str(out), "--jobs", str(jobs)], 2))
    if (workdir / "out1.jsonl").read_bytes() != (workdir / "out2.jsonl").read_bytes():
        raise SystemExit("batch output differs between --jobs 1 and --jobs 2")
    return result


def machine_ceiling() -> float:
    """What this machine gives for 2 CPU-bound processes: 2 x (time alone) / (wall of 2 at once), best of 3."""
    loop = ["-c", "x = 0\nfor i in range(15_000_000): x += i"]
    best = 0.0
    for _ in range(3):
        alone = min(_wall([PYTHON, *loop], 1)[0] for _ in range(2))
        start = time.perf_counter()
        procs = [subprocess.Popen([PYTHON, *loop]) for _ in range(2)]
        for proc in procs:
            proc.wait()
        best = max(best, 2 * alone / (time.perf_counter() - start))
    return best


def site(workdir: Path) -> float | None:
    """Median of 3 ``rothkb site build`` runs, or None when the command does not exist."""
    helptext = subprocess.run([ROTHKB, "--help"], capture_output=True, text=True).stdout
    if " site " not in helptext:
        return None
    return statistics.median(_wall([ROTHKB, "site", "build", "--out", str(workdir / "site")], 3))


def memory(count: int) -> dict[str, object]:
    """RSS sampled over ``count`` evaluations, in a fresh process."""
    proc = subprocess.run([PYTHON, __file__, "--memory-child", str(count)], capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-1000:])
    return json.loads(proc.stdout)


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def memory_child(count: int) -> None:
    from engine import load_knowledge

    kb = load_knowledge()
    situations = [kb.parse_facts(s) for s in generate(5000, seed=3)]
    samples = [(0, _status_kib("VmRSS"))]
    step = max(count // 20, 1)
    for i in range(1, count + 1):
        kb.explain(situations[i % len(situations)], validated=True)
        if i % step == 0:
            samples.append((i, _status_kib("VmRSS")))
    print(json.dumps({"samples": samples, "peak": _status_kib("VmHWM")}))


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def table(args: argparse.Namespace, c: dict, w: dict, b: dict, s: float | None, m: dict) -> str:
    n = args.batch
    rate1 = n / b["jobs1"]
    rate2 = n / b["jobs2"]
    net1, net2 = n / max(b["jobs1"] - b["startup"], 1e-9), n / max(b["jobs2"] - b["startup"], 1e-9)
    samples = m["samples"]
    tenth = samples[max(len(samples) // 10, 1)][1]
    growth = (samples[-1][1] - tenth) / 1024
    rows = [
        (
            f"cold `rothkb explain` of the bundled example (process start to exit, median of {args.cold_runs})",
            f"{_ms(c['explain'])} (min {_ms(c['explain_min'])}, max {_ms(c['explain_max'])})",
            "<= 300 ms",
            c["explain"] <= 0.3,
        ),
        ('baseline `python -c "import yaml, jinja2, markdown"` (median)', _ms(c["baseline"]), "-", None),
        (
            "warm `kb.explain` (fire + figures + why-not + trace), one process",
            f"{w['explain']:,.0f} situations/s",
            ">= 2,000/s per core",
            w["explain"] >= 2000,
        ),
        ("warm `kb.explain` + `to_json_dict` + compact `json.dumps`", f"{w['explain_json']:,.0f} situations/s", "-", None),
        (
            f"`rothkb batch` {n:,} situations, `--jobs 1` (wall, incl. start-up)",
            f"{b['jobs1']:.2f} s = {rate1:,.0f}/s ({net1:,.0f}/s after start-up)",
            "-",
            None,
        ),
        (
            f"`rothkb batch` {n:,} situations, `--jobs 2` (wall, incl. start-up)",
            f"{b['jobs2']:.2f} s = {rate2:,.0f}/s ({net2:,.0f}/s after start-up)",
            "-",
            None,
        ),
        (
            "batch speed-up 1 -> 2 processes (wall; and after subtracting the start-up of a 1-line batch)",
            f"{b['jobs1'] / b['jobs2']:.2f}x; {net2 / net1:.2f}x after start-up of {_ms(b['startup'])}",
            ">= 1.8x",
            net2 / net1 >= 1.8,
        ),
        (
            "machine check: 2 CPU-bound busy loops at once vs one alone (best of 3, measured after the batch runs)",
            f"{b['ceiling']:.2f}x",
            "2.0x when 2 cores are free",
            None,
        ),
        ("`rothkb site build` (median of 3)", "not built yet" if s is None else f"{s:.2f} s", "-", None),
        (
            f"RSS over {args.memory:,} warm evaluations (sampled every {samples[1][0]:,})",
            f"{samples[0][1] / 1024:.1f} MiB at start, {tenth / 1024:.1f} MiB at {samples[max(len(samples) // 10, 1)][0]:,}, "
            f"{samples[-1][1] / 1024:.1f} MiB at end; peak {m['peak'] / 1024:.1f} MiB; growth after warm-up {growth:+.2f} MiB",
            "flat (< 2 MiB growth)",
            abs(growth) < 2,
        ),
    ]
    lines = [
        "# rothkb benchmark results",
        "",
        f"Command: `.venv/bin/python benchmarks/run.py{' --quick' if args.quick else ''}`  ",
        f"Machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; load average at start/end: {args.load_start} / "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}",
        "(shared machine: a load above the core count means other processes competed for the CPUs)",
        "",
        "| measurement | result | target | met |",
        "| --- | --- | --- | --- |",
    ]
    for what, result, target, ok in rows:
        lines.append(f"| {what} | {result} | {target} | {'' if ok is None else ('yes' if ok else '**no**')} |")
    lines += [
        "",
        "RSS samples (evaluations, MiB): " + ", ".join(f"{i:,}: {kib / 1024:.1f}" for i, kib in samples),
        "",
        "Profiles of what misses a target: benchmarks/PROFILE.md (`.venv/bin/python benchmarks/profile_run.py`).",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller counts (smoke check)")
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return
    args.cold_runs, args.batch, args.memory, seconds = (5, 2000, 10_000, 1.0) if args.quick else (15, 10_000, 100_000, 4.0)
    args.load_start = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        print("cold start ...", file=sys.stderr)
        c = cold(args.cold_runs)
        print("warm evaluation ...", file=sys.stderr)
        w = warm(seconds)
        print("batch ...", file=sys.stderr)
        b = batch(args.batch, work)
        b["ceiling"] = machine_ceiling()
        print("site build ...", file=sys.stderr)
        s = site(work)
        print("memory ...", file=sys.stderr)
        m = memory(args.memory)
    text = table(args, c, w, b, s, m)
    results = ROOT / "benchmarks" / "RESULTS.md"
    # This run's table replaces the first section only: the sections after it (the API, the
    # issues' rounds of A/B measurements) are history that other commands wrote.
    old = results.read_text(encoding="utf-8") if results.exists() else ""
    later = old[old.index("\n## ") :] if "\n## " in old else ""
    results.write_text(text.rstrip("\n") + "\n" + later, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
