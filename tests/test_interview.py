"""`rothkb interview` with piped standard input (the pseudo-terminal tests drive whole people)."""

from __future__ import annotations

import yaml

from tests.conftest import EXAMPLE


def test_interview_saves_answers_with_exact_cents(cli, tmp_path):
    saved = tmp_path / "saved.yaml"
    result = cli("interview", "--save", saved, stdin="backdoor\n2025\nsingle\n$240,000.55\nq\n")
    assert result.code == 0, result.err
    assert saved.read_text().splitlines()[-1] == "magi: 240000.55"
    assert yaml.safe_load(saved.read_text()) == {
        "plans_backdoor_roth": True,
        "tax_year": 2025,
        "filing_status": "single",
        "magi": 240000.55,
    }
    assert result.out.startswith("# Your retirement-account explanation for 2025")


def test_a_refused_year_is_explained_in_words(cli):
    bad = cli("interview", stdin="1\n1999\nq\n")
    assert "Not accepted: choose a year from 2023 to 2026. Please try again." in bad.err
    assert bad.code == 2  # no year ever accepted: nothing to explain


def test_save_is_checked_before_the_first_question(cli, tmp_path):
    result = cli("interview", "--save", tmp_path / "missing" / "saved.yaml", stdin="backdoor\n")
    assert result.code == 2
    assert "cannot save to" in result.err and "Question 1" not in result.err


def test_blank_means_unknown_and_is_not_asked_again(cli):
    result = cli("interview", "--format", "json", stdin="\n\n\n\nq\n")
    questions = [line for line in result.err.splitlines() if line.startswith("Question")]
    assert len(questions) == 5  # goal (blank: everything), year (blank: the planning year), two blanks, then q
    assert len(set(q.split(":", 1)[1] for q in questions)) == 5
    assert '"tax_year": 2026' in result.out


def test_interview_starts_from_a_facts_file(cli):
    result = cli("interview", "--facts", EXAMPLE, stdin="1\nq\n")
    assert result.code == 0
    assert "Question 2" in result.err and "Which tax year" not in result.err
    assert "backdoor" in result.out
