"""The facts a question states in words: filing status, ages, history, the year, plan features."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from engine import KnowledgeBase
from explain.answer.cues import MONTHS, NEG, SPOUSE


def planning_year(kb: KnowledgeBase, today: dt.date | None = None) -> int:
    """The latest tax year the knowledge covers that is not after today's year."""
    year = (today or dt.date.today()).year
    years = [y for y in kb.knowledge.years if y <= year]
    return max(years) if years else min(kb.knowledge.years)


class Builder:
    """The facts read so far and the phrase for each (the first reading of a fact wins)."""

    def __init__(self) -> None:
        self.raw: dict[str, Any] = {}
        self.said: list[tuple[str, str]] = []

    def set(self, fact: str, value: Any, phrase: str, overwrite: bool = False) -> None:
        """Record ``fact`` (unless already read, or ``overwrite``) with its "I read" phrase."""
        if fact in self.raw and not overwrite:
            return
        if fact in self.raw:
            self.said = [(f, t) for f, t in self.said if f != fact]
        self.raw[fact] = value
        self.said.append((fact, phrase))


def read_status(text: str, b: Builder) -> None:
    """Filing status and the married-filing-separately living arrangement."""
    if re.search(r"\b(?:married filing separate(?:ly)?|filing separately|file separately|file separate returns|mfs)\b", text):
        b.set("filing_status", "married_filing_separately", "married filing separately")
    elif re.search(
        r"\b(?:married filing joint(?:ly)?|filing jointly|file jointly|filed jointly|joint return|joint filers?|"
        r"mfj)\b",
        text,
    ):
        b.set("filing_status", "married_filing_jointly", "married filing jointly")
    elif re.search(r"\b(?:head of household|hoh)\b", text):
        b.set("filing_status", "head_of_household", "head of household")
    elif re.search(r"\bqualifying (?:surviving spouse|widow(?:er)?)\b", text):
        b.set("filing_status", "qualifying_surviving_spouse", "qualifying surviving spouse")
    elif re.search(
        r"(?<!\ba )(?<!\bone )(?<!\bin )(?<!\bthe )(?<!-)\bsingle\b(?!-)(?! (?:year|deposit|lump|account|ira|"
        r"conversion|payment|check|day|month|time|one|plan|employer|member|premium|coverage|hdhp|tax year|"
        r"roth|contribution|transfer|distribution|401k|rollover|step|form))"
        r"|\bunmarried\b|\bnot married\b",
        text,
    ) and not re.search(
        r"\bsingle[- ](?:only|coverage)|\b(?:self-only|"
        r"single) (?:hdhp|hsa) coverage",
        text,
    ):
        b.set("filing_status", "single", "single")
    if "filing_status" not in b.raw and re.search(rf"\bmarried\b|\bmy {SPOUSE}\b", text):
        b.said.append(("", "married (jointly or separately not said)"))
    if re.search(r"\b(?:we )?lived (?:together|with (?:my |our )?(?:wife|husband|spouse))\b", text):
        b.set("lived_with_spouse", True, "lived with your spouse during the year")
    elif re.search(r"\blived apart (?:all|the whole|for the entire) year\b|\bdid(?: not|n't) live together\b", text):
        b.set("lived_with_spouse", False, "lived apart from your spouse all year")
    if re.search(
        rf"\b(?:my |our )?{SPOUSE}\b(?: \w+){{0,3}} (?:doesn't|does not|don't|do not|isn't|is not) work\b"
        rf"|\bstay[- ]at[- ]home (?:mom|dad|parent|wife|husband|spouse)\b|\bnon-?working (?:spouse|wife|husband)\b"
        rf"|\b{SPOUSE}\b(?: \w+){{0,3}} (?:has|have) no (?:income|earnings|earned income|paycheck|job)\b",
        text,
    ):
        b.set("spouse_compensation", 0, "your spouse has no pay (compensation $0)")
    if re.search(
        r"\b(?:i|i'm|i am) (?:have )?(?:no|not) (?:earned income|job|wages|working)\b|\bi (?:don't|do not) work\b"
        r"|\bi have no (?:earned income|job|wages|compensation)\b|\bno earned income\b|\bunemployed\b",
        text,
    ):
        b.set("compensation", 0, "you have no pay (compensation $0)")


def read_age(text: str, b: Builder) -> str:
    """The person's age; returns ``text`` with the age taken out so it is not read as money."""
    pats = (
        r"\b(?:i'm|i am|im|i’m|age|aged|turning|turned|we're both|we are both|both)\s+(\d{2})\b(?!\s*(?:k|%|,\d|\d|"
        r"years? ago|\.\d| and a half))",
        r"\b(\d{2})\s*(?:years? old|yrs? old|yo|y/o|year-old)\b",
        r"\b(?:single|married|divorced|widowed|self-employed),\s*(\d{2})\b(?!\s*(?:k|%|,\d))",
    )
    if re.search(r"\b(?:over|past|turned|turning|reached|i'm|i am) 59 and a half\b", text):
        b.said.append(("", "59½ or older (your birth date settles the exact 59½ rules)"))
    for pat in pats:
        m = re.search(pat, text)
        if m and 16 <= int(m.group(1)) <= 110:
            b.set("age", int(m.group(1)), f"age {int(m.group(1))}")
            return text[: m.start(1)] + " " * len(m.group(1)) + text[m.end(1) :]
    return text


def read_history(text: str, b: Builder) -> None:
    """Birth dates and years, and the first Roth IRA year (the start of the 5-year clock)."""
    months = "|".join(MONTHS)
    m = re.search(
        rf"\bborn (?:on )?(?:(\d{{4}})-(\d\d)-(\d\d)|({months}) (\d{{1,2}}),? (\d{{4}})"
        rf"|(\d{{1,2}}) ({months}),? (\d{{4}}))\b",
        text,
    )
    if m:
        if m.group(1):
            year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
        elif m.group(4):
            year, month, day = int(m.group(6)), MONTHS.index(m.group(4)) + 1, int(m.group(5))
        else:
            year, month, day = int(m.group(9)), MONTHS.index(m.group(8)) + 1, int(m.group(7))
        try:
            born = dt.date(year, month, day).isoformat()
        except ValueError:
            born = f"{year:04d}-{month:02d}-{day:02d}"  # refused by validation, with the reason
        b.set("birth_date", born, f"born {born}")
    else:
        m = re.search(rf"\bborn (?:in )?(?:(?:{months}) (?:of )?)?((?:19|20)\d\d)\b", text)
        if m and "tax_year" in b.raw:
            age = int(b.raw["tax_year"]) - int(m.group(1))
            b.set("age", age, f"age {age} on December 31 (born in {m.group(1)})")
    m = re.search(
        r"\b(?:opened|started|funded|first contributed to|first converted to|first put money in)"
        r" (?:my |a )?(?:first |very first )?roth(?: ira)?s?\b[^.;?!]{0,20}?\b(?:in|for|back in) ((?:19|20)\d\d)\b"
        r"|\bfirst roth (?:ira )?(?:contribution|conversion) (?:was )?(?:in|for) ((?:19|20)\d\d)\b",
        text,
    )
    if m:
        year = int(m.group(1) or m.group(2))
        b.set(
            "roth_first_contribution_year",
            year,
            f"first Roth IRA year {year} (the 5-year clock starts with the first contribution or conversion)",
        )


def read_year(text: str, kb: KnowledgeBase, today: dt.date | None, b: Builder) -> bool:
    """Set ``tax_year``; return True when it had to be assumed."""
    plan = planning_year(kb, today)
    years = kb.knowledge.years
    past_event = r"(?:converted|conversion|opened|first|since|started|back in|ago|inherited|rolled|retired|born)"
    found = []
    for m in re.finditer(r"(?<![\d$,.])((?:19|20)\d\d)(?!\d|k\b|,\d)", text):
        year = int(m.group(1))
        before = text[max(0, m.start() - 40) : m.start()]
        if re.search(past_event + r"[^.;?!]*$", before) and not re.search(r"\b(?:for|tax year)\s*$", before):
            continue
        found.append(year)
    inside = [y for y in found if y in years]
    if inside:
        b.set("tax_year", inside[0], str(inside[0]))
        return False
    if found:
        b.set("tax_year", found[0], str(found[0]))  # refused by validation with the years covered
        return False
    if (
        re.search(r"\b(?:last year|prior year|previous year)(?:'s)?\b", text)
        and plan - 1 in years
        and not re.search(r"\bthis year\b", text)
    ):
        b.set("tax_year", plan - 1, f'{plan - 1} ("last year")')
        return False
    b.set("tax_year", plan, f"{plan} (no year given, so the current planning year)")
    return True


def _feature(text: str, pattern: str) -> bool | None:
    """True / False / None for a plan feature phrase, with negation a few words before it."""
    m = re.search(pattern, text)
    if not m:
        return None
    before = text[max(0, m.start() - 45) : m.start()]
    before = re.split(r"[.;?!]|\bbut\b", before)[-1]
    return not re.search(rf"\b{NEG}\b|n't\b", before)


def read_flags(text: str, b: Builder) -> None:
    """Yes/no facts stated in words: HSA coverage, plan features, a planned backdoor."""
    allows = r"(?:allows?|accepts?|offers?|has|have|takes?|permits?|lets me (?:make|do))"
    if re.search(rf"\b{allows}\b[^.;?!]{{0,25}}\bafter-?\s?tax\b", text):
        if not re.search(rf"\b{NEG}\b[^.;?!]{{0,25}}\b{allows}\b[^.;?!]{{0,25}}after-?\s?tax", text):
            b.set("plan_allows_after_tax", True, "your plan takes after-tax contributions")
    if re.search(
        r"\b(?:no|not|doesn't|does not|won't|without|lacks)\b[^.;?!]{0,30}\bafter-?\s?tax (?:contribution|option|"
        r"source)",
        text,
    ) or re.search(r"\bonly (?:offers|has|allows|takes) pre-?\s?tax and roth\b", text):
        b.set("plan_allows_after_tax", False, "your plan takes no after-tax contributions", overwrite=True)
    conv = _feature(text, r"\bin-?\s?plan (?:roth )?(?:conversions?|rollovers?|converting)\b")
    if conv is not None and re.search(
        r"\b(?:allows?|offers?|has|have|lets|permits?|supports?|there'?s|there is|"
        r"no)\b[^.;?!]{0,30}in-?\s?plan",
        text,
    ):
        b.set(
            "plan_allows_in_plan_conversion", conv, "your plan " + ("allows" if conv else "has no") + " in-plan Roth conversions"
        )
    wd = _feature(text, r"\bin-?\s?service (?:withdrawals?|distributions?)\b")
    if wd is not None and re.search(r"\b(?:allows?|offers?|has|have|lets|permits?|no)\b[^.;?!]{0,30}in-?\s?service", text):
        b.set("plan_allows_in_service_withdrawal", wd, "your plan " + ("allows" if wd else "has no") + " in-service withdrawals")
    roll_in = re.search(
        r"\b(?:plan|401k|403b|employer)\b[^.;?!]{0,30}\b(?:won't|will not|doesn't|does not|refuses to|can't|"
        r"cannot)"
        r" (?:take|accept|allow)\b[^.;?!]{0,20}\b(?:roll-?ins?|rollovers?|my ira|iras|ira money)\b",
        text,
    )
    if roll_in:
        b.set("current_plan_accepts_roll_ins", False, "your plan does not take IRA roll-ins")
    elif re.search(
        r"\b(?:plan|401k|403b)\b[^.;?!]{0,20}\b(?:accepts?|takes?|allows?) (?:roll-?ins?|rollovers? in|"
        r"ira rollovers?|incoming rollovers?)\b",
        text,
    ):
        b.set("current_plan_accepts_roll_ins", True, "your plan takes IRA roll-ins")
    if re.search(
        r"\bself-?\s?employed\b|\bmy own business\b|\bside (?:business|gig|hustle)\b|\bfreelanc\w*|\b1099 (?:income|"
        r"contractor)\b|\bsole proprietor",
        text,
    ):
        b.set("self_employed", True, "self-employed income")
    if re.search(r"\b(?:i'm|i am|as) (?:an? )?(?:hce|highly compensated)\b", text):
        b.set("is_highly_compensated", True, "a highly compensated employee")
    if re.search(r"\b(?:undo|reverse|recharacteri[sz]e|unwind)\b[^.;?!]{0,40}\bconver", text):
        b.set("wants_to_undo_conversion", True, "you want to undo a conversion")
    if re.search(
        r"\balready (?:used|did|done|made)\b[^.;?!]{0,40}"
        r"\b(?:ira[- ]to[- ]hsa|hsa (?:transfer|rollover|funding))",
        text,
    ):
        b.set("prior_hsa_funding_distribution", True, "you already made an IRA-to-HSA transfer")
    if re.search(
        r"\b(?:leaving|quit(?:ting)?|left|changing) (?:my |the )?(?:job|employer|company)\b|\bchanging jobs\b|"
        r"\bswitch(?:ed|ing) jobs\b",
        text,
    ):
        b.set("leaving_employer", True, "leaving your employer")
    coverage = re.search(
        r"\b(self-?only|individual|single|family)\b[^.;?!]{0,12}\b(?:hdhp|high[- ]deductible|"
        r"hsa)\b[^.;?!]{0,20}\bcoverage\b"
        r"|\b(self-?only|family)\b (?:hdhp |hsa )?coverage\b|\b(?:hdhp|"
        r"high[- ]deductible)[^.;?!]{0,20}\b(self-?only|family)\b",
        text,
    )
    if coverage:
        kind = next(g for g in coverage.groups() if g)
        value = "family" if kind == "family" else "self_only"
        b.set("hsa_coverage", value, f"{'family' if value == 'family' else 'self-only'} HDHP coverage")
        b.set("hsa_eligible", True, "HSA-eligible (covered by an HDHP)")
    elif re.search(r"\b(?:i'm|i am|we're|we are) (?:hsa[- ]eligible|covered by an? (?:hdhp|high[- ]deductible))", text):
        b.set("hsa_eligible", True, "HSA-eligible (covered by an HDHP)")
    if re.search(
        r"\b(?:haven't|have not|not yet|didn't|did not) (?:put|contributed|made|added) (?:anything|any money|a (?:dime|"
        r"cent)|any contributions?)\b[^.;?!]{0,20}\bhsa\b"
        r"|\bno hsa contributions\b|\bnothing (?:in|into) (?:my|the) hsa\b",
        text,
    ):
        b.set("hsa_contributions", 0, "HSA contributions so far $0")
    if re.search(
        r"\b(?:my|i|i'm|i am|we|we're|doing|do|did)\b[^.;?!]{0,20}\bback-?\s?door(?:ed|"
        r"ing)?\b(?!\s+roth\s+(?:ira\s+)?(?:legal|work))",
        text,
    ) and not re.search(r"\bmega\b", text):
        b.set("plans_backdoor_roth", True, "doing a backdoor Roth")
