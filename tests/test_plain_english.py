"""Every rule, value and figure, rendered in every form, reads as English.

Each author scenario (knowledge/tests) plus the bundled examples and tests/situations is run and
rendered brief and full, as Markdown and HTML. The brief forms may hold no identifier (a rule id,
a fact or value name); no form may hold a ``{placeholder}``, "None", "unknown", a doubled word
or a doubled period. Ids are allowed only in the full view's code spans.
"""

from __future__ import annotations

import html as htmllib
import re
from pathlib import Path

import pytest
import yaml

from engine import load_knowledge
from engine.validate.scenarios import load_scenarios
from explain.views.html import explanation_fragment
from explain.views.labels import figure_label, label
from explain.views.markdown import render_markdown
from tests.conftest import KNOWLEDGE

SITUATIONS = Path(__file__).parent / "situations"
KB = load_knowledge()
RULE_IDS = {r.id for r in KB.knowledge.rules}
NAMES = {n for n in (*KB.knowledge.facts, *KB.knowledge.values, *KB.knowledge.conclusions) if "_" in n}


def _cases() -> list[tuple[str, dict]]:
    cases = [(s.name, s.facts) for s in load_scenarios([KNOWLEDGE / "tests"]) if "error" not in s.expect]
    for path in sorted([*(KNOWLEDGE / "examples").glob("*.yaml"), *SITUATIONS.glob("*.yaml")]):
        cases.append((path.stem, yaml.safe_load(path.read_text(encoding="utf-8"))))
    return cases


CASES = _cases()

_FOOTNOTE = re.compile(r"\[\^[a-z0-9.-]+\](?!:)|<https?://[^>]*>|https?://\S+", re.M)
_CODE = re.compile(r"`[^`]*`")
_TAG = re.compile(r"<[^>]+>")


def _prose(text: str) -> str:
    """The words a person reads: no footnote markers, footnote lines, links or code spans."""
    return _CODE.sub(" ", _FOOTNOTE.sub(" ", text))


def _html_prose(fragment: str, folded: bool) -> str:
    text = fragment
    if not folded:
        text = re.sub(r"<details.*?</details>", " ", text, flags=re.S)
    text = re.sub(r"<code>.*?</code>", " ", text, flags=re.S)
    text = re.sub(r'href="[^"]*"', " ", text)
    return htmllib.unescape(_TAG.sub(" ", _FOOTNOTE.sub(" ", text)))


def _problems(text: str, ids_allowed: bool) -> list[str]:
    found = []
    if not ids_allowed:
        found += [f"identifier {w!r}" for w in re.findall(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b", text)]
        found += [f"rule id {rid!r}" for rid in RULE_IDS if re.search(rf"(?<![\w-]){re.escape(rid)}(?![\w-])", text)]
    found += [f"placeholder {m!r}" for m in re.findall(r"\{[a-z_0-9]+\}", text)]
    found += [f"word {m!r}" for m in re.findall(r"\b(?:None|unknown|Unknown)\b", text)]
    found += [f"doubled word {m.group(0)!r}" for m in re.finditer(r"\b(\w+)[ \t]+\1\b", text, re.I)]
    found += [f"doubled period {m!r}" for m in re.findall(r"\w*(?<!\.)\.\s*\.(?!\.)\w*|(?<!etc)\.,", text)]
    return found


@pytest.mark.parametrize(("name", "facts"), CASES, ids=[c[0][:60] for c in CASES])
def test_every_form_reads_as_english(name, facts):
    exp = KB.explain(facts, name)
    d, q = KB.descriptions(), KB.questions()
    forms = {
        "brief markdown": (_prose(render_markdown(exp, d, q)), False),
        "full markdown": (_prose(render_markdown(exp, d, q, "full")), True),
        "brief html": (_html_prose(explanation_fragment(exp, d, q), folded=False), False),
        "full html": (_html_prose(explanation_fragment(exp, d, q, "full"), folded=True), True),
    }
    bad = {form: _problems(text, ids) for form, (text, ids) in forms.items()}
    assert not any(bad.values()), {form: found for form, found in bad.items() if found}


def test_every_fact_value_and_figure_has_a_label_in_words():
    k = KB.knowledge
    for name in [*k.facts, *k.values, *k.conclusions]:
        assert "_" not in label(name) and "_" not in figure_label(name), name


def test_the_detector_catches_what_it_should():
    assert _problems("your ira_contribution_limit is {magi}; None of it, unknown.. the the end., 2025", False) == [
        "identifier 'ira_contribution_limit'",
        "placeholder '{magi}'",
        "word 'None'",
        "word 'unknown'",
        "doubled word 'the the'",
        "doubled period 'unknown..'",
        "doubled period '.,'",
    ]
    assert _problems("in March 2025 2025", True) == ["doubled word '2025 2025'"]
    assert _problems("see no-pretax-ira-by-dec31 here", False) == ["rule id 'no-pretax-ira-by-dec31'"]
    assert _problems("see no-pretax-ira-by-dec31 here", True) == []


def test_a_threshold_not_computed_yet_reads_as_words():
    # Pay of $0 is below the IRA limit whatever the catch-up (age not given): the rule applies,
    # and the condition names the figure instead of printing "unknown" for it.
    facts = {"tax_year": 2023, "filing_status": "married_filing_jointly", "compensation": 0, "spouse_compensation": 1000}
    text = render_markdown(KB.explain(facts), KB.descriptions(), KB.questions(), "full")
    assert (
        "your compensation ($0) is below the year's IRA limit plus the age-50 catch-up for 2023, "
        "whatever that figure turns out to be" in text
    )
    assert not re.search(r"\bunknown\b", text)
