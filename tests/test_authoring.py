"""`rothkb new rule`, `rothkb show rule|functions` and plain-English conditions."""

from __future__ import annotations

import yaml

from engine import check_knowledge, load_knowledge
from explain.views.sentences import describe_condition, describe_leaf, describe_rule


def test_new_rule_writes_a_valid_skeleton_and_test_that_pass(kb_copy, cli):
    result = cli("--knowledge", kb_copy, "new", "rule", "zz-new-rule")
    assert result.code == 0, result.err
    assert f"wrote rule 'zz-new-rule' to {kb_copy}/rules/new.yaml:" in result.out
    doc = yaml.safe_load((kb_copy / "rules" / "new.yaml").read_text())
    assert [r["id"] for r in doc["rules"]] == ["zz-new-rule"]
    assert (
        (kb_copy / "rules" / "new.yaml")
        .read_text()
        .startswith("# yaml-language-server: $schema=../../schemas/rules.schema.json\n")
    )
    problems = check_knowledge(kb_copy)
    assert not [p for p in problems if p.severity == "error"]
    todo = [p.format() for p in problems if "TODO" in p.message]
    assert (
        "warning: knowledge/rules/new.yaml:6:5: rules[0](zz-new-rule).title: still says TODO: replace it with the "
        "real text" in todo
    )
    assert len(todo) == 4  # title, advice, because, pinpoint
    tested = cli("--knowledge", kb_copy, "test", kb_copy / "tests" / "new.yaml")
    assert tested.code == 0, tested.out
    assert tested.out.strip().endswith("1 passed, 0 failed")


def test_new_rule_appends_to_an_existing_topic_file(kb_copy, cli):
    before = (kb_copy / "rules" / "pro_rata.yaml").read_text()
    assert cli("--knowledge", kb_copy, "new", "rule", "zz-pro-rata-note", "--topic", "pro-rata").code == 0
    after = (kb_copy / "rules" / "pro_rata.yaml").read_text()
    assert after.startswith(before)
    ids = [r["id"] for r in yaml.safe_load(after)["rules"]]
    assert ids[-1] == "zz-pro-rata-note" and len(ids) == len(yaml.safe_load(before)["rules"]) + 1
    assert "zz-pro-rata-note" in (kb_copy / "tests" / "pro_rata.yaml").read_text()
    assert not [p for p in check_knowledge(kb_copy) if p.severity == "error"]


def test_new_rule_refuses_an_existing_id(kb_copy, cli):
    before = (kb_copy / "rules" / "eligibility.yaml").read_text()
    result = cli("--knowledge", kb_copy, "new", "rule", "backdoor-roth-needed", "--topic", "eligibility")
    assert result.code == 2
    assert result.err.startswith(f"rothkb new rule: a rule 'backdoor-roth-needed' already exists ({kb_copy}/rules/")
    assert result.err.strip().endswith("; choose another id")
    assert (kb_copy / "rules" / "eligibility.yaml").read_text() == before


def test_new_rule_refuses_a_non_kebab_id(kb_copy, cli):
    result = cli("--knowledge", kb_copy, "new", "rule", "My_New Rule")
    assert result.code == 2
    assert result.err.strip() == (
        "rothkb new rule: 'My_New Rule' is not a valid rule id: use lowercase words and "
        "digits joined by '-', such as 'my-new-rule'"
    )
    assert not (kb_copy / "rules" / "new.yaml").exists()


def test_show_rule_prints_plain_english(cli):
    result = cli("show", "rule", "backdoor-roth-needed", "--year", "2025")
    assert result.code == 0
    assert result.out.startswith("# Your income is too high for a direct Roth IRA contribution; use the backdoor\n")
    assert (
        "- your MAGI is at least the modified AGI at or above which no direct Roth IRA contribution is allowed "
        "(2025: $165,000 for single, $246,000 for joint"
    ) in result.out
    assert "[^notice-2024-80]" in result.out
    assert "**Sources:**\n- [^irc-408a-c-3] 26 U.S.C. 408A(c)(3)" in result.out
    assert "magi >=" not in result.out  # no YAML


def test_show_rule_unknown_id_suggests(cli):
    result = cli("show", "rule", "backdoor-roth-neded")
    assert result.code == 2
    assert result.err.strip() == "rothkb show rule: no rule 'backdoor-roth-neded' (did you mean 'backdoor-roth-needed'?)"
    assert cli("show", "rule", "backdoor-roth-needed", "--year", "1999").code == 2


def test_show_functions_lists_every_function(cli):
    result = cli("show", "functions")
    assert result.code == 0
    assert "  round_up(x, step): up to the next multiple of step" in result.out


def test_every_bundled_condition_renders_as_words():
    k = load_knowledge().knowledge
    for rule in k.rules:
        lines = describe_condition(rule.when, k, 2025)
        assert lines and all(line.lstrip().startswith("- ") for line in lines)
        text = describe_rule(rule, k, 2025)
        for op in (" >= ", " <= ", " == ", " != "):
            assert op not in "\n".join(lines), (rule.id, lines)
        assert rule.title in text


def test_leaf_sentences():
    k = load_knowledge().knowledge
    rule = k.rule("no-pretax-ira-by-dec31")
    words = [describe_leaf(leaf, k, 2025) for leaf in rule.when.items]
    assert "your pre-tax IRA money on December 31 is above $0" in words
    chained = k.rule("roll-pretax-ira-into-401k").when.items[0]
    assert describe_leaf(chained, k).endswith("(pro-rata rule): yes (concluded by no-pretax-ira-by-dec31)")
