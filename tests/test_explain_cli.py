"""`rothkb explain` through the CLI: golden Markdown, JSON contract, HTML, determinism."""

from __future__ import annotations

import json
import re
from pathlib import Path

import markdown
import yaml

from tests.conftest import EXAMPLE, run_process

GOLDEN = Path(__file__).parent / "golden" / "backdoor-with-old-ira.md"


def test_markdown_matches_golden(cli):
    result = cli("explain", EXAMPLE)
    assert result.code == 0, result.err
    assert result.out == GOLDEN.read_text(encoding="utf-8")


def test_markdown_shows_plan_numbers_citations_and_form_table(cli):
    out = cli("explain", EXAMPLE, "--detail", "full").out
    assert "## What to do" in out and "## Figures" in out and "### Form 8606" in out
    assert "| 10 | 0.060 |" in out and "| 18 | $5,640 |" in out
    assert "your MAGI ($210,000) is at least $165,000" in out
    for source in ("[^irc-408-d-2]:", "[^form-8606-instructions]:", "[^pub-590-a]:", "[^irc-408-d-9]:", "[^pub-969]:"):
        assert source in out
    # Sections come in the contract's order.
    first_footnote = re.search(r"^\[\^[a-z0-9-]+\]: ", out, re.M).start()
    order = [
        out.index(h)
        for h in (
            "## What to do",
            "## Good to know",
            "## Figures",
            "## Questions that could change this",
            "## In full: why each item applies",
            "## What we could not decide",
            "## Every question, most useful first",
            "## Full trace",
        )
    ] + [first_footnote]
    assert order == sorted(order)


def test_markdown_renders_with_footnotes_and_tables(cli):
    html = markdown.markdown(cli("explain", EXAMPLE).out, extensions=["footnotes", "tables"])
    assert "<table>" in html and 'class="footnote"' in html
    assert "[^" not in html  # every footnote reference resolved


def test_json_follows_contract(cli):
    data = json.loads(cli("explain", EXAMPLE, "--format", "json").out)
    assert data["schema"] == "rothkb.explanation/1"
    assert data["tax_year"] == 2025
    assert len(data["knowledge_version"]) == 64
    assert data["fired"][0] == "backdoor-roth-needed"
    assert {
        "no-pretax-ira-by-dec31",
        "roll-pretax-ira-into-401k",
        "make-nondeductible-contribution",
        "convert-to-roth",
        "file-form-8606",
        "ira-to-hsa-once-per-lifetime",
    } <= set(data["fired"])
    assert data["figures"]["pretax_ira_total"] == 94000
    assert data["figures"]["taxable_conversion"] == 5640
    assert data["form8606"]["line_10"] == 0.06 and data["form8606"]["line_18"] == 5640
    step = next(s for s in data["trace"] if s["rule"] == "no-pretax-ira-by-dec31")
    assert {"fact": "pretax_ira_total", "value": 94000, "test": "> 0"} in step["because"]
    assert step["concluded"] == {"pro_rata_applies": True}
    assert step["sources"][:2] == ["irc-408-d-2", "form-8606-instructions"]
    not_fired = {n["rule"]: n for n in data["not_fired"]}
    assert not_fired["convert-pretax-ira-instead"]["failed"] == [
        {"fact": "current_plan_accepts_roll_ins", "value": True, "test": "== false"}
    ]
    assert {"rule": "late-year-ira-balance", "missing": ["plans_rollover_401k_to_ira"]} in data["undetermined"]
    asked = {q["fact"]: q for q in data["questions"]}
    assert asked["plans_rollover_401k_to_ira"]["question"].startswith("Do you plan to roll")
    assert not set(asked) & set(yaml.safe_load(EXAMPLE.read_text()))  # never ask what was given
    for sid in step["sources"]:
        assert data["sources"][sid]["url"].startswith("https://")
    assert data["sources"]["irc-408-d-2"]["kind"] == "statute"


def test_html_is_a_page_with_footnotes(cli, tmp_path):
    out = tmp_path / "x.html"
    result = cli("explain", EXAMPLE, "--format", "html", "--out", out)
    assert result.code == 0 and result.out == ""
    html = out.read_text()
    assert html.startswith("<!DOCTYPE html>") and '<table class="figures">' in html and '<ol class="footnotes">' in html
    # Every footnote link points at a source listed on the page; the full view is folded.
    assert set(re.findall(r'href="#(cite-[a-z0-9-]+)"', html)) <= set(re.findall(r'id="(cite-[a-z0-9-]+)"', html))
    assert '<details class="full-detail">' in html and "<code>no-pretax-ira-by-dec31</code>" in html


def test_year_override_changes_the_thresholds(cli):
    data = json.loads(cli("explain", EXAMPLE, "--format", "json", "--year", "2026").out)
    assert data["tax_year"] == 2026
    step = next(s for s in data["trace"] if s["rule"] == "backdoor-roth-needed")
    assert step["because"][0]["test"] == ">= 168000"


def test_stdin_and_json_input(cli):
    facts = json.dumps({"tax_year": 2025, "filing_status": "single", "magi": 300000, "compensation": 0})
    result = cli("explain", "-", "--format", "json", stdin=facts)
    assert result.code == 0, result.err
    assert json.loads(result.out)["fired"] == ["compensation-required"]


def test_same_input_gives_identical_bytes_across_processes_and_hash_seeds():
    runs = [
        run_process("explain", str(EXAMPLE), "--format", fmt, env={"PYTHONHASHSEED": seed}).stdout
        for fmt in ("json", "md")
        for seed in ("1", "2")
    ]
    assert runs[0] == runs[1] and runs[2] == runs[3]
    assert runs[0] and runs[2]


def test_module_entry_point_and_no_traceback_without_debug():
    proc = run_process("explain", "does-not-exist.yaml")
    assert proc.returncode == 2
    assert proc.stderr.decode().strip() == "does-not-exist.yaml: cannot read file: No such file or directory"
