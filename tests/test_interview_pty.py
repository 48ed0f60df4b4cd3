"""`rothkb interview` in a real pseudo-terminal, with scripted people.

Each person answers by the words of the question (first match wins; blank when nothing matches,
which means "don't know"). The tests assert the planner's order, how many questions are asked,
and when each key result first appears.
"""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field

from tests.conftest import ROOT

_PROMPT = re.compile(r"\] > $")


@dataclass
class Session:
    """What the person saw: the questions in order and, per question number, the lines shown after it."""

    questions: list[str] = field(default_factory=list)
    text: str = ""
    output: str = ""

    def first(self, pattern: str) -> int | None:
        """The number of answers given when ``pattern`` first appeared (None: never)."""
        at = self.text.find(pattern)
        return None if at < 0 else self.text[:at].count("] > ")

    def index(self, words: str) -> int:
        """1-based number of the first question containing ``words``."""
        return next(i for i, q in enumerate(self.questions, 1) if words in q)


def interview(answers: list[tuple[str, str]], *args: str, timeout: float = 30) -> Session:
    """Run the interview in a pty and answer each prompt from ``answers`` (question words -> answer)."""
    leader, follower = pty.openpty()
    out = tempfile.TemporaryFile()  # not a pipe: a long explanation must not block the child
    proc = subprocess.Popen(
        [sys.executable, "-m", "explain.cli", "interview", *args],
        stdin=follower,
        stderr=follower,
        stdout=out,
        cwd=ROOT,
        env=dict(os.environ, COLUMNS="200"),
    )
    os.close(follower)
    session, buffer = Session(), ""
    try:
        while True:
            ready, _, _ = select.select([leader], [], [], timeout)
            assert ready, f"the interview stopped answering; last output:\n{buffer[-2000:]}"
            try:
                chunk = os.read(leader, 65536).decode("utf-8", "replace")
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            buffer += chunk
            if _PROMPT.search(buffer):
                asked = buffer.rsplit("Question ", 1)[-1] if "Question " in buffer else ""
                if asked:
                    session.questions.append(asked.split("\n")[0])
                reply = next((a for words, a in answers if words in (asked or buffer)), "")
                session.text += buffer
                buffer = ""
                os.write(leader, (reply + "\n").encode())
    finally:
        session.text += buffer
        proc.wait(timeout=timeout)
        os.close(leader)
        out.seek(0)
        session.output = out.read().decode()
        out.close()
    return session


CLASSIC = [
    ("What do you want to do", "backdoor"),
    ("Which tax year", ""),
    ("filing status", "single"),
    ("(MAGI)", "$240,000"),
    ("How old", "41"),
    ("taxable compensation (wages", "250k"),
    ("traditional, rollover, SEP or SIMPLE IRA?", "rollover 60k"),
    ("Roth IRA or an IRA you inherited", "no"),
    ("roll a 401(k)", "no"),
    ("Do you take part in a 401(k)", "yes"),
    ("accept rollovers in", "yes"),
    ("deferring into the plan", "12k"),
    ("directly to a Roth IRA", "0"),
    ("without deducting it", "7500"),
    ("convert from traditional", "7500"),
]


def test_classic_backdoor_sees_pro_rata_early_and_is_asked_at_most_15_questions():
    s = interview(CLASSIC)
    assert len(s.questions) <= 15, s.questions
    assert s.first("⚠ Pro-rata") == 7  # goal, year, status, MAGI, age, pay, the IRAs
    assert s.index("filing status") <= 4 and s.index("(MAGI)") <= 4
    assert s.first("⚠ Pro-rata: about $6,700 of a $7,500 conversion would be taxable") <= 8
    assert s.index("Do you take part in a 401(k)") < s.index("accept rollovers in")
    assert "Nothing more to ask" in s.text
    assert "→ Roll your pre-tax IRA money into your workplace plan before December 31" in s.text
    assert "= Taxable part of this year's conversion: $6,667" in s.text
    assert s.output.startswith("# Your retirement-account explanation for 2026")


def test_a_bare_amount_is_followed_by_its_kind_and_a_refused_answer_is_asked_again():
    answers = [("traditional, rollover, SEP or SIMPLE IRA?", "60k"), ("Which kind of account", "rollover"), ("How old", "forty")]
    s = interview(
        [("Not accepted", "41")] + [a for a in CLASSIC if "SIMPLE IRA?" not in a[0] and "How old" not in a[0]] + answers
    )
    assert "Not accepted:" in s.text and "How old" in s.text
    assert s.first("⚠ Pro-rata") <= 10
    assert s.index("Which kind of account holds that 60k?") == s.index("SIMPLE IRA?") + 1


def test_question_mark_says_which_advice_the_answer_can_change():
    s = interview([("What do you want to do", "1"), ("Which tax year", "2025"), ("filing status", "?")], timeout=10)
    assert "Your answer can change this advice:" in s.text


def test_mega_backdoor_asks_the_plan_gate_before_any_feature():
    s = interview(
        [
            ("What do you want to do", "mega"),
            ("filing status", "single"),
            ("Do you take part in a 401(k)", "yes"),
            ("after-tax (not Roth)", "yes"),
            ("convert after-tax money to Roth inside", "yes"),
            ("deferring into the plan", "23500"),
            ("employer contribute", "10000"),
            ("taxable compensation (wages", "300k"),
            ("How old", "40"),
        ]
    )
    gate = s.index("Do you take part in a 401(k)")
    features = [i for i, q in enumerate(s.questions, 1) if re.search(r"\b(your|the) plan\b", q) and i != gate]
    assert features and min(features) > gate
    assert s.first("Your plan supports the mega backdoor") is not None
    assert len(s.questions) <= 20


def test_withdrawal_at_45_is_about_withdrawals_only():
    s = interview(
        [
            ("What do you want to do", "withdraw"),
            ("How old", "45"),
            ("thinking of withdrawing", "10000"),
            ("contributed to Roth IRAs over the years", "20000"),
            ("earlier Roth conversions", "none"),
            ("first contribute to", "2015"),
            ("convert from traditional", "0"),
        ]
    )
    assert s.index("thinking of withdrawing") < s.index("contributed to Roth IRAs over the years")
    assert not any("401(k)" in q or "HSA" in q or "high-deductible" in q for q in s.questions)
    assert s.first("· Your regular Roth contributions come out first, tax- and penalty-free") is not None
    assert "= 10% additional tax on the planned withdrawal: $0" in s.text
    # This year's conversion is part of the withdrawal ordering (408A(d)(3)(F)), so it is asked too.
    assert len(s.questions) <= 11


def test_hsa_transfer_opens_the_hsa_questions_only_after_hdhp_yes():
    s = interview(
        [
            ("What do you want to do", "hsa"),
            ("backdoor Roth IRA for this year", "yes"),
            ("traditional, rollover, SEP or SIMPLE IRA?", "traditional 5000"),
            ("high-deductible health plan (HDHP) now", "yes"),
            ("12 months after", "yes"),
            ("earlier year", "no"),
            ("self-only or family", "self only"),
            ("contributed to your HSA", "1000"),
            ("How old", "40"),
        ]
    )
    assert s.index("high-deductible health plan (HDHP) now") < s.index("12 months after")
    assert s.index("high-deductible health plan (HDHP) now") < s.index("self-only or family")
    assert s.first("→ Move up to the HSA limit from your IRA to your HSA, once in your life") is not None
    assert "= Most that can move from an IRA to your HSA this year: $3,400" in s.text  # 2026 self-only $4,400 - $1,000
    assert not any("401(k)" in q for q in s.questions)
    assert s.index("self-only or family") < s.index("contributed to your HSA")
    assert not any("agree to allocate" in q for q in s.questions)  # a family split only matters for family coverage
    # The months of HSA eligibility (part-year proration, 223(b)(2)) are asked since the review's correction.
    assert len(s.questions) <= 13


def test_dont_know_to_everything_skips_every_gated_follow_up_and_ends():
    s = interview([])
    assert s.questions[0].startswith("1: What do you want to do")
    assert "Nothing more to ask" in s.text
    for follow_up in ("accept rollovers in", "12 months after", "after-tax (not Roth)", "contributed to Roth IRAs in total"):
        assert not any(follow_up in q for q in s.questions), follow_up
    assert 15 <= len(s.questions) <= 30
