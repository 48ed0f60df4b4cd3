"""`rothkb interview` with piped standard input."""

from __future__ import annotations

import yaml

from tests.conftest import EXAMPLE


def test_interview_reaches_the_full_plan_from_piped_answers(cli, tmp_path, monkeypatch):
    """Answer each question from the bundled example's facts (blank when the example has none)."""
    import io

    from engine import load_knowledge
    from explain.apps.interview import run_interview

    person = yaml.safe_load(EXAMPLE.read_text())
    kb = load_knowledge()

    class Answers(io.StringIO):
        """Answers whatever is asked, from the example person (blank when unknown)."""

        def __init__(self, log):
            super().__init__()
            self.log = log

        def readline(self, *args):
            asked = self.log.getvalue().rsplit("Question", 1)[-1]
            for name, fact in kb.knowledge.facts.items():
                if fact.question in asked:
                    value = person.get(name, "")
                    return f"{'yes' if value is True else 'no' if value is False else value}\n"
            return "q\n"

    log = io.StringIO()
    facts = run_interview(kb, {}, Answers(log), log)
    full = kb.explain(person)
    assert kb.explain(facts, validated=True).fired == full.fired
    assert "Nothing more to ask" in log.getvalue()


def test_interview_rejects_bad_answers_with_the_reason_and_saves(cli, tmp_path):
    saved = tmp_path / "saved.yaml"
    result = cli("interview", "--save", saved, stdin="2025\nq\n")
    assert result.code == 0
    assert yaml.safe_load(saved.read_text()) == {"tax_year": 2025}
    assert result.out.startswith("# Your retirement-account explanation for 2025")
    bad = cli("interview", stdin="1999\nq\n")
    assert "Not accepted: rothkb covers 2023-2026." in bad.err
    assert bad.code == 2  # no year ever accepted: nothing to explain


def test_interview_blank_means_unknown_and_is_not_asked_again(cli):
    result = cli("interview", "--format", "json", stdin="2025\n\n\nq\n")
    questions = [line for line in result.err.splitlines() if line.startswith("Question")]
    assert len(questions) == 4  # year, two blanks ("don't know"), then q at the fourth
    assert len(set(q.split(":", 1)[1] for q in questions)) == 4


def test_interview_starts_from_a_facts_file(cli):
    result = cli("interview", "--facts", EXAMPLE, stdin="q\n")
    assert result.code == 0
    assert "Question 1" in result.err and "Which tax year" not in result.err
    assert "backdoor" in result.out
