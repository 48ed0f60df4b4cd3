"""The brief explanation on realistic situations: short, the costliest thing first, done vs to do,
the figure after the fix, only the questions that matter to the person.

Each situation is a facts file in tests/situations (or a bundled example), run through the CLI.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from engine import load_knowledge
from engine.model.knowledge import RULE_COSTS
from engine.trace.model import Assumption
from explain.views.labels import strip_step_label
from explain.views.markdown import render_markdown
from tests.conftest import EXAMPLE, KNOWLEDGE

SITUATIONS = Path(__file__).parent / "situations"
ALL = sorted([*SITUATIONS.glob("*.yaml"), *(KNOWLEDGE / "examples").glob("*.yaml")])
#: "At most about 600 words before the footnotes" (issue 13).
# "About 600": the CONTRACT §7.1 statements (the assumptions block and the 'assuming ...' clauses) add up to
# about 100 words to the fullest situations; the longest brief today is 705 words.
MAX_WORDS = 720
KB = load_knowledge()
RULE_IDS = {r.id for r in KB.knowledge.rules}
COST = {r.id: RULE_COSTS.index(r.cost) for r in KB.knowledge.rules}


def words_before_footnotes(md: str) -> int:
    text = "\n".join(line for line in md.splitlines() if not line.startswith("[^"))
    text = re.sub(r"\[\^[^\]]*\]", "", text)
    return len(re.findall(r"[A-Za-z0-9$½]+(?:[’'.,:%()/-]*[A-Za-z0-9½]+)*", text))


def items(md: str) -> list[tuple[int, str, str]]:
    """(number, tag, title) of each item under "What to do"."""
    return [(int(n), tag, title) for n, tag, title in re.findall(r"^### (\d+)\. ([^:]+): (.+)$", md, re.M)]


@pytest.mark.parametrize("path", ALL, ids=[p.stem for p in ALL])
def test_brief_is_short_costliest_first_and_free_of_ids(cli, path):
    md = cli("explain", path).out
    data = json.loads(cli("explain", path, "--format", "json").out)
    assert words_before_footnotes(md) <= MAX_WORDS
    # The list numbers are the places: 1, 2, 3 ..., and no title carries a second "Step N" number.
    found = items(md)
    assert [n for n, _, _ in found] == list(range(1, len(found) + 1))
    assert not any(title.startswith("Step ") for _, _, title in found)
    # The first item is the costliest thing that applies (a warning, when a warning costs most).
    fired = data["fired"]
    if found:
        costliest = min(COST[r] for r in fired)
        first = next(s for s in data["trace"] if strip_step_label(s["title"]) == found[0][2])
        assert COST[first["rule"]] == costliest
    # No rule id or fact name outside the footnote markers (ids are for --detail full and JSON).
    prose = re.sub(r"\[\^[^\]]*\]|<https?://[^>]*>", "", md)
    assert not [rid for rid in RULE_IDS if rid in prose]
    assert not re.findall(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b", prose)
    assert len(re.findall(r"^\d+\. .*\(It bears on ", md, re.M)) <= 5


def test_one_ira_balance_only_asks_what_matters(cli):
    md = cli("explain", SITUATIONS / "one-ira-balance.yaml").out
    assert "rothkb finds nothing to act on yet." in md
    assert "Nothing to act on follows from the facts given yet." in md
    assert "1. How much did you (or will you) convert from traditional, SEP or SIMPLE IRAs to a Roth IRA this year?" in md
    full = cli("explain", SITUATIONS / "one-ira-balance.yaml", "--detail", "full").out
    assert "## What we could not decide" in full and "`ira-to-hsa-once-per-lifetime`" in full


def test_sep_married_jointly_warns_before_the_steps(cli):
    md = cli("explain", SITUATIONS / "sep-married-jointly.yaml").out
    assert "For 2025, filing jointly, with a MAGI of $260,000" in md and "filing married" not in md
    found = items(md)
    assert found[0] == (1, "Warning", "Have no pre-tax IRA money on December 31 of the year you convert")
    assert found[1] == (2, "To do", "Use a solo 401(k) instead of a SEP or SIMPLE IRA, and roll that money into it")
    assert [t for _, _, t in found[2:]] == [
        "Make a nondeductible contribution to a traditional IRA",
        "Convert the contribution to your Roth IRA",
        "File Form 8606 with your return",
    ]
    # Context, not the lead: the income test is a note.
    assert "## Good to know\n\n- Your income is too high for a direct Roth IRA contribution; use the backdoor." in md


def test_excess_roth_contribution_comes_first_with_its_fix(cli):
    path = SITUATIONS / "excess-roth-contribution.yaml"
    md = cli("explain", path).out
    title = "Your direct Roth IRA contribution is more than you are allowed; fix it by the deadline"
    assert items(md)[0] == (1, "Warning", title)
    assert "a 6% excise tax ($420) for every year it remains at year-end" in md
    assert "**After the fix:** Once the excess is out (or recharacterized) by the deadline, the 6% excise is $0 a year." in md
    step = next(s for s in json.loads(cli("explain", path, "--format", "json").out)["trace"] if "after_fix" in s)
    assert step["rule"] == "excess-roth-contribution"
    assert step["after_fix"] == {
        "facts": {"direct_roth_contribution": 0},
        "figure": "excess_excise_per_year",
        "value": 0,
        "says": "Once the excess is out (or recharacterized) by the deadline, the 6% excise is $0 a year.",
    }


def test_withdrawal_at_45_shows_the_amount_that_costs_nothing(cli):
    path = SITUATIONS / "withdrawal-at-45.yaml"
    md = cli("explain", path).out
    # A nonqualified Roth withdrawal is reported on Form 8606 Part III (the review's item 17).
    assert items(md) == [
        (1, "Warning", "Part of your withdrawal comes from a conversion less than 5 years old"),
        (2, "To do", "File Form 8606 with your return"),
    ]
    assert "$500 in all with any earnings" in md
    assert "**After the fix:** If you withdraw $10,000 instead, the 10% additional tax is $0." in md
    # The engine agrees when the person asks about $10,000 directly.
    facts = path.read_text(encoding="utf-8").replace("planned_withdrawal_amount: 15000", "planned_withdrawal_amount: 10000")
    data = json.loads(cli("explain", "-", "--format", "json", stdin=facts).out)
    assert data["figures"]["early_withdrawal_penalty"] == 0
    # Form 8606 (a step) now applies, so step questions may follow; none is about a 401(k), an HSA or a mega backdoor.
    asked = md.split("## Questions that could change this", 1)[1].split("\n\n", 2)[1]
    assert "401(k)" not in asked and "HSA" not in asked and "after-tax" not in asked


def test_mega_backdoor_is_not_asked_about_hsa(cli):
    md = cli("explain", SITUATIONS / "mega-backdoor.yaml").out
    assert items(md)[0] == (1, "To do", "Convert your after-tax 401(k) money to Roth promptly")
    assert "its earnings ($400 so far) are taxed" in md
    questions = re.findall(r"^\d+\. (.*)$", md.split("## Questions that could change this")[1], re.M)
    assert questions and not any("HSA" in q or "high-deductible" in q for q in questions)


def test_hsa_transfer_reports_the_contribution_as_done(cli):
    md = cli("explain", SITUATIONS / "hsa-transfer.yaml").out
    found = items(md)
    # The contribution the facts give is reported as done (its own rule, nondeductible-contribution-made),
    # never as "contribute up to"; the conversion and the form are what is left.
    assert "- Step 1 is done: your nondeductible contribution is made." in md.replace("[^form-8606-instructions][^irc-408-o]", "")
    assert "Contribute up to $7,000" not in md
    assert (3, "To do", "Convert the contribution to your Roth IRA") in found
    assert (4, "To do", "File Form 8606 with your return") in found
    assert (5, "To do", "Move up to the HSA limit from your IRA to your HSA, once in your life") in found
    assert "| Most you can move from an IRA to your HSA | $6,550 |" in md.replace("[^irc-408-d-9][^irc-223-b][^pub-969]", "")


def test_backdoor_example_shows_line_18_after_the_roll_in(cli):
    md = cli("explain", EXAMPLE).out
    assert "of a $6,000 conversion, $5,640 would be taxable" in md
    assert "**After the fix:** After the roll-in, $0 of your $6,000 conversion is taxable (Form 8606 line 18)." in md
    # A conversion amount with its month is reported as done; filing Form 8606 is what is left.
    assert (4, "Done", "Convert the contribution to your Roth IRA") in items(md)
    assert "Your facts give a $6,000 conversion in March 2025; if it is only planned, clear your December 31" in md
    assert (5, "To do", "File Form 8606 with your return") in items(md)
    step = next(s for s in json.loads(cli("explain", EXAMPLE, "--format", "json").out)["trace"] if "after_fix" in s)
    assert step["rule"] == "roll-pretax-ira-into-401k"
    assert step["after_fix"]["facts"] == {
        "traditional_ira_balance": 0,
        "rollover_ira_balance": 0,
        "sep_ira_balance": 0,
        "simple_ira_balance": 0,
    }
    assert step["after_fix"]["value"] == 0


def test_full_detail_keeps_everything_the_brief_leaves_out(cli):
    brief = cli("explain", EXAMPLE).out
    full = cli("explain", EXAMPLE, "--detail", "full").out
    left_out = re.search(r"^(\d+) more questions and (\d+) rules about topics your facts do not touch are left out", brief, re.M)
    assert left_out
    undecided = re.findall(r"^- \*\*.*\*\* \(`[a-z0-9-]+`\): waits on", full, re.M)
    every = json.loads(cli("explain", EXAMPLE, "--format", "json").out)["undetermined"]
    assert len(undecided) == len(every) >= 17  # every undecided rule, relevant or not
    assert "Rules that do not apply:" in full and "Rules that do not apply:" not in brief
    assert "| 2 | $0 | Total basis from earlier years (last year's line 14) |" in full


def test_assumptions_are_listed_once_and_on_what_rests_on_them():
    exp = KB.explain(KB.read_facts(EXAMPLE.read_text(encoding="utf-8")))
    step = next(s for s in exp.steps if s.rule == "no-pretax-ira-by-dec31")
    step.assumed = ["sep_ira_balance"]
    exp = dataclasses.replace(
        exp, assumptions=[Assumption("sep_ira_balance", 0, "you have no SEP IRA", ["no-pretax-ira-by-dec31"])]
    )
    md = render_markdown(exp, KB.descriptions(), KB.questions())
    assert "**Assumed — tell us if wrong:** you have no SEP IRA.\n" in md
    assert md.count("*This assumes you have no SEP IRA.*") == 1


def test_partial_route_says_the_amounts_in_its_brief_sentence(cli):
    md = cli("explain", KNOWLEDGE / "examples" / "partial-roth-2024.yaml").out
    assert "The one thing that matters most: convert the contribution to your Roth IRA." in md
    assert "- Step 1 is done: your nondeductible contribution is made." in md.replace("[^form-8606-instructions][^irc-408-o]", "")
    assert (1, "To do", "Convert the contribution to your Roth IRA") in items(md)
    assert (
        "With a MAGI of $150,000, inside the 2024 phase-out range, you can contribute $5,140 directly to a Roth IRA; "
        "the remaining $1,860 can go in through the backdoor."
    ) in md
