"""What an amount in a question is, from the words around it (a balance, pay, a conversion...)."""

from __future__ import annotations

import re
from decimal import Decimal

from engine.trace.formatting import format_value
from explain.answer.amounts import Amount

#: Balances that make up the pro-rata total (Form 8606 line 6), in the order they are listed.
PRETAX_BALANCES = ("traditional_ira_balance", "rollover_ira_balance", "sep_ira_balance", "simple_ira_balance")

SPOUSE = r"(?:wife|husband|spouse|partner)"
MONTHS = (
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
NEG = r"(?:no|not|n't|never|without|only|doesn't|does not|won't|will not|can't|cannot|isn't|lacks?)"


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
    ("spouse_compensation", rf"\b{SPOUSE}\b.*\b(?:makes?|earns?|earning|making|salary|pay|income|wages)\b", None),
    ("spouse_compensation", rf"\b{SPOUSE}(?:'s)?\s+(?:salary|pay|income|wages)\b", None),
    ("spouse_pretax_ira_balance", rf"\b{SPOUSE}\b.*\b(?:has|have|holds)\b", _IRA_AFTER),
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

LABELS = {
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


def classify(text: str, amount: Amount, prev_end: int, next_start: int) -> str | None:
    """The fact ``amount`` states, from the words between its neighbours, or None."""
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


def money_phrase(fact: str, value: Decimal) -> str:
    """The "I read" phrase of an amount: ``MAGI $240,000``."""
    return f"{LABELS.get(fact, fact)} {format_value(value, 'money')}"
