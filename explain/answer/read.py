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

__all__ = ["Reading", "read_question", "planning_year", "find_amounts", "normalise"]

#: Balances that make up the pro-rata total (Form 8606 line 6), in the order they are listed.
PRETAX_BALANCES = ("traditional_ira_balance", "rollover_ira_balance", "sep_ira_balance", "simple_ira_balance")

_SPOUSE = r"(?:wife|husband|spouse|partner)"
_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_NEG = r"(?:no|not|n't|never|without|only|doesn't|does not|won't|will not|can't|cannot|isn't|lacks?)"


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


def planning_year(kb: KnowledgeBase, today: dt.date | None = None) -> int:
    """The latest tax year the knowledge covers that is not after today's year."""
    year = (today or dt.date.today()).year
    years = [y for y in kb.knowledge.years if y <= year]
    return max(years) if years else min(kb.knowledge.years)


def normalise(text: str) -> str:
    """Lower case, plain quotes and spaces, ``½`` spelled out, account names folded.

    Examples:
        >>> normalise("I’m 59½ and have a 401(k)")
        "i'm 59 and a half and have a 401k"

    """
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"').replace("\u00a0", " ")
    text = text.lower()
    text = re.sub(r"(\d)\s*(?:½|1/2)", r"\1 and a half", text)
    text = re.sub(r"\b(401|403|457)\s*\(?\s*([kb])(?:\s*\))?", r"\1\2", text)
    text = re.sub(r"\b(415|402)\s*\(\s*([cg])\s*\)", r"\1\2", text)
    text = re.sub(r"\bw-?2\b", "w2", text)
    text = re.sub(r"\b1099\s*-?\s*r\b", "1099r", text)
    return " ".join(text.split())


# Money: "$93k", "300k", "1.2 million", "$240,000", "$7,000.50", "12 grand"; not "401k", "2025", "6%".
_AMOUNT = re.compile(
    r"(?<![\w.])(?!(?:401k|403b|457b|415c|402g|1099r|8606|5329|1040|5498)\b)(?P<dollar>\$\s?)?(?P<num>\d{1,3}(?:,\d{3})+|"
    r"\d+)(?P<dec>\.\d+)?"
    r"(?:\s?(?P<mult>k|m|mm|million|mil|thousand|grand)\b)?(?P<pct>\s?%| percent)?(?![\w$])"
)
_NOT_MONEY_BEFORE = re.compile(r"(?:line|box|code|form|age|aged|part|page|step|chapter|notice|section|§)\s*$")
_YEAR = re.compile(r"^(?:19|20)\d\d$")


@dataclass
class _Amount:
    value: Decimal
    start: int
    end: int


def find_amounts(text: str) -> list[_Amount]:
    """Money amounts in a normalised question.

    Examples:
        >>> [str(a.value) for a in find_amounts("i have $93k and contribute 7,000 in 2025 at 45, 6% match, 1.2 million")]
        ['93000', '7000', '1200000']

    """
    out: list[_Amount] = []
    for m in _AMOUNT.finditer(text):
        if m.group("pct"):
            continue
        num = Decimal(m.group("num").replace(",", "") + (m.group("dec") or ""))
        mult = m.group("mult")
        if mult in ("k", "thousand", "grand"):
            num *= 1000
        elif mult in ("m", "mm", "million", "mil"):
            num *= 1000000
        elif not m.group("dollar"):
            digits = m.group("num")
            if _YEAR.match(digits) and not m.group("dec"):
                continue  # a year
            if num < 1000 and not re.match(r"\s*(?:dollars|bucks)\b", text[m.end() :]):
                continue  # an age, a count, a month
            if _NOT_MONEY_BEFORE.search(text[: m.start()]):
                continue
        if num != num.to_integral_value() and len(m.group("dec") or "") > 3:
            continue
        out.append(
            _Amount(
                num.quantize(Decimal("0.01")).normalize() if num != num.to_integral_value() else Decimal(int(num)),
                m.start(),
                m.end(),
            )
        )
    return out


# What an amount is, from the words just before it (same clause) and just after it.
# Each entry: (fact, pattern before, pattern after). The first that matches wins, so the specific
# ones (a spouse's pay, a direct Roth contribution) come before the general ones (pay, contribution).
_BEFORE_CUT = re.compile(r"(?:[;.?!]|,\s*(?:and|but)\b|\band\b|\bbut\b|\bwhile\b|\bplus\b)(?!.*(?:[;.?!]|\band\b|\bbut\b))")
_IRA_AFTER = r"^\s*(?:in (?:a|an|her|his|their) )?(?:\w+ )?(?:traditional |rollover |pre-?tax |sep |simple )?iras?\b"
_KIND = {
    "rollover": "rollover_ira_balance",
    "sep": "sep_ira_balance",
    "simple": "simple_ira_balance",
    "inherited": "inherited_ira_balance",
    "roth": "roth_ira_balance",
    "traditional": "traditional_ira_balance",
}
_BALANCE_BEFORE = (
    r"\b{kind}(?: ira)?s?(?: one| account| balance)?\s*"
    r"(?:(?:is|has|holds|with|of|worth|at|sits at|around|about|roughly|of about)\s*)+$"
)
_CUES: tuple[tuple[str, str | None, str | None], ...] = (
    ("spouse_compensation", rf"\b{_SPOUSE}\b.*\b(?:makes?|earns?|earning|making|salary|pay|income|wages)\b", None),
    ("spouse_compensation", rf"\b{_SPOUSE}(?:'s)?\s+(?:salary|pay|income|wages)\b", None),
    ("spouse_pretax_ira_balance", rf"\b{_SPOUSE}\b.*\b(?:has|have|holds)\b", _IRA_AFTER),
    ("spouse_pretax_ira_balance", r"\b(?:she|he)\s+(?:also |still )?(?:has|holds)\b[^$]*$", _IRA_AFTER),
    ("magi", r"\b(?:magi|agi|adjusted gross income|modified agi)\b[^$]*$", None),
    ("magi", r"\b(?:we|our|household|combined)\b[^$]*\b(?:make|earn|income|bring in|together)\b[^$]*$", None),
    ("magi", None, r"^\s*(?:a year )?(?:together|combined|as a couple|household|between us)\b"),
    (
        "employer_contributions",
        r"\b(?:employer|company|match|matching|they)\b.*"
        r"\b(?:puts?|contributes?|adds?|gives?|matches|kicks? in|deposits?)\b(?: in)?\s*$",
        None,
    ),
    ("employer_contributions", r"\b(?:employer|company)\s+(?:match|contributions?)\s*(?:is|are|of)?\s*$", None),
    ("employer_contributions", None, r"^\s*(?:of |in )?(?:employer |company )?(?:match|matching)\b"),
    ("elective_deferrals", r"\b(?:defer|deferring|deferred|deferrals?)\b\s*(?:of|is|are)?\s*$", None),
    (
        "elective_deferrals",
        r"\b(?:put|putting|contribute|contributing|contributed|save|saving)\s*$",
        r"^\s*(?:a year )?(?:in|into|to)\s+(?:my |the |our )?(?:401k|403b|457b|plan)\b",
    ),
    ("hsa_contributions", None, r"^\s*(?:in|into|to)\s+(?:my |the |our )?hsa\b"),
    ("hsa_contributions", r"\bhsa contributions?\b.*$", None),
    ("after_tax_contributions", None, r"^\s*(?:of )?(?:in )?after-?\s?tax\b(?! room| space)"),
    (
        "roth_regular_contributions",
        r"\b(?:contributed|put|deposited)\b\s*$",
        r"^\s*(?:in|into|to)\s+(?:my |a |the )?roth(?: ira)?s?\b.*\b(?:over the years|in total|total|so far|since)\b",
    ),
    (
        "roth_regular_contributions",
        r"\b(?:contributed|put in|deposited)\b\s*$",
        r"^\s*(?:in total |total )?(?:over the years|in total|so far|all told)\b",
    ),
    ("roth_regular_contributions", r"\b(?:total|all)\s+(?:of )?(?:my )?(?:roth )?contributions?\b.*$", None),
    (
        "direct_roth_contribution",
        r"\b(?:contributed|contribute|put|deposited|funded|contributing)\b(?: in)?\s*$",
        r"^\s*(?:directly |straight )?(?:in|into|to)\s+(?:my |a |the )?roth\b",
    ),
    ("direct_roth_contribution", r"\b(?:direct(?:ly)?|straight)\b.*\b(?:contributed|contribute|put|deposited)\b\s*$", None),
    ("direct_roth_contribution", r"\bdirect roth contribution\b.*$", None),
    (
        "planned_withdrawal_amount",
        r"\b(?:withdraw|withdrawing|pull out|pull|take out|take|taking|withdrawal of|cash out)\b"
        r"(?: out)?\s*$",
        None,
    ),
    ("planned_withdrawal_amount", None, r"^\s*(?:withdrawal|distribution)\b"),
    (
        "rollover_ira_balance",
        r"\b(?:roll|rolled|rolling|move|moved|moving)\b\s*$",
        r"^\s*(?:from (?:my |an? |the )?(?:old )?(?:401k|403b|457b|plan)\s+)?"
        r"(?:in)?to (?:an? |my |the )?(?:rollover |traditional )?ira\b",
    ),
    (
        "conversion_amount",
        r"\b(?:convert|converting|converted|conversion of|backdoor|backdoored|move|moving)\b"
        r"(?: my| the| all| entire| whole| about| around)*\s*$",
        None,
    ),
    ("conversion_amount", None, r"^\s*(?:backdoor |roth )?(?:conversion|converted)\b"),
    ("rollover_ira_balance", None, r"^\s*(?:in (?:a|an|my|the) )?(?:old )?rollover ira\b"),
    ("sep_ira_balance", None, r"^\s*(?:in (?:a|an|my|the) )?sep(?:-ira| ira)?\b"),
    ("simple_ira_balance", None, r"^\s*(?:in (?:a|an|my|the) )?simple ira\b"),
    ("inherited_ira_balance", None, r"^\s*(?:in (?:a|an|my|the) )?inherited ira\b"),
    ("roth_ira_balance", None, r"^\s*(?:in (?:a|an|my|the) )?roth iras?\b(?! (?:directly|contribution))"),
    ("traditional_ira_balance", None, r"^\s*(?:in (?:a|an|my|the) )?(?:old )?(?:traditional|pre-?tax|deductible) iras?\b"),
    ("traditional_ira_balance", None, r"^\s*(?:in (?:a|an|my|the) )?iras?\b"),
    *((fact, _BALANCE_BEFORE.format(kind=kind), None) for kind, fact in _KIND.items()),
    (
        "nondeductible_contribution",
        r"\b(?:contribute|contributing|contributed|put in|put|deposit|deposited|fund|"
        r"nondeductible contribution of)\b(?: in)?\s*$",
        None,
    ),
    ("nondeductible_contribution", None, r"^\s*(?:nondeductible|non-deductible) (?:ira )?contribution\b"),
    (
        "compensation",
        r"\b(?:earn|earns|earning|earned|make|makes|making|made|paid|salary|salaries|wages|compensation|"
        r"pay is|w2 income|earned income|bring in)\b[^$]*$",
        None,
    ),
    (
        "compensation",
        None,
        r"^\s*(?:a year |per year |annually )?(?:salary|in salary|of salary|in wages|w2|"
        r"of earned income|earned income|in pay)\b",
    ),
    ("magi", r"\b(?:income|household income|gross)\b[^$]*$", None),
    ("magi", None, r"^\s*(?:a year |per year )?(?:of )?(?:income|magi|agi)\b"),
)
_COMPILED = [(fact, re.compile(b) if b else None, re.compile(a) if a else None) for fact, b, a in _CUES]

_LABELS = {
    "magi": "MAGI",
    "compensation": "pay (compensation)",
    "spouse_compensation": "your spouse's pay",
    "traditional_ira_balance": "traditional IRA",
    "rollover_ira_balance": "rollover IRA",
    "sep_ira_balance": "SEP IRA",
    "simple_ira_balance": "SIMPLE IRA",
    "inherited_ira_balance": "inherited IRA",
    "roth_ira_balance": "Roth IRAs",
    "spouse_pretax_ira_balance": "your spouse's pre-tax IRAs",
    "nondeductible_contribution": "nondeductible IRA contribution",
    "conversion_amount": "Roth conversion",
    "direct_roth_contribution": "direct Roth IRA contribution",
    "planned_withdrawal_amount": "planned Roth IRA withdrawal",
    "elective_deferrals": "401(k) deferrals",
    "employer_contributions": "employer contributions",
    "after_tax_contributions": "after-tax 401(k) contributions",
    "hsa_contributions": "HSA contributions so far",
    "roth_regular_contributions": "regular Roth IRA contributions in total",
    "ira_basis_prior": "IRA basis from earlier years",
}


def _classify(text: str, amount: _Amount, prev_end: int, next_start: int) -> str | None:
    before = text[prev_end : amount.start]
    cut = _BEFORE_CUT.search(before)
    if cut:
        before = before[cut.end() :]
    after = text[amount.end : next_start]
    after = re.split(r"[;.?!]|,\s|\band\b|\bbut\b", after, maxsplit=1)[0]
    for fact, b, a in _COMPILED:
        if (b is None or b.search(before)) and (a is None or a.search(after)):
            if b is None and a is None:
                continue
            return fact
    return None


def _money_phrase(fact: str, value: Decimal) -> str:
    return f"{_LABELS.get(fact, fact)} {format_value(value, 'money')}"


class _Builder:
    def __init__(self) -> None:
        self.raw: dict[str, Any] = {}
        self.said: list[tuple[str, str]] = []

    def set(self, fact: str, value: Any, phrase: str, overwrite: bool = False) -> None:
        if fact in self.raw and not overwrite:
            return
        if fact in self.raw:
            self.said = [(f, t) for f, t in self.said if f != fact]
        self.raw[fact] = value
        self.said.append((fact, phrase))


def _read_status(text: str, b: _Builder) -> None:
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
    if "filing_status" not in b.raw and re.search(rf"\bmarried\b|\bmy {_SPOUSE}\b", text):
        b.said.append(("", "married (jointly or separately not said)"))
    if re.search(r"\b(?:we )?lived (?:together|with (?:my |our )?(?:wife|husband|spouse))\b", text):
        b.set("lived_with_spouse", True, "lived with your spouse during the year")
    elif re.search(r"\blived apart (?:all|the whole|for the entire) year\b|\bdid(?: not|n't) live together\b", text):
        b.set("lived_with_spouse", False, "lived apart from your spouse all year")
    if re.search(
        rf"\b(?:my |our )?{_SPOUSE}\b(?: \w+){{0,3}} (?:doesn't|does not|don't|do not|isn't|is not) work\b"
        rf"|\bstay[- ]at[- ]home (?:mom|dad|parent|wife|husband|spouse)\b|\bnon-?working (?:spouse|wife|husband)\b"
        rf"|\b{_SPOUSE}\b(?: \w+){{0,3}} (?:has|have) no (?:income|earnings|earned income|paycheck|job)\b",
        text,
    ):
        b.set("spouse_compensation", 0, "your spouse has no pay (compensation $0)")
    if re.search(
        r"\b(?:i|i'm|i am) (?:have )?(?:no|not) (?:earned income|job|wages|working)\b|\bi (?:don't|do not) work\b"
        r"|\bi have no (?:earned income|job|wages|compensation)\b|\bno earned income\b|\bunemployed\b",
        text,
    ):
        b.set("compensation", 0, "you have no pay (compensation $0)")


def _read_age(text: str, b: _Builder) -> str:
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


def _read_history(text: str, b: _Builder) -> None:
    """Birth dates and years, and the first Roth IRA year (the start of the 5-year clock)."""
    months = "|".join(_MONTHS)
    m = re.search(
        rf"\bborn (?:on )?(?:(\d{{4}})-(\d\d)-(\d\d)|({months}) (\d{{1,2}}),? (\d{{4}})"
        rf"|(\d{{1,2}}) ({months}),? (\d{{4}}))\b",
        text,
    )
    if m:
        if m.group(1):
            year, month, day = int(m.group(1)), int(m.group(2)), int(m.group(3))
        elif m.group(4):
            year, month, day = int(m.group(6)), _MONTHS.index(m.group(4)) + 1, int(m.group(5))
        else:
            year, month, day = int(m.group(9)), _MONTHS.index(m.group(8)) + 1, int(m.group(7))
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


def _read_year(text: str, kb: KnowledgeBase, today: dt.date | None, b: _Builder) -> bool:
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
    return not re.search(rf"\b{_NEG}\b|n't\b", before)


def _read_flags(text: str, b: _Builder) -> None:
    allows = r"(?:allows?|accepts?|offers?|has|have|takes?|permits?|lets me (?:make|do))"
    if re.search(rf"\b{allows}\b[^.;?!]{{0,25}}\bafter-?\s?tax\b", text):
        if not re.search(rf"\b{_NEG}\b[^.;?!]{{0,25}}\b{allows}\b[^.;?!]{{0,25}}after-?\s?tax", text):
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
    b = _Builder()
    year_text = re.sub(r"\$\s?\d[\d,]*(?:\.\d+)?\s?(?:k|m)?\b", " ", text)
    year_assumed = _read_year(year_text, kb, today, b)
    _read_status(text, b)
    aged = _read_age(text, b)
    _read_history(text, b)
    _read_amounts(aged, b)
    _read_match(text, b)
    _read_flags(text, b)
    _read_consequences(text, b, kb)
    rest = _rest(text)
    if isinstance(b.raw.get("compensation"), Decimal):
        # The words that only label an amount of pay are not what the question is about.
        rest = re.sub(r"\b(?:salary|wages|earn|earns|earning|make|makes|making|paid)\b", " ", rest)
    # The topics of the facts read: an IRA balance next to a conversion is the pro-rata rule.
    held = [f for f in PRETAX_BALANCES if isinstance(b.raw.get(f), Decimal) and b.raw.get(f)]
    if held and "conversion_amount" in b.raw:
        rest += " pro-rata " + " ".join(_LABELS[f] for f in held).lower()
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


def _read_amounts(text: str, b: _Builder) -> None:
    amounts = find_amounts(text)
    for i, amount in enumerate(amounts):
        prev_end = amounts[i - 1].end if i else 0
        next_start = amounts[i + 1].start if i + 1 < len(amounts) else len(text)
        fact = _classify(text, amount, prev_end, next_start)
        if re.search(
            r"\b(?:salary|pay|wages|compensation|earnings|income) and (?:my )?(?:magi|agi) (?:are|were|"
            r"is)?\s*(?:both)?\s*(?:at|of)?\s*$",
            text[prev_end : amount.start],
        ):
            b.set("compensation", amount.value, _money_phrase("compensation", amount.value))
            fact = "magi"
        if fact == "spouse_pretax_ira_balance" and not re.search(rf"\b{_SPOUSE}\b|\bmarried\b|\bmfj\b", text):
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
            b.set("conversion_amount", amount.value, _money_phrase("conversion_amount", amount.value))
            b.set("traditional_ira_balance", 0, "traditional IRA $0 on December 31 (all of it converted)")
            continue
        b.set(fact, amount.value, _money_phrase(fact, amount.value))
        month = re.match(rf"^[^.;?!]{{0,20}}?\bin ({'|'.join(_MONTHS)})\b", text[amount.end :])
        if fact == "conversion_amount" and month:
            b.set("conversion_month", _MONTHS.index(month.group(1)) + 1, f"converted in {month.group(1).title()}")
        if fact == "conversion_amount" and re.search(
            r"\bback-?\s?door", text[max(prev_end, amount.start - 30) : amount.end + 30]
        ):
            b.set(
                "nondeductible_contribution",
                amount.value,
                _money_phrase("nondeductible_contribution", amount.value) + " (the backdoor's first step)",
            )


def _past_conversion(text: str, amount: _Amount, b: _Builder) -> bool:
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


def _read_match(text: str, b: _Builder) -> None:
    m = re.search(
        r"(\d+(?:\.\d+)?)\s?(?:%|percent)\s*(?:employer |company |401k )?match|match(?:es)?(?: of|"
        r" up to)? (\d+(?:\.\d+)?)\s?(?:%|percent)",
        text,
    )
    if m:
        b.raw.setdefault("_match_pct", Decimal(m.group(1) or m.group(2)))


def _read_consequences(text: str, b: _Builder, kb: KnowledgeBase) -> None:
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
