"""Score ``rothkb ask`` on the paraphrase set in ``tests/ask_questions.yaml``, through the CLI.

Run it as a script for the report (tuned and held-out parts separately)::

    .venv/bin/python tests/ask_score.py [-v]

``tests/test_ask.py`` uses :func:`score` with its in-process CLI runner.
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SET = yaml.safe_load((Path(__file__).parent / "ask_questions.yaml").read_text())


@dataclass
class Outcome:
    q: str
    held_out: bool
    in_scope: bool
    problems: list[str] = field(default_factory=list)
    numeric: bool = False

    @property
    def right(self) -> bool:
        return not self.problems

    @property
    def found(self) -> bool:
        """Retrieval alone: covered with the right entry in the top 3 (or refused when off-topic)."""
        return not any(p.startswith(("not covered", "expected ", "answered ")) for p in self.problems)


def items() -> list[dict[str, Any]]:
    """Every question of the set, off-topic ones with ``faq: None``."""
    out = [dict(item) for item in SET["questions"]]
    for item in SET["out_of_scope"]:
        out.append({"q": item, "faq": None} if isinstance(item, str) else {**item, "faq": None})
    return out


def judge(item: dict[str, Any], doc: dict[str, Any]) -> Outcome:
    """Compare one JSON answer with what the set expects."""
    expected = item["faq"]
    outcome = Outcome(item["q"], bool(item.get("held_out")), expected is not None, numeric=bool(item.get("computed")))
    if expected is None:
        if doc["covered"]:
            outcome.problems.append(f"answered an off-topic question with {doc['matches'][0]['faq']}")
        return outcome
    wanted = expected if isinstance(expected, list) else [expected]
    top = [m["faq"] for m in doc["matches"][:3]]
    if not doc["covered"]:
        outcome.problems.append(f"not covered (top: {top[:1]})")
    elif not set(wanted) & set(top):
        outcome.problems.append(f"expected {wanted[0]} in the top 3, got {top}")
    read = doc.get("facts_read", {})
    for fact, value in (item.get("read") or {}).items():
        if read.get(fact) != value:
            outcome.problems.append(f"read {fact}={read.get(fact)!r}, expected {value!r}")
    computed = doc.get("computed", {})
    for figure, value in (item.get("computed") or {}).items():
        if computed.get(figure) != value:
            outcome.problems.append(f"computed {figure}={computed.get(figure)!r}, expected {value!r}")
    for text in item.get("shows") or ():
        if text not in doc["answer_markdown"]:
            outcome.problems.append(f"answer does not show {text!r}")
    return outcome


def score(run: Callable[[str], dict[str, Any]]) -> list[Outcome]:
    """Judge every question; ``run(question)`` returns the parsed ``rothkb ask --format json``."""
    return [judge(item, run(item["q"])) for item in items()]


def summary(outcomes: list[Outcome]) -> str:
    """One line per part: tuned, held out, all."""
    lines = []
    for name, part in (
        ("tuned", [o for o in outcomes if not o.held_out]),
        ("held out", [o for o in outcomes if o.held_out]),
        ("all", outcomes),
    ):
        right = sum(o.right for o in part)
        ins = [o for o in part if o.in_scope]
        off = [o for o in part if not o.in_scope]
        lines.append(
            f"{name:9} {right}/{len(part)} = {right / max(len(part), 1):.1%} right "
            f"(in scope {sum(o.right for o in ins)}/{len(ins)}, off-topic refused "
            f"{sum(o.right for o in off)}/{len(off)}, numeric {sum(o.right for o in part if o.numeric)}/"
            f"{sum(o.numeric for o in part)}; retrieval alone {sum(o.found for o in part)}/{len(part)})"
        )
    return "\n".join(lines)


def _run_cli(question: str) -> dict[str, Any]:
    from explain.cli import main

    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="utf-8")
    with contextlib.redirect_stdout(out):
        code = main(["ask", question, "--format", "json"])
    out.flush()
    assert code == 0, question
    return json.loads(raw.getvalue())


if __name__ == "__main__":
    results = score(_run_cli)
    if "-v" in sys.argv:
        for o in results:
            if not o.right:
                print(("[held out] " if o.held_out else "") + f"{o.q!r}: " + "; ".join(o.problems))
    print(summary(results))
