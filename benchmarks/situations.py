"""Deterministic generated situations for the benchmarks (valid facts, realistic ranges)."""

from __future__ import annotations

import argparse
import random
from typing import Any

STATUSES = ["single", "married_filing_jointly", "married_filing_separately", "head_of_household", "qualifying_surviving_spouse"]


def situation(rng: random.Random, known: float = 0.6) -> dict[str, Any]:
    """One person: always a year, status and income; each other fact known with probability ``known``."""
    facts: dict[str, Any] = {
        "tax_year": rng.choice([2023, 2024, 2025, 2026]),
        "filing_status": rng.choice(STATUSES),
        "magi": rng.randrange(20_000, 600_000, 500),
        "compensation": rng.randrange(0, 500_000, 500),
    }
    maybe = {
        "birth_date": lambda: f"{rng.randint(1945, 2000)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "traditional_ira_balance": lambda: rng.choice([0, 0, rng.randrange(0, 300_000, 100)]),
        "rollover_ira_balance": lambda: rng.choice([0, rng.randrange(0, 500_000, 100)]),
        "sep_ira_balance": lambda: rng.choice([0, 0, 25_000]),
        "simple_ira_balance": lambda: 0,
        "nondeductible_contribution": lambda: rng.choice([0, 6500, 7000, 8000]),
        "conversion_amount": lambda: rng.choice([0, 6500, 7000, 8000, 20_000]),
        "conversion_month": lambda: rng.randint(1, 12),
        "direct_roth_contribution": lambda: rng.choice([0, 3000, 7000]),
        "roth_ira_balance": lambda: rng.randrange(0, 200_000, 100),
        "plans_backdoor_roth": lambda: rng.random() < 0.6,
        "plans_rollover_401k_to_ira": lambda: rng.random() < 0.2,
        "current_plan_accepts_roll_ins": lambda: rng.random() < 0.5,
        "self_employed": lambda: rng.random() < 0.2,
        "hsa_eligible": lambda: rng.random() < 0.4,
        "hsa_coverage": lambda: rng.choice(["self_only", "family"]),
        "hsa_contributions": lambda: rng.randrange(0, 8000, 50),
        "has_401k": lambda: rng.random() < 0.7,
        "elective_deferrals": lambda: rng.randrange(0, 23_500, 500),
        "plan_allows_after_tax": lambda: rng.random() < 0.3,
        "planned_withdrawal_amount": lambda: rng.choice([0, 5000, 50_000]),
        "roth_regular_contributions": lambda: rng.randrange(0, 100_000, 500),
        "roth_first_contribution_year": lambda: rng.randint(2005, 2024),
    }
    for name, make in maybe.items():
        if rng.random() < known:
            facts[name] = make()
    if facts.get("conversion_amount") and rng.random() < 0.3:
        facts["conversions"] = [{"year": 2021, "taxable": 0, "nontaxable": 6000}]
    return facts


def generate(count: int, seed: int = 7, known: float = 0.6) -> list[dict[str, Any]]:
    """``count`` situations, the same ones for the same seed (``known``: see :func:`situation`)."""
    rng = random.Random(seed)  # noqa: S311 - benchmark data, not security
    return [situation(rng, known) for _ in range(count)]


def count_and_rounds(doc: str, count: int = 1000, rounds: int = 5) -> argparse.Namespace:
    """The ``--count``/``--rounds`` options of a benchmark whose description is ``doc``'s first line."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--count", type=int, default=count)
    parser.add_argument("--rounds", type=int, default=rounds)
    return parser.parse_args()
