"""Plain-English labels and grammar: lists, plurals, filing statuses, topics, figures and facts.

Every word a person reads about a name (a fact, a figure, a topic) comes from here, so no view
shows ``ira_contribution_limit`` or "filing married filing jointly".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from engine.trace.formatting import format_value

__all__ = [
    "label",
    "figure_label",
    "topic_label",
    "filing_phrase",
    "join_words",
    "plural",
    "count",
    "lower_first",
    "value_words",
    "strip_step_label",
]

#: Names whose label cannot be made from their words.
_LABELS = {
    "magi": "MAGI",
    "hsa_eligible": "HSA eligibility",
    "ira_basis_prior": "IRA basis from earlier years",
    "age_dec31": "age on December 31",
    "roth_route": "route into a Roth IRA",
    "nondeductible_room": "room for a nondeductible contribution",
    "has_compensation": "taxable compensation",
    "pretax_ira_total": "pre-tax IRA money on December 31",
    "conversion_month": "month of the conversion",
    "hsa_transfer_month": "month of the IRA-to-HSA transfer",
    "conversions": "earlier conversions",
    "tax_year": "tax year",
}

#: Short labels of the figures an explanation shows (the description says the rest).
_FIGURES = {
    "ira_contribution_limit": "Your IRA contribution limit",
    "roth_contribution_limit": "Direct Roth IRA contribution allowed",
    "excess_contribution": "Excess Roth IRA contribution",
    "pretax_ira_total": "Pre-tax IRA money on December 31",
    "taxable_conversion": "Taxable part of the conversion",
    "hsa_funding_distribution_max": "Most you can move from an IRA to your HSA",
    "mega_backdoor_room": "Room for after-tax 401(k) contributions",
    "qualified_distribution_year": "First year a withdrawal can be qualified",
    "early_withdrawal_penalty": "10% additional tax on the withdrawal",
    "excess_correction_amount": "What to withdraw to correct the excess",
    "excess_excise_per_year": "6% excise tax for each year the excess stays",
    "after_tax_rollover_to_roth": "After-tax money that can go to a Roth IRA",
    "pretax_rollover_amount": "Pre-tax money to roll to an IRA or plan",
}

#: What each topic is about, as the end of "it bears on ...".
_TOPICS = {
    "eligibility": "whether you can contribute to a Roth IRA",
    "pro-rata": "how much of a conversion is taxed",
    "steps": "the backdoor Roth steps",
    "hsa": "the IRA-to-HSA transfer",
    "mega-backdoor": "the mega backdoor",
    "withdrawals": "tax on a Roth IRA withdrawal",
    "rollovers": "rollovers between plans and IRAs",
    "employer-plans": "catch-up contributions at work",
}

_FILING = {
    "single": "filing single",
    "married_filing_jointly": "filing jointly",
    "married_filing_separately": "filing separately",
    "head_of_household": "filing as head of household",
    "qualifying_surviving_spouse": "filing as a qualifying surviving spouse",
}

_WORDS = {
    "ira": "IRA",
    "iras": "IRAs",
    "hsa": "HSA",
    "roth": "Roth",
    "magi": "MAGI",
    "sep": "SEP",
    "simple": "SIMPLE",
    "401k": "401(k)",
    "fica": "FICA",
    "hce": "HCE",
    "hdhp": "HDHP",
    "dec31": "on December 31",
    "pretax": "pre-tax",
}


def label(name: str) -> str:
    """A readable label for a fact or value name.

    Examples:
        >>> label("traditional_ira_balance")
        'traditional IRA balance'
        >>> label("age_dec31")
        'age on December 31'

    """
    if name in _LABELS:
        return _LABELS[name]
    if name.startswith("form8606_line_"):
        return "Form 8606 line " + name.removeprefix("form8606_line_")
    return " ".join(_WORDS.get(w, w) for w in name.split("_"))


def figure_label(name: str) -> str:
    """The label of a figure in a table: "Taxable part of the conversion"."""
    if name in _FIGURES:
        return _FIGURES[name]
    text = label(name)
    return text[:1].upper() + text[1:]


def topic_label(topic: str) -> str:
    """What a topic is about: ``pro-rata`` -> "how much of a conversion is taxed"."""
    return _TOPICS.get(topic, topic.replace("-", " "))


def filing_phrase(status: Any) -> str:
    """``married_filing_jointly`` -> "filing jointly" (never "filing married filing jointly")."""
    return _FILING.get(str(status), "filing " + str(status).replace("_", " "))


def join_words(items: Iterable[str], conjunction: str = "and") -> str:
    """A list in English.

    Examples:
        >>> join_words(["a", "b", "c"])
        'a, b and c'
        >>> join_words(["a", "b"], "or")
        'a or b'

    """
    words = [w for w in items if w]
    if len(words) < 2:
        return "".join(words)
    return ", ".join(words[:-1]) + f" {conjunction} " + words[-1]


def plural(n: int, one: str, many: str | None = None) -> str:
    """The word for ``n`` things: ``plural(1, "rule")`` -> "rule", ``plural(2, "rule")`` -> "rules"."""
    return one if n == 1 else (many or one + "s")


def count(n: int, one: str, many: str | None = None) -> str:
    """``count(1, "rule")`` -> "1 rule"; ``count(3, "question")`` -> "3 questions"."""
    return f"{n} {plural(n, one, many)}"


def lower_first(text: str) -> str:
    """Lower the first letter of a sentence used inside another, unless it starts an acronym.

    Examples:
        >>> lower_first("Have no pre-tax IRA money")
        'have no pre-tax IRA money'
        >>> lower_first("IRA money")
        'IRA money'

    """
    text = text.strip().rstrip(".")
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def strip_step_label(title: str) -> str:
    """A plan step's title without its written number ("Step 2: convert ..." -> "Convert ...").

    The list number is the item's place in the explanation; a second number in the title
    would disagree with it.
    """
    head, sep, rest = title.partition(": ")
    if sep and head.startswith("Step ") and head[5:].isdigit():
        return rest[:1].upper() + rest[1:]
    return title


def value_words(value: Any, vtype: str = "") -> str:
    """A value as a person reads it: money with $, yes/no, an enum in words, never "None"."""
    if value is None:
        return "not given"
    if isinstance(value, list) and vtype in ("", "list"):
        return join_words([value_words(v) for v in value], "or")
    if isinstance(value, str) and vtype in ("enum", ""):
        return filing_phrase(value).removeprefix("filing ") if value in _FILING else value.replace("_", " ")
    return format_value(value, vtype)


#: FAQ topics and their section titles (the site's sections; rothkb ask lists them as what is covered).
FAQ_TOPICS = {
    "eligibility": "Eligibility and income limits",
    "steps": "Doing the backdoor, step by step",
    "pro-rata": "The pro-rata rule and existing IRAs",
    "married": "Married couples",
    "forms": "Forms and reporting",
    "recharacterization": "Recharacterization and excess contributions",
    "corrections": "Fixing mistakes",
    "self-employed": "Self-employed",
    "hsa": "The IRA-to-HSA transfer",
    "mega-backdoor": "Mega backdoor Roth 401(k)",
    "withdrawals": "Withdrawals and the 5-year rules",
}
