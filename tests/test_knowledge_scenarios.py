"""Every author scenario test in knowledge/tests runs as a pytest test (and through `rothkb test`)."""

from __future__ import annotations

import pytest

from engine import load_knowledge
from engine.validate.scenarios import load_scenarios
from explain.apps.scenarios import run_scenario
from tests.conftest import KNOWLEDGE

SCENARIOS = load_scenarios([KNOWLEDGE / "tests"])


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[f"{s.path.split('/')[-1]}:{s.name}" for s in SCENARIOS])
def test_scenario(scenario):
    result = run_scenario(load_knowledge(), scenario)
    assert result.passed, result.report()


def test_rothkb_test_command_reports_each_test(cli):
    result = cli("test")
    assert result.code == 0, result.out
    assert result.out.strip().endswith(f"{len(SCENARIOS)} passed, 0 failed")


def test_a_failing_scenario_names_file_test_and_difference(tmp_path, cli):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "tests:\n  - name: wrong figure\n    facts: {tax_year: 2025, traditional_ira_balance: 1, "
        "rollover_ira_balance: 0, sep_ira_balance: 0, simple_ira_balance: 0}\n"
        "    figures: {pretax_ira_total: 2}\n    fires: [backdoor-roth-needed]\n"
    )
    result = cli("test", bad)
    assert result.code == 1
    assert "bad.yaml:2: test 'wrong figure': FAIL" in result.out
    assert "figures.pretax_ira_total: expected 2, got 1" in result.out
    assert "expected 'backdoor-roth-needed' to fire, but it was undetermined" in result.out
    assert result.out.strip().endswith("0 passed, 1 failed")
