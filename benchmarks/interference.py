"""What the later stages of a run cost pass A's environment by running between its calls.

Run from the repository root::

    .venv/bin/python benchmarks/interference.py [--count 1000] [--rounds 5]

``compute_env`` (pass A) is timed alone, call by call, while something else runs between one
situation's call and the next: nothing; the three-valued pass; that and pass B's environment;
durable_rules on the situation's own person fact; durable_rules on one fixed person fact; a whole
``run``; a whole ``kb.explain``. The work done by ``compute_env`` is the same in every reading,
so what the later stages add to it is what they cost it in the processor's caches: durable_rules
builds fresh state (pools of frames and messages) for each session, and a session per
evaluation is part of the architecture.

Wall-clock time per ``compute_env`` call (``perf_counter`` around that call only), best round.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from situations import count_and_rounds, generate  # noqa: E402


def main() -> None:
    args = count_and_rounds(__doc__)

    from engine import load_knowledge
    from engine.run.evaluate import _with_assumptions, compute_env, person_fact, rule_statuses, run, waiting_on

    kb = load_knowledge()
    c = kb.compiled
    situations = [kb.parse_facts(s) for s in generate(args.count, seed=11)]
    clock = time.perf_counter

    def measure(between: Callable[[dict[str, Any], dict[str, Any]], Any]) -> float:
        best = float("inf")
        for _ in range(args.rounds):
            spent = 0.0
            for facts in situations:
                start = clock()
                env = compute_env(c, facts)
                spent += clock() - start
                between(facts, env)
            best = min(best, spent)
        return best / len(situations) * 1e6

    def pass_b(facts: dict[str, Any], env: dict[str, Any]) -> None:
        statuses = rule_statuses(c, env)
        wanted = waiting_on(c, env, statuses, facts)
        if wanted:
            _with_assumptions(c, env, wanted)

    fixed_env = compute_env(c, situations[0])
    fixed = person_fact(c, fixed_env, rule_statuses(c, fixed_env))
    readings = {
        "nothing between": lambda f, e: None,
        "the three-valued pass (pass A)": lambda f, e: rule_statuses(c, e),
        "+ pass B's environment": pass_b,
        "durable_rules on the situation's person fact": lambda f, e: c.runtime.run(person_fact(c, e, rule_statuses(c, e))),
        "durable_rules on one fixed person fact": lambda f, e: c.runtime.run(fixed),
        "a whole run (both passes, durable_rules)": lambda f, e: run(c, f),
        "a whole kb.explain": lambda f, e: kb.explain(f, validated=True),
    }
    print(f"{len(situations):,} generated situations (seed 11), best of {args.rounds} rounds.\n")
    print("| between two compute_env calls | compute_env µs | vs alone |\n| --- | --- | --- |")
    alone = None
    for label, between in readings.items():
        micros = measure(between)
        alone = alone or micros
        print(f"| {label} | {micros:,.0f} | {micros / alone:.2f}x |")


if __name__ == "__main__":
    main()
