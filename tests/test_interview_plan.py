"""The interview plan (knowledge/interview.yaml): validation with located errors, the planner's choices."""

from __future__ import annotations

from engine import load_knowledge
from engine.run.plan import goal_rules, next_question, plan_groups, planning_year
from engine.validate.answers import parse_grouped, parse_kind


def _edit(kb_copy, old: str, new: str) -> None:
    path = kb_copy / "interview.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_every_name_in_the_plan_is_checked_with_its_line(kb_copy, cli):
    _edit(kb_copy, "questions: [tax_year]", "questions: [tax_yeer]")
    _edit(kb_copy, "topics: [withdrawals]", "topics: [withdrawls]")
    _edit(kb_copy, "gate: hsa_eligible", "gate: hsa_coverage")
    _edit(kb_copy, "  backdoor-roth-needed:", "  backdoor-roth-neded:")
    _edit(kb_copy, "questions: [plans_backdoor_roth, wants_to_undo_conversion]", "questions: [plans_backdoor_roth, magi]")
    result = cli("check", kb_copy)
    assert result.code == 1
    lines = result.err.splitlines()
    expected = "groups[0].questions[0]: unknown fact 'tax_yeer' (did you mean 'tax_year'?)"
    assert any(line.startswith("knowledge/interview.yaml:") and expected in line for line in lines)
    assert any("topics[0]: unknown topic 'withdrawls' (did you mean 'withdrawals'?)" in line for line in lines)
    assert any("gate: 'hsa_coverage' is a fact of type enum; expected bool or money" in line for line in lines)
    assert any("headlines.backdoor-roth-neded: unknown rule" in line for line in lines)
    assert any("'magi' is already asked at groups[1].questions[1]" in line for line in lines)
    assert "5 error(s)" in result.err


def test_without_a_plan_every_fact_is_reachable(kb_copy):
    (kb_copy / "interview.yaml").unlink()
    kb = load_knowledge(kb_copy)
    assert kb.knowledge.interview.goals == ()
    assert [g.id for g in plan_groups(kb.knowledge)] == ["other"]


def test_the_planning_year_is_the_latest_covered_year_not_after_today():
    k = load_knowledge().knowledge
    assert planning_year(k, 2026) == 2026 and planning_year(k, 2030) == k.years[-1] and planning_year(k, 2024) == 2024


def test_a_closed_gate_skips_its_follow_ups():
    kb = load_knowledge()
    k = kb.knowledge
    goal = k.interview.goal("mega")
    facts = kb.parse_facts({"tax_year": 2026, "age": 40, "compensation": 200000, "has_401k": False})
    rules = goal_rules(k, goal)
    skipped: set[str] = set(k.facts) - {"has_401k", "plan_allows_after_tax", "plan_allows_in_plan_conversion"}
    assert next_question(kb.compiled, plan_groups(k), rules, facts, skipped) is None
    facts["has_401k"] = True
    assert next_question(kb.compiled, plan_groups(k), rules, facts, skipped).question.id == "plan_allows_after_tax"


def test_grouped_amounts_by_kind():
    kb = load_knowledge()
    q = next(q for g in kb.knowledge.interview.groups for q in g.questions if q.id == "pretax_iras")
    facts = kb.knowledge.facts
    assert parse_grouped(q, facts, "no") == ({n: 0 for n in q.facts}, None)
    values, error = parse_grouped(q, facts, "rollover 60k, sep $5,000.50")
    assert error is None and values["rollover_ira_balance"] == 60000 and str(values["sep_ira_balance"]) == "5000.50"
    assert values["traditional_ira_balance"] == 0 and values["simple_ira_balance"] == 0
    assert parse_grouped(q, facts, "60k") == (None, None)  # a bare amount: the kind is asked next
    assert parse_kind(q, facts, "60k", "rollover")[0]["rollover_ira_balance"] == 60000
    assert "could not read" in parse_grouped(q, facts, "rollover sep 5k")[1]
