"""Issue 11 (CONTRACT §7.1): partial facts are decided by bounds where they can be, and every
assumption is stated. Property tests over the whole vocabulary (strategies from test_fuzz):

1. soundness: what a subset of a complete situation decides without assumptions, the complete
   situation decides the same way;
2. when the complete situation agrees with every assumption the subset made, everything the
   subset decided agrees;
3. answering an assumed fact with its assumed value changes nothing but the assumptions;
4. durable_rules and the evaluator agree on partial facts (``run`` raises when they do not).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from engine import load_knowledge
from explain.views.render import to_json_dict
from tests.test_fuzz import FACTS, valid_value

KB = load_knowledge()
PROPS = settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.generate],  # no shrinking: a failing case is printed as generated
)
NAMES = sorted(set(FACTS) - {"tax_year"})


def _coherent(doc: dict[str, Any]) -> dict[str, Any]:
    """A situation a person could have: the age agrees with the birth date, and the part of the
    contribution made next year is part of the contribution."""
    doc = dict(doc)
    if "planned_withdrawal_date" in doc and "planned_withdrawal_year" in doc:  # the date falls in that year
        day = dt.date.fromisoformat(doc["planned_withdrawal_date"])
        doc["planned_withdrawal_date"] = day.replace(year=doc["planned_withdrawal_year"], day=min(day.day, 28)).isoformat()
    if "birth_date" in doc and "age" in doc:
        doc["age"] = doc["tax_year"] - dt.date.fromisoformat(doc["birth_date"]).year
    if "contribution_made_next_year" in doc and "nondeductible_contribution" in doc:
        late, total = (
            KB.parse_facts({"tax_year": doc["tax_year"], "magi": doc[k]})["magi"]
            for k in ("contribution_made_next_year", "nondeductible_contribution")
        )
        if late > total:
            doc["contribution_made_next_year"] = doc["nondeductible_contribution"]
    return doc


COMPLETE = st.fixed_dictionaries({"tax_year": valid_value("tax_year"), **{n: valid_value(n) for n in NAMES}}).map(_coherent)


@st.composite
def complete_and_subset(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    full = draw(COMPLETE)
    kept = draw(st.sets(st.sampled_from(NAMES)))
    return full, {k: v for k, v in full.items() if k == "tax_year" or k in kept}


def _outcomes(exp: Any) -> dict[str, tuple[str, list[str]]]:
    """rule -> (fired | not fired, assumed facts), for the decided rules."""
    out = {s.rule: ("fired", s.assumed) for s in exp.steps}
    out.update({n.rule: ("not fired", n.assumed) for n in exp.not_fired})
    return out


def _values(exp: Any) -> dict[str, tuple[Any, list[str]]]:
    out = {f.name: (f.value, f.assumed) for f in exp.figures}
    out.update({f"form8606.{f.name}": (f.value, f.assumed) for f in exp.form8606})
    return out


@PROPS
@given(complete_and_subset())
def test_what_the_given_facts_decide_alone_never_changes_with_more_facts(case):
    full, part = case
    whole, some = KB.explain(full), KB.explain(part)
    decided, values = _outcomes(whole), _values(whole)
    for rule, (state, assumed) in _outcomes(some).items():
        if not assumed:
            assert decided.get(rule, ("undetermined",))[0] == state, (rule, part)
    for name, (value, assumed) in _values(some).items():
        if not assumed:
            assert name in values and values[name][0] == value, (name, value, part)


@PROPS
@given(complete_and_subset())
def test_everything_agrees_when_the_assumptions_are_right(case):
    full, part = case
    some = KB.explain(part)
    agreeing = _coherent({**full, **{a.fact: a.assumed for a in some.assumptions}})
    if any(agreeing[a.fact] != a.assumed for a in some.assumptions):
        return  # coherence had to change an assumed answer: not a situation that agrees
    whole = KB.explain(agreeing)
    decided, values = _outcomes(whole), _values(whole)
    for rule, (state, _) in _outcomes(some).items():
        assert decided.get(rule, ("undetermined",))[0] == state, (rule, part)
    for name, (value, _) in _values(some).items():
        assert name in values and values[name][0] == value, (name, value, part)


def _without_assumptions(exp: Any) -> dict[str, Any]:
    out = to_json_dict(exp)
    return {
        "fired": out["fired"],
        "figures": out["figures"],
        "form8606": out["form8606"],
        "not_fired": [(n["rule"], n["failed"]) for n in out["not_fired"]],
        "undetermined": out["undetermined"],
        "because": [(s["rule"], s["because"]) for s in out["trace"]],
    }


@PROPS
@given(complete_and_subset(), st.integers(0, 50))
def test_answering_an_assumption_with_its_assumed_value_changes_only_the_assumptions(case, pick):
    _, part = case
    some = KB.explain(part)
    if not some.assumptions:
        return
    chosen = some.assumptions[pick % len(some.assumptions)]
    answered = KB.explain({**part, chosen.fact: chosen.assumed})
    assert chosen.fact not in {a.fact for a in answered.assumptions}
    assert json.dumps(_without_assumptions(answered), default=str) == json.dumps(_without_assumptions(some), default=str)


@PROPS
@given(complete_and_subset())
def test_durable_rules_and_the_evaluator_agree_on_partial_facts(case):
    _, part = case
    exp = KB.explain(part)  # raises EngineFailure on any disagreement (both passes)
    assert [s.rule for s in exp.steps] == exp.fired
    out = to_json_dict(exp)
    assert all("assumed" in s for s in out["trace"]) and all("assumed" in n for n in out["not_fired"])
    stated = {a.fact for a in exp.assumptions}
    for facts in [*out["figure_assumptions"].values(), *(s["assumed"] for s in out["trace"])]:
        assert set(facts) <= stated
    assert not stated & set(part)  # a given fact is never assumed


def test_one_positive_pretax_balance_with_a_conversion_always_fires_the_pro_rata_warning():
    for balance in ("traditional_ira_balance", "rollover_ira_balance", "sep_ira_balance", "simple_ira_balance"):
        for plan in ({"conversion_amount": 7000, "nondeductible_contribution": 7000}, {"plans_backdoor_roth": True}):
            exp = KB.explain({"tax_year": 2025, balance: 30000, **plan})
            step = next(s for s in exp.steps if s.rule == "no-pretax-ira-by-dec31")
            assert step.assumed == []  # settled by the facts alone: balances are never negative
            if "conversion_amount" in plan:
                taxable = next(f for f in exp.figures if f.name == "taxable_conversion")
                assert taxable.value == 5677 and "ira_basis_prior" in taxable.assumed
                assert "assuming you have no" in step.advice
