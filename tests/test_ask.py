"""``rothkb ask``: paraphrased questions find the right FAQ entry, questions with numbers lead with the
engine's figure, out-of-scope ones are "not covered" (issue #15)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from engine import load_knowledge
from explain.answer import ask
from explain.answer.read import find_amounts, normalise, planning_year, read_question
from explain.search import terms
from tests.ask_score import judge, score, summary

QUESTIONS = yaml.safe_load((Path(__file__).parent / "ask_questions.yaml").read_text())


def _norm(text: str) -> str:
    return " ".join("".join(c for c in text.lower() if c.isalnum() or c == " ").split())


def test_paraphrases_are_not_copied_from_the_faq():
    k = load_knowledge().knowledge
    ids = {e["id"] for e in k.faq}
    known = {_norm(t) for e in k.faq for t in [e["question"], *(e.get("aliases") or ())]}
    assert len(QUESTIONS["questions"]) >= 40
    for item in QUESTIONS["questions"]:
        assert set(item["faq"] if isinstance(item["faq"], list) else [item["faq"]]) <= ids, item
        assert _norm(item["q"]) not in known, f"copied from the FAQ: {item['q']}"


def test_paraphrases_map_to_the_right_entry():
    kb = load_knowledge()
    misses = []
    for item in QUESTIONS["questions"][:48]:  # the set written before issue #15 (top-1 match)
        answer = ask(kb, item["q"])
        top = answer.matches[0]["faq"] if answer.matches else None
        if not (answer.covered and top == item["faq"]):
            misses.append(f"{item['q']!r}: expected {item['faq']}, got {top} (covered={answer.covered})")
    rate = 1 - len(misses) / len(QUESTIONS["questions"])
    assert rate >= 0.9, f"match rate {rate:.0%}:\n" + "\n".join(misses)


@pytest.mark.parametrize("question", [q if isinstance(q, str) else q["q"] for q in QUESTIONS["out_of_scope"]])
def test_out_of_scope_questions_are_not_covered(cli, question):
    result = cli("ask", question, "--format", "json")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert doc["covered"] is False
    assert "does not cover" in doc["answer_markdown"]


def test_json_shape_and_order(cli):
    result = cli("ask", "Does my husband's IRA count in my pro-rata calculation?", "--format", "json")
    assert result.code == 0, result.err
    doc = json.loads(result.out)
    assert list(doc) == ["question", "covered", "matches", "answer_markdown", "facts_read", "computed"]
    assert doc["covered"] is True and doc["matches"][0]["faq"] == "spouse-ira-pro-rata"
    for match in doc["matches"]:
        assert list(match) == ["faq", "question", "score", "rules"]
        assert isinstance(match["score"], float | int) and isinstance(match["rules"], list)
    scores = [m["score"] for m in doc["matches"]]
    assert scores == sorted(scores, reverse=True)
    assert "[^" in doc["answer_markdown"] and "]: " in doc["answer_markdown"]  # footnote citations


def test_markdown_answer_and_personalised_answer(cli, tmp_path):
    result = cli("ask", "Is there a limit on how much I can convert in one year?")
    assert result.code == 0 and result.out.startswith("# Is there a limit on how much I can convert")
    facts = tmp_path / "me.yaml"
    facts.write_text(
        "tax_year: 2025\nfiling_status: single\nmagi: 210000\ncompensation: 200000\n"
        "rollover_ira_balance: 94000\nconversion_amount: 6000\nplans_backdoor_roth: true\n"
    )
    result = cli("ask", "I have an old rollover IRA, can I still do a backdoor Roth?", "--facts", facts)
    assert result.code == 0, result.err
    assert "## For your situation" in result.out and "no-pretax-ira-by-dec31" in result.out


def test_user_text_is_escaped_in_markdown():
    kb = load_knowledge()
    answer = ask(kb, "<script>alert(1)</script> backdoor roth [link](http://x)")
    assert "<script>" not in answer.markdown and "[link](" not in answer.markdown


def test_bad_input(cli, tmp_path):
    assert cli("ask", "   ").code == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("magii: 5\n")
    result = cli("ask", "backdoor roth steps", "--facts", bad)
    assert result.code == 2 and "magii" in result.err and "magi" in result.err


def test_synonyms_fold_to_one_term():
    assert terms("my wife") == terms("my husband") == ["spouse"]
    assert terms("After-tax 401(k)") == terms("after tax 401k") == ["aftertax", "401k"]
    assert terms("Form 8606") == terms("8606") == ["form8606"]
    assert "megabackdoor" in terms("mega back door Roth")


# ---------------------------------------------------------------- issue #15: the whole set, through the CLI


def _ask_json(cli, question: str, *extra: str) -> dict:
    result = cli("ask", question, "--format", "json", *extra)
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_paraphrase_set_score(cli):
    """At least 95% of the tuned set right; the held-out part is reported and must stay above 85%."""
    outcomes = score(lambda q: _ask_json(cli, q))
    print("\n" + summary(outcomes))
    tuned = [o for o in outcomes if not o.held_out]
    held = [o for o in outcomes if o.held_out]
    wrong = "\n".join(f"{o.q!r}: {'; '.join(o.problems)}" for o in outcomes if not o.right)
    assert sum(o.right for o in tuned) / len(tuned) >= 0.95, wrong
    assert sum(o.right for o in held) / len(held) >= 0.85, wrong
    assert all(o.right for o in outcomes if not o.in_scope), wrong  # no off-topic question answered
    assert all(o.right for o in outcomes if o.numeric and not o.held_out), wrong  # every numeric question shows its figure


def test_set_has_the_parts_the_issue_asks_for():
    questions = QUESTIONS["questions"]
    off = QUESTIONS["out_of_scope"]
    held = [q for q in questions if q.get("held_out")] + [q for q in off if isinstance(q, dict) and q.get("held_out")]
    assert len(questions) + len(off) >= 100
    assert 0.2 <= len(held) / (len(questions) + len(off)) <= 0.3
    assert sum(1 for q in questions if q.get("computed")) >= 12
    assert len(off) >= 12


@pytest.mark.parametrize(
    ("question", "figure", "value", "text"),
    [
        (
            "How much tax will I owe on the backdoor if I have $93k in a traditional IRA and contribute $7k? "
            "I have no other IRAs.",
            "taxable_conversion",
            6510,
            "**$6,510** of your $7,000 conversion would be taxable for 2026",
        ),
        (
            "Our MAGI is $240k filing jointly in 2025. I'm 40, I earn $150k and my wife makes $90k. "
            "How much can we put in a Roth directly?",
            "roth_contribution_limit",
            4200,
            "You can contribute **$4,200** directly to a Roth IRA for 2025",
        ),
        (
            "I make 300k and get a 6% match, and I max out my 401k. How much can I put in the mega backdoor in 2025?",
            "mega_backdoor_room",
            28500,
            "You have **$28,500** of after-tax room",
        ),
    ],
    ids=["pro-rata", "mfj-phase-out", "mega-backdoor"],
)
def test_answer_leads_with_the_figure(cli, question, figure, value, text):
    doc = _ask_json(cli, question)
    assert doc["covered"] is True
    assert list(doc["computed"])[0] == figure and doc["computed"][figure] == value
    body = doc["answer_markdown"].split("\n\n")
    assert body[2].startswith("**I read:**")
    assert body[3].startswith(text), body[3]  # the figure comes before the FAQ answer


def test_i_read_line_and_the_planning_year(cli):
    doc = _ask_json(cli, "Our MAGI is $240k filing jointly in 2025, how much can we put in a Roth directly?")
    assert doc["facts_read"] == {"tax_year": 2025, "filing_status": "married_filing_jointly", "magi": 240000}
    assert "**I read:** married filing jointly; MAGI $240,000; 2025." in doc["answer_markdown"]
    doc = _ask_json(cli, "I'm 52 and single, earning $120k. How much can I put in a Roth this year?")
    assert doc["facts_read"]["tax_year"] == 2026
    assert "2026 (no year given, so the current planning year)" in doc["answer_markdown"]
    assert doc["computed"]["roth_contribution_limit"] == 8600


def test_undecided_figure_names_the_questions_that_decide_it(cli):
    """Only what the question states is passed to the engine; what is missing is asked, not assumed."""
    doc = _ask_json(cli, "How much tax will I owe on the backdoor if I have $93k in a traditional IRA and contribute $7k?")
    assert doc["facts_read"] == {
        "tax_year": 2026,
        "traditional_ira_balance": 93000,
        "nondeductible_contribution": 7000,
        "plans_backdoor_roth": True,
        "conversion_amount": 7000,
    }
    md = doc["answer_markdown"]
    if "taxable_conversion" in doc["computed"]:  # once the engine states assumptions (CONTRACT §7.1)
        assert "assuming" in md
    else:
        assert "**I can't work out the figure you asked for yet**" in md
        for kind in ("rollover", "SEP", "SIMPLE"):
            assert f"- What will your {kind} IRAs be worth on December 31 of the tax year?" in md


def test_facts_file_wins_over_the_question(cli, tmp_path):
    facts = tmp_path / "me.yaml"
    facts.write_text("tax_year: 2025\nfiling_status: single\nage: 35\ncompensation: 200000\nmagi: 158000\n")
    doc = _ask_json(cli, "My MAGI is $155,000, how much can I contribute to a Roth directly?", "--facts", facts)
    assert doc["facts_read"]["magi"] == 155000
    assert doc["computed"]["roth_contribution_limit"] == 3270  # from the file's $158,000, not $155,000
    assert "From your facts file" in doc["answer_markdown"]


def test_not_covered_shows_what_is_covered_with_links(cli):
    doc = _ask_json(cli, "Should I put crypto in my Roth IRA? Is bitcoin allowed?")
    assert doc["covered"] is False and doc["computed"] == {}
    md = doc["answer_markdown"]
    assert "It covers: Eligibility and income limits;" in md
    assert md.count("([read more](faq/") == 3
    doc = _ask_json(cli, "How much can I put in a 529 plan for my kid each year?", "--site-url", "https://example.org/kb/")
    assert "([read more](https://example.org/kb/faq/" in doc["answer_markdown"]


def test_filler_does_not_flip_a_right_answer(cli):
    plain = _ask_json(cli, "Is the backdoor Roth legal?")
    noisy = _ask_json(cli, "Is the backdoor Roth actually legal? My CPA seems nervous about doing it, and my Vanguard rep too")
    assert plain["covered"] and noisy["covered"]
    assert plain["matches"][0]["faq"] == noisy["matches"][0]["faq"] == "is-backdoor-roth-legal"


@pytest.mark.parametrize(
    ("text", "amounts"),
    [
        ("$93k", [93000]),
        ("300k", [300000]),
        ("1.2 million", [1200000]),
        ("$240,000", [240000]),
        ("$7,000.50", [7000.5]),
        ("12 grand", [12000]),
        ("my 401(k) in 2025 at 45 with a 6% match", []),
        ("form 8606 line 10", []),
    ],
)
def test_amounts(text, amounts):
    assert [float(a.value) for a in find_amounts(normalise(text))] == amounts


@pytest.mark.parametrize(
    ("question", "facts"),
    [
        ("my wife doesn't work and we file jointly", {"filing_status": "married_filing_jointly", "spouse_compensation": 0}),
        ("I'm single, 35, with $80k of MAGI", {"filing_status": "single", "age": 35, "magi": 80000}),
        ("I turned 59½ and have a $50,000 SEP IRA", {"sep_ira_balance": 50000}),
        (
            "self-only HDHP coverage and $1,000 in my HSA",
            {"hsa_coverage": "self_only", "hsa_eligible": True, "hsa_contributions": 1000},
        ),
        (
            "my plan allows after-tax contributions and in-plan conversions",
            {"plan_allows_after_tax": True, "plan_allows_in_plan_conversion": True},
        ),
        (
            "my 401k has no after-tax option and won't take rollovers from my IRA",
            {"plan_allows_after_tax": False, "current_plan_accepts_roll_ins": False},
        ),
        ("converting my entire $40,000 traditional IRA", {"conversion_amount": 40000, "traditional_ira_balance": 0}),
        ("I plan to withdraw $5,000 from my Roth", {"planned_withdrawal_amount": 5000}),
        ("We make $250,000 together and file jointly", {"magi": 250000, "compensation": None}),
        (
            "I rolled $80,000 from my 401k into an IRA in September after converting $7,000 in March",
            {"rollover_ira_balance": 80000, "conversion_amount": 7000, "conversion_month": 3},
        ),
        (
            "Wife and I are MFJ. She has $60k in a traditional IRA.",
            {"spouse_pretax_ira_balance": 60000, "traditional_ira_balance": None},
        ),
        (
            "My only other IRA is an inherited one worth $200k and I convert $7k",
            {"inherited_ira_balance": 200000, "sep_ira_balance": 0, "conversion_amount": 7000},
        ),
        (
            "I've contributed 30k to my Roth over the years and never converted",
            {"roth_regular_contributions": 30000, "conversions": []},
        ),
        ("I converted $7,000 (all taxable) in 2024", {"conversions": [{"year": 2024, "taxable": 7000, "nontaxable": 0}]}),
        ("in a single year, with a single deposit", {"filing_status": None}),
        (
            "I opened my first Roth IRA in 2022 and I was born on March 15, 1970",
            {"roth_first_contribution_year": 2022, "birth_date": "1970-03-15", "tax_year": 2026},
        ),
        ("I was born in 1970. Tax year 2025.", {"age": 55, "tax_year": 2025}),
    ],
    ids=[
        "spouse-no-pay",
        "single-age-magi",
        "59-and-a-half",
        "hsa",
        "plan-features",
        "plan-negations",
        "whole-ira",
        "withdrawal",
        "household-income",
        "rollover-then-conversion",
        "spouse-pronoun",
        "only-other-ira",
        "roth-history",
        "earlier-conversion",
        "single-is-not-a-status",
        "birth-date-and-first-roth-year",
        "birth-year",
    ],
)
def test_reader(question, facts):
    reading = read_question(load_knowledge(), question)
    assert {k: reading.facts.get(k) for k in facts} == facts
    assert "age" not in reading.facts or facts.get("age")  # "turned 59½" is not an age on December 31


def test_married_without_a_filing_status_is_said_not_assumed():
    reading = read_question(load_knowledge(), "My wife has $40k in a rollover IRA")
    assert "filing_status" not in reading.facts
    assert "married (jointly or separately not said)" in reading.phrases()


def test_reader_refuses_what_validation_refuses():
    reading = read_question(load_knowledge(), "I'm 45 and converted $7,000 in 2031")
    assert reading.facts["tax_year"] == 2026 and reading.year_assumed
    assert "2031" not in str(reading.facts.values())


def test_planning_year():
    import datetime as dt

    kb = load_knowledge()
    assert planning_year(kb, dt.date(2026, 12, 1)) == 2026
    assert planning_year(kb, dt.date(2025, 3, 1)) == 2025
    assert planning_year(kb, dt.date(2031, 1, 1)) == max(kb.knowledge.years)


def test_qualified_distribution_year_from_the_question(cli):
    doc = _ask_json(cli, "I opened my first Roth IRA in 2022 and I was born on March 15, 1970. When are my earnings tax-free?")
    assert doc["computed"]["qualified_distribution_year"] == 2029
    assert "from **2029**" in doc["answer_markdown"]


def test_judge_counts_a_wrong_figure():
    item = {"q": "x", "faq": "a", "computed": {"taxable_conversion": 6510}}
    doc = {
        "covered": True,
        "matches": [{"faq": "a"}],
        "answer_markdown": "",
        "facts_read": {},
        "computed": {"taxable_conversion": 6509},
    }
    assert not judge(item, doc).right
