"""`rothkb test`: every kind of expectation, when it fails, names file, line, test and difference."""

from __future__ import annotations

import pytest

BASE = (
    "{tax_year: 2025, filing_status: single, age: 40, magi: 210000, compensation: 200000, "
    "traditional_ira_balance: 0, rollover_ira_balance: 94000, sep_ira_balance: 0, simple_ira_balance: 0, "
    "nondeductible_contribution: 6000, conversion_amount: 6000}"
)

CASES = [
    (
        "fires_did_not_fire",
        "fires: [roth-contribution-phased-out]",
        "fires: expected 'roth-contribution-phased-out' to fire, but it did not fire (your MAGI ($210,000) is below",
    ),
    (
        "fires_undetermined",
        "fires: [roll-pretax-ira-into-401k]",
        "fires: expected 'roll-pretax-ira-into-401k' to fire, but it was undetermined (unknown: current_plan_accepts_roll_ins)",
    ),
    (
        "fires_unknown_rule",
        "fires: [backdoor-roth-neded]",
        "fires: unknown rule 'backdoor-roth-neded' (did you mean 'backdoor-roth-needed'?)",
    ),
    (
        "does_not_fire",
        "does_not_fire: [backdoor-roth-needed]",
        "does_not_fire: expected 'backdoor-roth-needed' not to fire, but it fired",
    ),
    (
        "undetermined",
        "undetermined: [backdoor-roth-needed]",
        "undetermined: expected 'backdoor-roth-needed' to be undetermined, but it fired",
    ),
    ("figure", "figures: {taxable_conversion: 5000}", "figures.taxable_conversion: expected 5000, got 5640 ($5,640)"),
    (
        "figure_tolerance",
        "figures: {taxable_conversion: 5600}\n    tolerance: 10",
        "figures.taxable_conversion: expected 5600 (± 10), got 5640 ($5,640)",
    ),
    (
        "figure_unknown",
        "figures: {taxable_conversoin: 5640}",
        "figures.taxable_conversoin: there is no such figure (did you mean 'taxable_conversion'?)",
    ),
    ("form8606", "form8606: {line_10: 0.07}", "form8606.line_10: expected 0.07, got 0.06 (0.060)"),
    ("form8606_unknown", "form8606: {line_99: 1}", "form8606.line_99: there is no such line"),
    ("cites", "cites: [irc-4973]", "cites: expected source 'irc-4973' to be cited, but it was not (cited: "),
    ("text", 'text: ["no such sentence"]', "text: expected the explanation to contain 'no such sentence', but it does not"),
    ("questions", "questions: [spouse_compensation]", "questions: expected a question about 'spouse_compensation'; asked: "),
    (
        "absent_figures",
        "absent_figures: [pretax_ira_total]",
        "absent_figures: expected no value for 'pretax_ira_total', got 94000",
    ),
    ("absent_form8606", "absent_form8606: [line_6]", "absent_form8606: expected no line_6, got 94000"),
    ("absent_form8606_unknown", "absent_form8606: [line_66]", "absent_form8606.line_66: there is no such line"),
    (
        "error_not_raised",
        'error: "is not covered"',
        "error: expected the facts to be rejected with 'is not covered', but they were accepted",
    ),
]


@pytest.mark.parametrize("name,expectation,message", CASES, ids=[c[0] for c in CASES])
def test_failure_names_file_test_and_difference(tmp_path, monkeypatch, cli, name, expectation, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.yaml").write_text(f"tests:\n  - name: {name}\n    facts: {BASE}\n    {expectation}\n")
    result = cli("test", "t.yaml")
    assert result.code == 1, result.out
    lines = result.out.splitlines()
    assert lines[0] == f"t.yaml:2: test '{name}': FAIL"
    assert lines[1].startswith("    " + message), result.out
    assert lines[-1] == "0 passed, 1 failed"


def test_rejected_facts_are_a_failure_that_names_the_field(tmp_path, monkeypatch, cli):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.yaml").write_text("tests:\n  - name: typo\n    facts: {tax_year: 2025, magii: 1}\n")
    result = cli("test", "t.yaml")
    assert result.code == 1
    assert "    facts: the facts were rejected: t.yaml:3:29: magii: unknown fact (did you mean 'magi'?)" in result.out


def test_passing_expectations_of_every_kind(tmp_path, monkeypatch, cli):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.yaml").write_text(
        f"tests:\n  - name: all kinds hold\n    facts: {BASE}\n    fires: [no-pretax-ira-by-dec31]\n"
        "    does_not_fire: [roth-contribution-phased-out]\n    undetermined: [roll-pretax-ira-into-401k]\n"
        "    figures: {taxable_conversion: 5641}\n    tolerance: 1\n    form8606: {line_10: 0.06}\n"
        '    cites: [irc-408-d-2]\n    text: "$5,640"\n    questions: [current_plan_accepts_roll_ins]\n'
        "    absent_figures: [excess_contribution]\n"
        "  - name: rejected as expected\n    facts: {tax_year: 2019}\n    error: is not covered\n"
    )
    result = cli("test", "t.yaml")
    assert result.code == 0, result.out
    assert result.out.splitlines() == [
        "t.yaml:2: test 'all kinds hold': ok",
        "t.yaml:14: test 'rejected as expected': ok",
        "2 passed, 0 failed",
    ]


def test_k_selects_tests_by_name(tmp_path, monkeypatch, cli):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.yaml").write_text(
        "tests:\n  - name: alpha\n    facts: {tax_year: 2025}\n  - name: beta\n    facts: {tax_year: 2025}\n"
    )
    result = cli("test", "t.yaml", "-k", "bet")
    assert result.out.splitlines() == ["t.yaml:4: test 'beta': ok", "1 passed, 0 failed"]


def test_malformed_test_files_are_reported_all_at_once(tmp_path, monkeypatch, cli):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.yaml").write_text(
        "tests:\n  - name: a\n    facts: {tax_year: 2025}\n    fire: [x]\n    figures: [1]\n  - facts: {}\n"
    )
    result = cli("test", "t.yaml")
    assert result.code == 1
    lines = result.err.splitlines()
    assert (
        "t.yaml:4:5: tests(a).fire: unknown key 'fire'; allowed keys are: name, description, facts, fires, "
        "does_not_fire, undetermined, figures, form8606, absent_figures, cites, text, questions, assumed, tolerance, error, "
        "absent_form8606 (did you mean 'fires'?)" in lines
    )
    assert "t.yaml:5:5: tests(a).figures: expected a mapping of names to numbers" in lines
    assert "t.yaml:6:5: tests[1]: each test needs a name and facts (a mapping)" in lines


def test_missing_test_path_is_a_usage_error(cli):
    result = cli("test", "no/such/file.yaml")
    assert result.code == 2
    assert result.err.strip() == "no such test file or folder: no/such/file.yaml"
