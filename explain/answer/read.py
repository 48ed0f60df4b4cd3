"""The question reader of ``rothkb ask``: the facts a free-text question states.

A small grammar of regular expressions over a normalised question. It reads amounts ("$93k",
"300k", "1.2 million", "$240,000") and what each one is from the words next to it (MAGI, pay, an
IRA balance, a contribution, a conversion, a withdrawal, deferrals, an employer match given as a
percentage of pay), ages, the tax year, filing status, HSA coverage and plan features. It never
guesses a fact the question does not state; everything it read is listed in :attr:`Reading.said`
so the person can correct it, and the values still go through the engine's fact validation
(:meth:`engine.KnowledgeBase.parse_facts`) before they are used.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from engine import KnowledgeBase
from engine.errors import InputError
from engine.trace.formatting import format_value
from explain.answer.amounts import Amount, find_amounts, normalise
from explain.answer.cues import LABELS, MONTHS, PRETAX_BALANCES, SPOUSE, classify, money_phrase
from explain.answer.statements import Builder, planning_year, read_age, read_flags, read_history, read_status, read_year

__all__ = ["Reading", "read_question", "planning_year", "find_amounts", "normalise"]


@dataclass
class Reading:
    """What :func:`read_question` found."""

    #: Validated facts, ready for :meth:`engine.KnowledgeBase.explain`.
    facts: dict[str, Any] = field(default_factory=dict)
    #: Plain phrases for the "I read: ..." line, in the order of the question.
    said: list[tuple[str, str]] = field(default_factory=list)
    #: True when the question gave no year and the planning year was used.
    year_assumed: bool = True
    #: Facts read but refused by validation, with the reason.
    refused: dict[str, str] = field(default_factory=dict)
    #: The question with the amounts, years and ages taken out (for the ranking).
    rest: str = ""

    def phrases(self) -> list[str]:
        """The "I read" phrases of the facts that were kept."""
        return [text for fact, text in self.said if text and (fact in self.facts or fact == "")]


def read_question(kb: KnowledgeBase, question: str, today: dt.date | None = None) -> Reading:
    """Read the facts a question states and validate them with the engine.

    Examples:
        >>> from engine import load_knowledge
        >>> r = read_question(load_knowledge(), "Our MAGI is $240k filing jointly in 2025")
        >>> r.facts, r.year_assumed
        ({'tax_year': 2025, 'filing_status': 'married_filing_jointly', 'magi': 240000}, False)
        >>> r.phrases()
        ['married filing jointly', 'MAGI $240,000', '2025']

    """
    text = normalise(question)
    b = Builder()
    year_text = re.sub(r"\$\s?\d[\d,]*(?:\.\d+)?\s?(?:k|m)?\b", " ", text)
    year_assumed = read_year(year_text, kb, today, b)
    read_status(text, b)
    aged = read_age(text, b)
    read_history(text, b)
    _read_amounts(aged, b)
    _read_match(text, b)
    read_flags(text, b)
    _read_consequences(text, b, kb)
    rest = _rest(text)
    if isinstance(b.raw.get("compensation"), Decimal):
        # The words that only label an amount of pay are not what the question is about.
        rest = re.sub(r"\b(?:salary|wages|earn|earns|earning|make|makes|making|paid)\b", " ", rest)
    # The topics of the facts read: an IRA balance next to a conversion is the pro-rata rule.
    held = [f for f in PRETAX_BALANCES if isinstance(b.raw.get(f), Decimal) and b.raw.get(f)]
    if held and "conversion_amount" in b.raw:
        rest += " pro-rata " + " ".join(LABELS[f] for f in held).lower()
    reading = Reading(year_assumed=year_assumed, rest=" ".join(rest.split()))
    reading.facts, reading.refused = _validate(kb, b.raw)
    if "tax_year" not in reading.facts:  # a year outside the knowledge: fall back to the planning year
        plan = planning_year(kb, today)
        b.set("tax_year", plan, f"{plan} (the year you gave is not covered, so the current planning year)", overwrite=True)
        reading.facts, more = _validate(kb, b.raw | {"tax_year": planning_year(kb, today)})
        reading.refused.update(more)
        reading.year_assumed = True
    reading.said = _ordered(b.said)
    return reading


def _ordered(said: list[tuple[str, str]]) -> list[tuple[str, str]]:
    first = [s for s in said if s[0] == "filing_status"] + [s for s in said if s[0] == "age"]
    year = [s for s in said if s[0] == "tax_year"]
    rest = [s for s in said if s[0] not in ("filing_status", "age", "tax_year")]
    return first + rest + year


def _read_amounts(text: str, b: Builder) -> None:
    amounts = find_amounts(text)
    for i, amount in enumerate(amounts):
        prev_end = amounts[i - 1].end if i else 0
        next_start = amounts[i + 1].start if i + 1 < len(amounts) else len(text)
        fact = classify(text, amount, prev_end, next_start)
        if re.search(
            r"\b(?:salary|pay|wages|compensation|earnings|income) and (?:my )?(?:magi|agi) (?:are|were|"
            r"is)?\s*(?:both)?\s*(?:at|of)?\s*$",
            text[prev_end : amount.start],
        ):
            b.set("compensation", amount.value, money_phrase("compensation", amount.value))
            fact = "magi"
        if fact == "spouse_pretax_ira_balance" and not re.search(rf"\b{SPOUSE}\b|\bmarried\b|\bmfj\b", text):
            fact = None
        if fact == "roth_regular_contributions" and not re.search(r"\broth\b", text):
            fact = None
        if fact is None:
            continue
        if (
            fact == "conversion_amount"
            and re.search(r"\b(?:roll|move|moving)\b\s*(?:my|the|all|entire|whole)?\s*$", text[prev_end : amount.start])
            and not re.search(r"\bconver|\broth\b", text)
        ):
            continue  # "move $50k" without a conversion in sight is a rollover, not read
        if fact == "conversion_amount" and _past_conversion(text, amount, b):
            continue
        whole = re.search(r"\b(?:entire|whole|all of my|all my)\s*$", text[prev_end : amount.start])
        if whole and re.match(r"\s*(?:traditional|pre-?tax) ira\b", text[amount.end :]) and re.search(r"\bconver", text):
            b.set("conversion_amount", amount.value, money_phrase("conversion_amount", amount.value))
            b.set("traditional_ira_balance", 0, "traditional IRA $0 on December 31 (all of it converted)")
            continue
        b.set(fact, amount.value, money_phrase(fact, amount.value))
        month = re.match(rf"^[^.;?!]{{0,20}}?\bin ({'|'.join(MONTHS)})\b", text[amount.end :])
        if fact == "conversion_amount" and month:
            b.set("conversion_month", MONTHS.index(month.group(1)) + 1, f"converted in {month.group(1).title()}")
        if fact == "conversion_amount" and re.search(
            r"\bback-?\s?door", text[max(prev_end, amount.start - 30) : amount.end + 30]
        ):
            b.set(
                "nondeductible_contribution",
                amount.value,
                money_phrase("nondeductible_contribution", amount.value) + " (the backdoor's first step)",
            )


def _past_conversion(text: str, amount: Amount, b: Builder) -> bool:
    """``converted $7,000 (all taxable) in 2024``: an earlier conversion for the 5-year rules."""
    after = text[amount.end : amount.end + 60]
    m = re.search(r"^[^.;?!]*?\bin ((?:19|20)\d\d)\b", after)
    if not m or int(m.group(1)) >= int(b.raw.get("tax_year", 0) or 0):
        return False
    year = int(m.group(1))
    if re.search(r"\ball (?:of it )?(?:taxable|pre-?tax)\b|\bfully taxable\b", text[amount.start - 40 : amount.end + 60]):
        entry = {"year": year, "taxable": amount.value, "nontaxable": 0}
    elif re.search(
        r"\b(?:tax-free|nontaxable|all basis|after-?tax|nondeductible|backdoor)\b", text[amount.start - 40 : amount.end + 60]
    ):
        entry = {"year": year, "taxable": 0, "nontaxable": amount.value}
    else:
        return True  # an earlier conversion whose taxable part is not said: not read
    conversions = list(b.raw.get("conversions", []))
    conversions.append(entry)
    b.raw.pop("conversions", None)
    b.said = [s for s in b.said if s[0] != "conversions"]
    b.set(
        "conversions",
        conversions,
        "earlier conversions: "
        + ", ".join(
            f"{format_value(c['taxable'] + c['nontaxable'], 'money')} in {c['year']} "
            f"({'taxable' if c['taxable'] else 'tax-free'})"
            for c in conversions
        ),
    )
    return True


def _read_match(text: str, b: Builder) -> None:
    m = re.search(
        r"(\d+(?:\.\d+)?)\s?(?:%|percent)\s*(?:employer |company |401k )?match|match(?:es)?(?: of|"
        r" up to)? (\d+(?:\.\d+)?)\s?(?:%|percent)",
        text,
    )
    if m:
        b.raw.setdefault("_match_pct", Decimal(m.group(1) or m.group(2)))


def _read_consequences(text: str, b: Builder, kb: KnowledgeBase) -> None:
    """Facts that follow from what was read: the backdoor's two steps, "no other IRAs", a match in %, "max out"."""
    raw = b.raw
    backdoor = re.search(r"\bback-?\s?door\b", text) and not re.search(r"\bmega\b", text)
    converted_it = re.search(
        r"\b(?:and|then) (?:i )?(?:convert|converted|converting) (?:it|them|that|the money)\b"
        r"|\bconvert(?:ed|ing)? it (?:all|right away|immediately|the next day)",
        text,
    )
    if (backdoor or converted_it) and "nondeductible_contribution" in raw and "conversion_amount" not in raw:
        b.set(
            "conversion_amount",
            raw["nondeductible_contribution"],
            f"converting it to Roth ({format_value(raw['nondeductible_contribution'], 'money')}, the backdoor's second step)",
        )
    if re.search(
        r"\b(?:no other (?:iras?|pre-?tax|accounts?)|nothing else|(?:my|the) only ira|no other traditional|"
        r"no pre-?tax iras?|"
        r"don't have any other iras?|do not have any other iras?|"
        r"only other iras? (?:is|are) (?:an? |my )?(?:inherited|roth)|"
        r"no (?:rollover|traditional|sep|simple)(?:,| or| and) )",
        text,
    ):
        for fact in PRETAX_BALANCES:
            if fact not in raw:
                b.set(fact, 0, "")
        b.said.append(("", "no other pre-tax IRAs (traditional, rollover, SEP, SIMPLE: $0 on December 31)"))
    never = r"\b(?:never (?:converted|did a conversion|made a conversion)|no (?:earlier |prior |past )?conversions)\b"
    if re.search(never, text) and "conversions" not in raw:
        b.set("conversions", [], "no earlier conversions")
    pct = raw.pop("_match_pct", None)
    env = None
    if pct is not None and "compensation" in raw and "employer_contributions" not in raw:
        env = env or _params(kb, raw)
        limit = env.get("compensation_limit")
        pay = Decimal(raw["compensation"])
        base = min(pay, Decimal(limit)) if isinstance(limit, (int, Decimal)) else pay
        value = (base * pct / 100).quantize(Decimal("0.01")).normalize()
        value = Decimal(int(value)) if value == value.to_integral_value() else value
        note = f" (the {raw.get('tax_year')} plan pay limit)" if base != pay else ""
        b.set(
            "employer_contributions",
            value,
            f"employer match {format_value(value, 'money')} ({pct.normalize()}% of {format_value(base, 'money')}{note})",
        )
    if (
        re.search(
            r"\bmax(?:ing|ed)? (?:out )?(?:my |our |the )?(?:401k|403b|457b|deferrals?)\b|\b(?:401k|403b|"
            r"deferrals?)\b[^.;?!]{0,10}\bmaxed\b",
            text,
        )
        and "elective_deferrals" not in raw
    ):
        env = env or _params(kb, raw)
        limit = env.get("elective_deferral_limit")
        if isinstance(limit, (int, Decimal)):
            b.set(
                "elective_deferrals",
                limit,
                f"401(k) deferrals {format_value(limit, 'money')} (maxed out: the {raw.get('tax_year')} limit)",
            )
    if (
        "magi" in raw
        and "compensation" not in raw
        and re.search(
            r"\b(?:that|it|this) (?:was|is) all (?:salary|wages|pay|w2|earned income|from (?:my )?(?:job|salary|wages))\b", text
        )
    ):
        b.set("compensation", raw["magi"], f"pay (compensation) {format_value(raw['magi'], 'money')} (all of your MAGI is pay)")
    if (
        "compensation" in raw
        and "magi" not in raw
        and raw["compensation"]
        and not re.search(r"\b(?:magi|agi|adjusted gross)\b", text)
    ):
        b.set(
            "magi",
            raw["compensation"],
            f"MAGI {format_value(raw['compensation'], 'money')} (taken from your pay; tell me your MAGI if it differs)",
        )


def _params(kb: KnowledgeBase, raw: dict[str, Any]) -> dict[str, Any]:
    try:
        return kb.values(kb.parse_facts({"tax_year": raw.get("tax_year")}))
    except InputError:
        return {}


def _validate(kb: KnowledgeBase, raw: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """Drop what the engine's validation refuses (naming why) and keep the rest."""
    doc = {k: v for k, v in raw.items() if not k.startswith("_")}
    refused: dict[str, str] = {}
    for _ in range(len(doc) + 1):
        try:
            return kb.parse_facts(doc, "<question>"), refused
        except InputError as exc:
            keys = {p.key for p in exc.problems} & set(doc)
            if not keys:
                break
            for p in exc.problems:
                if p.key in doc:
                    refused[p.key] = p.message
                    doc.pop(p.key)
    return {}, refused


def _rest(text: str) -> str:
    """The question without amounts, percentages and years (they are not search terms)."""
    text = re.sub(r"\$\s?\d[\d,]*(?:\.\d+)?\s?(?:k|m|million|thousand)?\b", " ", text)
    text = re.sub(r"\b(?!(?:401k|403b|457b)\b)\d[\d,]*(?:\.\d+)?\s?(?:k|m|million|thousand|grand|%|percent)(?!\w)", " ", text)
    text = re.sub(r"(?<![\w(])(?:19|20)\d\d\b", " ", text)
    return " ".join(text.split())
