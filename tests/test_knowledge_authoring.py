"""A new rule needs only YAML; knowledge errors name file, line, key and a suggestion."""

from __future__ import annotations

import json

from engine import check_knowledge, load_knowledge

NEW_RULE = """
rules:
  - id: test-high-earner-note
    title: A note for very high earners
    kind: info
    importance: 10
    when:
      all:
        - magi > 500000
    then:
      advice: Your MAGI of {magi} is far above the {tax_year} Roth limit of {roth_phaseout_end}.
    because: Test rule added by a test.
    sources:
      - {id: irc-408a-c-3, pinpoint: "§ 408A(c)(3)"}
"""


def test_a_new_rule_needs_only_yaml(kb_copy, cli):
    (kb_copy / "rules" / "zz_test.yaml").write_text(NEW_RULE)
    facts = json.dumps({"tax_year": 2025, "filing_status": "single", "magi": 600000})
    result = cli("--knowledge", kb_copy, "explain", "-", "--format", "json", stdin=facts)
    data = json.loads(result.out)
    assert "test-high-earner-note" in data["fired"]
    step = next(s for s in data["trace"] if s["rule"] == "test-high-earner-note")
    assert step["sources"] == ["irc-408a-c-3"]
    assert step["advice"] == "Your MAGI of $600,000 is far above the 2025 Roth limit of $165,000."
    assert data["sources"]["irc-408a-c-3"]["title"].startswith("26 U.S.C. 408A(c)(3)")


def test_misspelt_fact_in_rule_is_reported_with_line_and_suggestion(kb_copy, cli):
    (kb_copy / "rules" / "zz_test.yaml").write_text(NEW_RULE.replace("magi > 500000", "magii > 500000"))
    result = cli("check", kb_copy)
    assert result.code == 1
    assert (
        "zz_test.yaml:9:11: rules[0](test-high-earner-note).when.all[0]: unknown fact or value 'magii' (did you mean 'magi'?)"
    ) in result.err


def test_bundled_knowledge_has_no_errors():
    assert [p.format() for p in check_knowledge() if p.severity == "error"] == []


def test_load_knowledge_is_cached_and_compiled_once():
    assert load_knowledge() is load_knowledge()
