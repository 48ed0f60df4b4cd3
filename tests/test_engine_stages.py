"""Each stage through its public function: YAML loading, expressions, runtime, evaluation."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from engine import InputError, load_knowledge
from engine.compile.formulas import compile_expr
from engine.errors import EngineFailure
from engine.load.yamlio import parse_yaml
from engine.model.expr import ParseError, Unknown, parse
from engine.model.functions import FUNCTIONS
from engine.runtime import ChunkSpec, RulesRuntime, encode_fact


def test_yaml_keeps_lines_and_rejects_duplicates_and_tags():
    doc = parse_yaml("a: 1\nb:\n  - x\n  - y\n", "f.yaml")
    assert doc.marks["b"] == (2, 1) and doc["b"].marks[1] == (4, 5)
    with pytest.raises(InputError, match="duplicate key 'a'"):
        parse_yaml("a: 1\na: 2\n", "f.yaml")
    with pytest.raises(InputError, match="tags that build objects are not allowed"):
        parse_yaml("!!python/object/apply:os.system ['true']", "f.yaml")


def test_yaml_alias_bomb_is_refused():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefg", "bcdefgh", strict=True)
    )
    with pytest.raises(InputError, match="more than 200,000 values"):
        parse_yaml(bomb, "bomb.yaml")


def test_expressions_are_parsed_never_evaluated_as_python():
    with pytest.raises(ParseError, match="did you mean '=='"):
        parse("magi = 5")
    with pytest.raises(ParseError):
        parse("__import__('os').system('true')")  # no attribute access, no strings as code
    fn = compile_expr(parse("if(known(a), a * 2, b)"), FUNCTIONS)
    assert fn({"a": 3}) == 6
    unknown = fn({})
    assert isinstance(unknown, Unknown) and unknown.missing == frozenset({"b"})


def test_three_valued_logic():
    fn = compile_expr(parse("a > 1 or b > 1"), FUNCTIONS)
    assert fn({"a": 2}) is True  # true or unknown = true
    assert isinstance(fn({"a": 0}), Unknown)  # false or unknown = unknown
    assert fn({"a": 0, "b": 0}) is False


def test_division_by_zero_does_not_apply():
    fn = compile_expr(parse("a / b"), FUNCTIONS)
    assert fn({"a": 1, "b": 0}) is None


def test_encode_fact_never_writes_exponent_floats():
    assert encode_fact({"x": Decimal("0.00001"), "y": 1e-05, "z": True}) == '{"x":0.00001,"y":0.00001,"z":true}'


def _runtime() -> RulesRuntime:
    conds = {"m": {"$and": [{"t": "p"}, {"$or": [{"$gt": {"a": 1}}, {"$gt": {"a": 2}}]}]}}
    chain = {"c0": {"$and": [{"t": "c"}, {"n": "flag"}, {"$eq": {"v": True}}]}}
    return RulesRuntime(
        [
            ChunkSpec(
                "t",
                {"either": [conds], "chained": [chain]},
                {"either": (("flag", True),)},
                {"either": 1, "chained": 2},
                frozenset({("flag", True)}),
            )
        ]
    )


def test_runtime_dedupes_or_chains_and_isolates_sessions():
    runtime = _runtime()
    order, concluded = runtime.run({"a": 5})  # both $or branches true: fires once
    assert order == ["either", "chained"]
    assert concluded == [("either", "flag", True)]
    for _ in range(1500):  # more than the engine's 1024 live sessions: each one is deleted
        assert runtime.run({"a": 0}) == ([], [])  # nothing matched: no rule fired, no crash
    assert runtime.run({"a": 5})[0] == ["either", "chained"]  # no state left from earlier runs


def test_runtime_gives_each_chunk_only_the_fields_it_reads_and_refuses_unfit_values_first():
    def chunk(name: str, field: str) -> ChunkSpec:
        cond = {"m": {"$and": [{"t": "p"}, {"$gt": {field: 1}}]}}
        return ChunkSpec(name, {f"{name}-rule": [cond]}, {}, {f"{name}-rule": 1}, reads=frozenset({field}))

    runtime = RulesRuntime([chunk("first", "a"), chunk("second", "b")])
    assert runtime.run({"a": 5, "b": 5}) == (["first-rule", "second-rule"], [])
    assert runtime.run({"a": 0, "b": 5}) == (["second-rule"], [])
    # A value the engine cannot take, read only by the second chunk, is refused all the same.
    with pytest.raises(EngineFailure, match=r"^b: the rules engine cannot take inf"):
        runtime.run({"a": 5, "b": float("inf")})
    assert runtime.run({"a": 5, "b": 0}) == (["first-rule"], [])  # and nothing was left behind


def test_runtime_is_safe_under_threads():
    runtime = _runtime()
    results: list[list[str]] = []

    def work(value: int) -> None:
        for _ in range(50):
            results.append(runtime.run({"a": value})[0])

    threads = [threading.Thread(target=work, args=(v,)) for v in (0, 5, 0, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(map(tuple, results)) == sorted([()] * 100 + [("either", "chained")] * 100)


def test_api_explain_concurrently_matches_sequential():
    kb = load_knowledge()
    situations = [
        {"tax_year": 2025, "filing_status": "single", "magi": m, "compensation": 100000} for m in range(140000, 170000, 1000)
    ]
    expected = [kb.explain(s).fired for s in situations]
    got: dict[int, list[str]] = {}

    def work(i: int) -> None:
        got[i] = kb.explain(situations[i]).fired

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(situations))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [got[i] for i in range(len(situations))] == expected


def test_unknown_is_not_false():
    exp = load_knowledge().explain({"tax_year": 2025, "filing_status": "single"})
    assert exp.fired == []
    undetermined = {u.rule: u.missing for u in exp.undetermined}
    assert undetermined["backdoor-roth-needed"] == ["compensation", "magi"]
    assert "magi" in [q.fact for q in exp.questions[:3]]


def test_a_parameter_picked_by_an_unknown_fact_is_unknown_not_inapplicable():
    exp = load_knowledge().explain({"tax_year": 2025, "age": 40, "hsa_contributions": 1000})
    assert "hsa_funding_distribution_max" not in {f.name for f in exp.figures}
    assert "hsa_coverage" in {q.fact for q in exp.questions}


def test_an_explanation_leaves_no_reference_cycle():
    # batch and serve make first-generation collections rare (explain.io.settle_for_many_runs):
    # that is only free if an explanation, once dropped, is freed by reference counting alone.
    import gc

    from explain.views.render import render_html, render_json, render_markdown

    kb = load_knowledge()
    facts = [
        {"tax_year": 2025, "filing_status": "single", "magi": 250_000, "traditional_ira_balance": 40_000},
        {"tax_year": 2026, "filing_status": "married_filing_jointly", "magi": 90_000},
        {"tax_year": 2024, "filing_status": "single", "magi": 180_000, "conversion_amount": 7000},
    ]
    for f in facts:  # warm: memo tables and caches filled once are not garbage
        render_json(kb.explain(f))
    gc.collect()
    gc.disable()
    try:
        for f in facts:
            explanation = kb.explain(f)
            render_json(explanation)
            render_markdown(explanation, kb.descriptions(), kb.questions())
            render_html(explanation, kb.descriptions(), questions=kb.questions())
            del explanation
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_an_explanation_does_not_depend_on_what_was_explained_before():
    # Operations remember their last operands by identity, and derived unknowns that say the
    # same are one shared object (engine.model.bounds.canonical): order and threads must not show.
    from explain.views.render import render_json

    kb = load_knowledge()
    base = {"tax_year": 2025, "filing_status": "single", "magi": 250_000, "nondeductible_contribution": 7000}
    situations = [
        dict(base, conversion_amount=7000, traditional_ira_balance=30_000),
        dict(base, conversion_amount=7000, sep_ira_balance=30_000),
        dict(base, conversion_amount="7000.50", rollover_ira_balance="1234.5"),
        dict(base, conversion_amount="7000.5", rollover_ira_balance="1234.50"),
        dict(base, tax_year=2024, conversion_amount=7000),
        dict(base, filing_status="married_filing_separately", conversion_amount=7000),
        {"tax_year": 2026, "filing_status": "married_filing_jointly", "magi": 90_000, "age": 62},
        {"tax_year": 2025, "age": 40, "hsa_contributions": 1000},
        {"tax_year": 2025, "filing_status": "single", "magi": 180_000, "planned_withdrawal_amount": 5000, "age": 45},
        dict(base, traditional_ira_balance=0, rollover_ira_balance=0, sep_ira_balance=0, simple_ira_balance=0),
    ]
    expected = [render_json(kb.explain(s)) for s in situations]
    assert [render_json(kb.explain(s)) for s in reversed(situations)] == expected[::-1]
    got: dict[int, str] = {}

    def work(i: int) -> None:
        got[i] = render_json(kb.explain(situations[i % len(situations)]))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4 * len(situations))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [got[i] for i in range(len(threads))] == expected * 4


def test_interned_tables_share_one_value_per_key_and_stay_bounded():
    from engine.model.interned import Interned

    made: list[int] = []
    table: Interned[int, list[int]] = Interned(lambda key: made.append(key) or [key], 3)
    first = table[1]
    assert table[1] is first and made == [1]  # made once, then shared
    for key in (2, 3, 4):  # the fourth key passes the bound: the table starts afresh
        table[key]
    assert len(table) == 1 and list(table) == [4] and made == [1, 2, 3, 4]
    assert table[1] == [1] and table[1] is not first  # made again, saying the same
