"""Requests per second of ``POST /api/v1/explain`` on loopback, with 1 and 2 server workers (not a test).

Run from the repository root::

    .venv/bin/python benchmarks/api.py              # 4,000 requests per run
    .venv/bin/python benchmarks/api.py --requests 1000

Starts a real ``rothkb serve --workers N`` per run. The client is 2 processes x 8 threads, each
thread on one kept-alive connection, all sending different situations (benchmarks/situations.py);
every answer is checked for status 200. The client shares the machine's cores with the server, so
on a small machine the figures are a floor. Appends a section to benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import platform
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from situations import generate  # noqa: E402

from tests.serving import running  # noqa: E402

THREADS = 8
PROCESSES = 2


def _thread(port: int, bodies: list[bytes]) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    ok = 0
    for body in bodies:
        conn.request("POST", "/api/v1/explain", body, {"Content-Type": "application/json"})
        resp = conn.getresponse()
        resp.read()
        ok += resp.status == 200
    conn.close()
    return ok


def _process(port: int, bodies: list[bytes]) -> int:
    with ThreadPoolExecutor(THREADS) as pool:
        return sum(pool.map(lambda i: _thread(port, bodies[i::THREADS]), range(THREADS)))


def measure(workers: int, bodies: list[bytes]) -> tuple[float, int]:
    """``(requests per second, answers with status 200)`` for one server with ``workers`` processes."""
    with running("--workers", str(workers), "--limit-concurrency", "1024") as srv:
        _process(srv.port, bodies[:200])  # warm-up: caches, first pages, thread pools
        start = time.perf_counter()
        with multiprocessing.get_context("spawn").Pool(PROCESSES) as pool:
            ok = sum(pool.starmap(_process, [(srv.port, bodies[i::PROCESSES]) for i in range(PROCESSES)]))
        elapsed = time.perf_counter() - start
    return len(bodies) / elapsed, ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=4000)
    args = parser.parse_args()
    bodies = [json.dumps(s).encode() for s in generate(args.requests, seed=11)]
    load_before = os.getloadavg()
    rows = []
    for workers in (1, 2):
        rate, ok = measure(workers, bodies)
        rows.append((workers, rate, ok))
        print(f"{workers} worker(s): {rate:,.0f} requests/s ({ok:,}/{len(bodies):,} answered 200)", flush=True)
    load_after = os.getloadavg()
    section = [
        "",
        "## JSON API on loopback (`POST /api/v1/explain`)",
        "",
        f"Command: `.venv/bin/python benchmarks/api.py --requests {args.requests}`  ",
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}; load average at start/end: "
        + ", ".join(f"{x:.2f}" for x in load_before)
        + " / "
        + ", ".join(f"{x:.2f}" for x in load_after),
        f"(client: {PROCESSES} processes x {THREADS} kept-alive connections on the same machine, different situations)",
        "",
        "| server | requests/s | answered 200 |",
        "| --- | --- | --- |",
        *[f"| `rothkb serve --workers {w}` | {rate:,.0f} | {ok:,}/{len(bodies):,} |" for w, rate, ok in rows],
        f"| speed-up 1 -> 2 workers | {rows[1][1] / rows[0][1]:.2f}x | |",
        "",
    ]
    with open(ROOT / "benchmarks" / "RESULTS.md", "a", encoding="utf-8") as handle:
        handle.write("\n".join(section))
    print("\n".join(section))


if __name__ == "__main__":
    main()
