"""Decision diagrams of the site, one per topic, drawn as narrow SVG that fits a 390 px phone.

Each diagram is a short path of plain-English questions. A question names the facts it asks
about and the rules its answer leads to; the build checks that every such rule exists and that
its conditions use those facts, so a question cannot drift away from the rules it stands for.
Outcome boxes show the rules' own titles and link to the rule pages; :mod:`explain.website.svg` draws them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.model.knowledge import Group, Leaf, Rule

__all__ = ["Ask", "Step", "Diagram", "DIAGRAMS", "check_diagrams"]


@dataclass(frozen=True)
class Ask:
    """A question; the answer ``branch`` leads to ``outcomes`` at the side, the other answer goes on down."""

    question: str
    facts: tuple[str, ...]
    branch: str
    outcomes: tuple[str, ...]
    stop: bool = False
    #: Rules the other answer leads to before the path goes on (empty: it just goes on).
    other: tuple[str, ...] = ()


@dataclass(frozen=True)
class Step:
    """A step everyone on the path takes (a rule)."""

    rule: str
    #: Label of the arrow into the step (default "Then" or the answer that leads here).
    lead: str = ""


@dataclass(frozen=True)
class Diagram:
    """One decision diagram."""

    id: str
    title: str
    intro: str
    topics: tuple[str, ...]
    nodes: tuple[Ask | Step, ...]


DIAGRAMS: tuple[Diagram, ...] = (
    Diagram(
        "backdoor",
        "Do I need the backdoor Roth, and how do I do it?",
        "From your income to the three steps of the backdoor Roth IRA.",
        ("eligibility", "steps", "pro-rata", "married", "forms"),
        (
            Ask(
                "Do you have taxable pay (or a spouse with pay on a joint return)?",
                ("has_compensation",),
                "no",
                ("compensation-required",),
                True,
            ),
            Ask(
                "Is your MAGI at or below the start of the Roth phase-out range?",
                ("magi",),
                "yes",
                ("roth-direct-contribution-allowed",),
                True,
            ),
            Ask(
                "Is your MAGI below the end of the phase-out range?",
                ("magi",),
                "yes",
                ("roth-contribution-phased-out",),
                other=("backdoor-roth-needed",),
            ),
            Ask(
                "Will you have pre-tax IRA money (traditional, rollover, SEP or SIMPLE) on December 31?",
                ("pretax_ira_total", "current_plan_accepts_roll_ins"),
                "yes",
                ("no-pretax-ira-by-dec31", "roll-pretax-ira-into-401k", "convert-pretax-ira-instead"),
            ),
            Step("make-nondeductible-contribution"),
            Step("convert-to-roth"),
            Step("file-form-8606"),
        ),
    ),
    Diagram(
        "mega-backdoor",
        "Can I do a mega backdoor Roth in my 401(k)?",
        "What your plan must allow, and what to watch when you use it.",
        ("mega-backdoor",),
        (
            Ask(
                "Does your 401(k) accept after-tax (not Roth) contributions?",
                ("plan_allows_after_tax",),
                "no",
                ("mega-backdoor-unavailable",),
                True,
            ),
            Ask(
                "Can you move after-tax money to Roth while you still work (in-plan conversion or in-service withdrawal)?",
                ("plan_allows_in_plan_conversion", "plan_allows_in_service_withdrawal"),
                "no",
                ("mega-backdoor-needs-conversion-feature",),
                True,
            ),
            Step("mega-backdoor-available"),
            Ask("Are you a highly compensated employee?", ("is_highly_compensated",), "yes", ("mega-backdoor-hce-testing",)),
            Step("convert-after-tax-promptly"),
            Ask(
                "Are you leaving the employer with after-tax money in the plan?",
                ("leaving_employer", "after_tax_contributions"),
                "yes",
                ("split-after-tax-rollover", "roth-401k-rollover-to-roth-ira"),
            ),
        ),
    ),
    Diagram(
        "withdrawals",
        "Is my Roth IRA withdrawal tax- and penalty-free?",
        "Roth IRA money comes out in a fixed order: contributions, then conversions, then earnings.",
        ("withdrawals",),
        (
            Ask(
                "Is the withdrawal no more than your regular Roth contributions so far?",
                ("planned_withdrawal_amount", "roth_regular_contributions"),
                "yes",
                ("contributions-come-out-first",),
                True,
            ),
            Ask(
                "Does it reach earnings before a qualified distribution is possible (59½ and 5 years)?",
                ("withdrawal_earnings_part", "withdrawal_qualified"),
                "yes",
                ("five-year-rule-qualified-distribution",),
            ),
            Ask(
                "Does part of it come from a conversion less than 5 years old, while you are under 59½?",
                ("withdrawal_recent_conversion_part", "under_59_half_at_withdrawal"),
                "yes",
                ("five-year-rule-conversions",),
            ),
            Step("converted-basis-comes-out-free", "If no to both"),
        ),
    ),
    Diagram(
        "hsa",
        "Should I use the one-time IRA-to-HSA transfer?",
        "A way to empty a small pre-tax IRA before a backdoor Roth, once in your life.",
        ("hsa",),
        (
            Ask(
                "Have you already made your once-in-a-lifetime IRA-to-HSA transfer?",
                ("prior_hsa_funding_distribution",),
                "yes",
                ("hsa-funding-distribution-used",),
                True,
            ),
            Ask(
                "Will you stay HSA-eligible for the 12 months after the transfer?",
                ("hsa_eligible_next_12_months",),
                "no",
                ("hsa-testing-period-risk",),
                True,
            ),
            Step("ira-to-hsa-once-per-lifetime"),
        ),
    ),
)


def _names(node: Group | Leaf) -> set[str]:
    if isinstance(node, Leaf):
        return {node.name} | ({node.right.name} if hasattr(node.right, "name") else set())
    out: set[str] = set()
    for item in node.items:
        out |= _names(item)
    return out


def check_diagrams(rules: dict[str, Rule], warn: Any) -> None:
    """Warn about a diagram that names a missing rule or asks about a fact its rules do not use."""
    for d in DIAGRAMS:
        for node in d.nodes:
            ids = node.outcomes + node.other if isinstance(node, Ask) else (node.rule,)
            missing = [rid for rid in ids if rid not in rules]
            for rid in missing:
                warn(f"explain/website/diagrams.py: diagram {d.id}: rule {rid} is not in the knowledge base")
            if isinstance(node, Ask) and not missing:
                used = set().union(*(_names(rules[rid].when) for rid in ids))
                for fact in node.facts:
                    if fact not in used:
                        where = f"explain/website/diagrams.py: diagram {d.id}"
                        warn(f"{where}: '{node.question}' asks about {fact}, which its rules do not use")
