"""`rothkb check`: errors and warnings at once, --strict, and the whole-knowledge consistency checks."""

from __future__ import annotations

from engine import check_knowledge

RULE = """rules:
  - id: {id}
    title: A test rule
    kind: info
{extra}    when:
      all:
        - {cond}
    then:
{conclude}      advice: Note.
    because: Because.
    sources: [irc-408a-c-3]
"""


def rule(rid: str, cond: str, conclude: str = "", extra: str = "") -> str:
    conclude = f"      conclude: {{{conclude}}}\n" if conclude else ""
    return RULE.format(id=rid, cond=cond, conclude=conclude, extra=extra).split("\n", 1)[1]


def warnings(root) -> list[str]:
    return [p.format() for p in check_knowledge(root) if p.severity == "warning"]


def test_errors_come_first_all_at_once_with_a_count(kb_copy, cli):
    (kb_copy / "rules" / "zz.yaml").write_text("rules:\n" + rule("zz-a", "magii > 1") + rule("zz-b", "magi > cap"))
    result = cli("check", kb_copy)
    assert result.code == 1
    errors = [line for line in result.err.splitlines() if line.startswith("knowledge/rules/zz.yaml")]
    assert len(errors) == 2
    assert result.err.splitlines()[-1].startswith("rothkb check: 2 error(s), ")


def test_strict_turns_warnings_into_errors(kb_copy, cli):
    (kb_copy / "rules" / "zz.yaml").write_text("rules:\n" + rule("zz-todo", "magi > 1").replace("Because.", "TODO"))
    result = cli("check", kb_copy)
    assert result.code == 0
    count = len(warnings(kb_copy))
    assert result.out == f"rothkb check: knowledge is valid ({count} warning(s))\n"
    result = cli("check", kb_copy, "--strict")
    assert result.code == 1
    assert result.err.splitlines()[-1] == f"rothkb check: 0 error(s), {count} warning(s), treated as errors by --strict"


def test_unused_fact_and_source_are_warnings(kb_copy):
    text = (kb_copy / "facts.yaml").read_text()
    (kb_copy / "facts.yaml").write_text(
        text.replace("facts:\n", "facts:\n  zz_unused:\n    type: bool\n    description: Unused.\n    question: Unused?\n", 1)
    )
    text = (kb_copy / "sources.yaml").read_text()
    (kb_copy / "sources.yaml").write_text(
        text.replace("sources:\n", "sources:\n  zz-uncited:\n    title: T\n    kind: notice\n    url: https://www.irs.gov/x\n", 1)
    )
    found = warnings(kb_copy)
    assert "warning: knowledge/facts.yaml:5:3: facts.zz_unused: fact is not used by any rule or value" in found
    line = next(i for i, t in enumerate((kb_copy / "sources.yaml").read_text().splitlines(), 1) if "zz-uncited" in t)
    assert f"warning: knowledge/sources.yaml:{line}:3: sources.zz-uncited: source is not cited anywhere" in found


def test_rule_without_a_test_is_a_warning_until_a_test_exercises_it(kb_copy):
    (kb_copy / "rules" / "zz.yaml").write_text("rules:\n" + rule("zz-untested", "magi > 900000"))
    message = (
        "warning: knowledge/rules/zz.yaml:2:5: rules(zz-untested): no scenario test checks this rule "
        "(list it under 'fires' or 'does_not_fire' of a test in tests/)"
    )
    assert message in warnings(kb_copy)
    (kb_copy / "tests" / "zz.yaml").write_text(
        "tests:\n  - name: t\n    facts: {tax_year: 2025}\n    does_not_fire: [zz-untested]\n"
    )
    assert message not in warnings(kb_copy)


def test_todo_text_is_a_warning(kb_copy):
    (kb_copy / "rules" / "zz.yaml").write_text("rules:\n" + rule("zz-todo", "magi > 1").replace("Because.", "TODO"))
    assert (
        "warning: knowledge/rules/zz.yaml:10:5: rules[0](zz-todo).because: still says TODO: replace it with the real text"
    ) in warnings(kb_copy)


def test_every_parameter_needs_every_year_and_every_rule_a_primary_source(kb_copy):
    (kb_copy / "parameters" / "zz.yaml").write_text(
        "parameters:\n  zz_cap:\n    description: Cap\n    unit: usd\n    values:\n"
        "      2023: {value: 1, source: notice-2022-55}\n      2025: {value: 1, source: notice-2024-80}\n"
    )
    errors = [p.format() for p in check_knowledge(kb_copy) if p.severity == "error"]
    assert (
        "knowledge/parameters/zz.yaml:2:3: parameters.zz_cap.values: no value for 2024, 2026; every parameter "
        "needs a value for every supported year (2023-2026)"
    ) in errors


def test_rules_concluding_different_values_that_can_fire_together_are_reported(kb_copy):
    (kb_copy / "rules" / "zz.yaml").write_text(
        "rules:\n"
        + rule("zz-direct", "magi > 100000", "roth_route: direct")
        + rule("zz-disjoint", "magi < 0", "roth_route: direct")
    )
    found = [w for w in warnings(kb_copy) if "can fire together" in w]
    # backdoor-roth-needed and roth-contribution-phased-out both conclude another route; either pair shows it
    assert any(
        (
            "'backdoor-roth-needed' and 'zz-direct'" in w
            and "roth_route = backdoor and roth_route = direct" in w
            or "'roth-contribution-phased-out' and 'zz-direct'" in w
            and "roth_route = partial and roth_route = direct" in w
        )
        and "magi = $" in w
        for w in found
    ), found
    assert not any("zz-disjoint" in w for w in found)


def test_phase_out_rules_are_judged_apart_per_year_and_filing_status(kb_copy):
    # roth_phaseout_start < roth_phaseout_end in every year and column: the bundled routes never overlap.
    assert not [w for w in warnings(kb_copy) if "can fire together" in w]


def test_excludes_reports_rules_that_can_fire_together(kb_copy):
    (kb_copy / "rules" / "zz.yaml").write_text(
        "rules:\n"
        + rule("zz-roll", "current_plan_accepts_roll_ins == true", extra="    excludes: [zz-no-roll]\n")
        + rule("zz-no-roll", "current_plan_accepts_roll_ins == false")
        + rule("zz-big", "magi >= 100000", extra="    excludes: [zz-small]\n")
        + rule("zz-small", "magi <= 100000")
    )
    found = [w for w in warnings(kb_copy) if "can fire together" in w]
    assert not any("zz-roll" in w for w in found)
    assert (
        "warning: knowledge/rules/zz.yaml:23:5: rules(zz-big): 'zz-big' and 'zz-small' (knowledge/rules/zz.yaml:34) "
        "can fire together, but 'zz-big' excludes 'zz-small'; for example when magi = $100,000 (tax year 2023)"
    ) in found


def test_a_rule_cannot_exclude_itself(kb_copy):
    (kb_copy / "rules" / "zz.yaml").write_text("rules:\n" + rule("zz-self", "magi > 1", extra="    excludes: [zz-self]\n"))
    errors = [p.format() for p in check_knowledge(kb_copy) if p.severity == "error"]
    assert "knowledge/rules/zz.yaml:2:5: rules(zz-self).excludes: a rule cannot exclude itself" in errors


def test_check_names_a_missing_folder(tmp_path, cli):
    result = cli("check", tmp_path / "nowhere")
    assert result.code == 1
    assert "knowledge directory not found" in result.err


def test_faq_example_firing_an_unlisted_rule_is_reported(kb_copy):
    (kb_copy / "faq").mkdir()
    entry = (
        "faq:\n  - id: zz-q\n    question: Q?\n    answer: A.\n    rules: [{rules}]\n    sources: [irc-219-b]\n"
        "    example:\n      description: no pay\n      facts: {{tax_year: 2025, filing_status: single, "
        "magi: 300000, compensation: 0}}\n"
    )
    (kb_copy / "faq" / "zz.yaml").write_text(entry.format(rules="backdoor-roth-needed"))
    found = [w for w in warnings(kb_copy) if "faq(zz-q)" in w]
    assert found == [
        "warning: knowledge/faq/zz.yaml:2:5: faq(zz-q).rules: the example fires rules the entry does "
        "not list: compensation-required (add them to rules:, or change the example)"
    ], found
    (kb_copy / "faq" / "zz.yaml").write_text(entry.format(rules="compensation-required"))
    assert not [w for w in warnings(kb_copy) if "faq(zz-q)" in w]
