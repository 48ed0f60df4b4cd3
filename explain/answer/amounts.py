"""Money amounts in a free-text question ("$93k", "1.2 million", "$7,000.50"), never a year or an age."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

__all__ = ["Amount", "find_amounts", "normalise"]


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
class Amount:
    value: Decimal
    start: int
    end: int


def find_amounts(text: str) -> list[Amount]:
    """Money amounts in a normalised question.

    Examples:
        >>> [str(a.value) for a in find_amounts("i have $93k and contribute 7,000 in 2025 at 45, 6% match, 1.2 million")]
        ['93000', '7000', '1200000']

    """
    out: list[Amount] = []
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
            Amount(
                num.quantize(Decimal("0.01")).normalize() if num != num.to_integral_value() else Decimal(int(num)),
                m.start(),
                m.end(),
            )
        )
    return out


# What an amount is, from the words just before it (same clause) and just after it.
