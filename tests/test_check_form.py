"""The "check my situation" form logic (explain/website/form.py), independent of the HTTP server."""

from __future__ import annotations

import pytest

from engine import InputError, load_knowledge
from explain.website.form import form_context, form_sections, parse_form, problem_messages, submitted_goal


def test_sections_follow_the_interview_plan_with_gates():
    kb = load_knowledge()
    sections = {s.id: s for s in form_sections(kb)}
    assert list(sections)[:4] == ["year", "you", "plans", "iras"]
    assert sections["plan"].gate.name == "has_401k"
    assert "current_plan_accepts_roll_ins" in [f.name for f in sections["plan"].fields]
    assert sections["hsa"].gate.name == "hsa_eligible"
    assert "How much will they hold on December 31" in sections["iras"].intros["traditional_ira_balance"]


def test_tax_year_is_preset_and_errors_are_in_words():
    kb = load_knowledge()
    assert form_context(kb)["values"]["tax_year"] == "2026"
    with pytest.raises(InputError) as exc:
        kb.explain({"tax_year": 1999, "magi": "lots"})
    messages = problem_messages(kb, exc.value)
    assert "Tax year: choose a year from 2023 to 2026" in messages
    assert any(m.startswith("Modified adjusted gross income for Roth IRA purposes: expected an amount") for m in messages)


def test_the_goal_is_kept_and_answers_what_it_implies():
    kb = load_knowledge()
    body = b"goal=backdoor&tax_year=2026&magi=240k&has_401k=yes"
    facts = parse_form(kb, body, "application/x-www-form-urlencoded")
    assert facts == {"tax_year": "2026", "magi": "240k", "has_401k": True, "plans_backdoor_roth": True}
    assert submitted_goal(body) == "backdoor"
    shown = form_context(kb, dict(facts, goal="backdoor"))["values"]
    assert shown["magi"] == "240k" and shown["has_401k"] == "yes" and shown["goal"] == "backdoor"
