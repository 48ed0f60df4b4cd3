"""Which figure a question asks for, and the sentence that leads the answer with it.

The figures themselves always come from the engine's explanation (``figures`` and its stated
assumptions); nothing here computes a tax amount. When the engine could not compute the figure
asked for, :func:`lead` names the questions whose answers decide it (the facts the engine reports
as missing for that figure).
"""

from __future__ import annotations

import re
from typing import Any

from engine import KnowledgeBase
from engine.trace.formatting import format_value

__all__ = ["asked_figures", "lead"]

#: (figure, pattern over the normalised question, facts any one of which also points at it).
_ASKS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "excess_contribution",
        r"\b(?:excess|over the limit|too much|too high|over-?contribut\w*|above the limit)\b",
        ("direct_roth_contribution",),
    ),
    ("early_withdrawal_penalty", r"\bpenalt(?:y|ies)\b|\b10%", ("planned_withdrawal_amount",)),
    ("qualified_distribution_year", r"\bwhen\b[^?]*\b(?:tax-?free|qualified|penalty-?free)\b", ("roth_first_contribution_year",)),
    (
        "mega_backdoor_room",
        r"\bmega\b|\bafter-?\s?tax\b[^?]*\b(?:room|space|how much|add|contribute|put)\b|\broom\b",
        ("elective_deferrals", "employer_contributions", "after_tax_contributions"),
    ),
    ("hsa_funding_distribution_max", r"\bhsa\b", ("hsa_coverage", "hsa_contributions")),
    ("taxable_conversion", r"\b(?:tax|taxes|taxable|taxed|owe|bill)\b", ("conversion_amount",)),
    (
        "roth_contribution_limit",
        r"\b(?:roth)\b[^?]*\b(?:how much|limit|can i|can we|put|contribute|allowed|directly|straight)\b"
        r"|\b(?:get|put) (?:money |anything |something )?(?:in|into) (?:a |my |the )?roth\b"
        r"|\b(?:how much|limit|can i|can we|put|contribute|allowed)\b[^?]*\broth\b",
        ("magi",),
    ),
    ("ira_contribution_limit", r"\bhow much\b[^?]*\b(?:ira|backdoor)\b|\bira limit\b|\bcontribution limit\b", ("compensation",)),
)


def asked_figures(text: str, facts: dict[str, Any]) -> list[str]:
    """The figures a question asks for, most likely first.

    A figure is asked for when the question's words point at it and it has at least one of its
    facts, or when the words alone name it unambiguously.

    Examples:
        >>> asked_figures("how much tax will i owe on the backdoor", {"conversion_amount": 7000})
        ['taxable_conversion']
        >>> asked_figures("how much can we put in a roth directly?", {"magi": 240000})
        ['roth_contribution_limit']

    """
    out = []
    for figure, pattern, cues in _ASKS:
        if re.search(pattern, text) and any(c in facts for c in cues):
            out.append(figure)
    return out


def _money(value: Any) -> str:
    return format_value(value, "money")


def _assuming(doc: dict[str, Any], figure: str) -> str:
    """The ", assuming you have no SEP IRA and ..." clause, from the explanation's assumptions (CONTRACT §7.1)."""
    facts = (doc.get("figure_assumptions") or {}).get(figure) or []
    phrases = [str(a.get("phrase") or a.get("fact")) for a in doc.get("assumptions") or [] if a.get("fact") in facts]
    if not phrases:
        return ""
    return ", assuming " + (", ".join(phrases[:-1]) + " and " + phrases[-1] if len(phrases) > 1 else phrases[0])


def _sentence(figure: str, value: Any, facts: dict[str, Any], doc: dict[str, Any]) -> str:
    year = doc.get("tax_year")
    figures = doc.get("figures") or {}
    assume = _assuming(doc, figure)
    if figure == "taxable_conversion":
        conv = facts.get("conversion_amount")
        line10 = (doc.get("form8606") or {}).get("line_10")
        ratio = (
            f" (Form 8606 line 10: {format_value(line10, 'ratio')} of it is tax-free basis)" if line10 not in (None, 0) else ""
        )
        of = f" of your {_money(conv)} conversion" if conv is not None else " of your conversion"
        return f"**{_money(value)}**{of} would be taxable for {year}{assume}{ratio}."
    if figure == "roth_contribution_limit":
        joint = facts.get("filing_status") == "married_filing_jointly"
        spouse = " On a joint return your spouse's own Roth limit is reduced by the same MAGI phase-out." if joint else ""
        if not value:
            return (
                f"**$0**: you cannot contribute directly to a Roth IRA for {year}{assume}; the backdoor "
                f"(a nondeductible traditional IRA contribution, then a conversion) is the way in.{spouse}"
            )
        full = figures.get("ira_contribution_limit")
        cut = f" (of the full {_money(full)} IRA limit)" if full not in (None, value) else ""
        return f"You can contribute **{_money(value)}** directly to a Roth IRA for {year}{cut}{assume}.{spouse}"
    if figure == "excess_contribution":
        direct = facts.get("direct_roth_contribution")
        limit = figures.get("roth_contribution_limit")
        allowed = f"; your limit is {_money(limit)}" if limit is not None else ""
        return (
            f"**{_money(value)}** of your {_money(direct)} direct Roth IRA contribution for {year} is an excess "
            f"contribution{allowed}{assume}."
        )
    if figure == "mega_backdoor_room":
        return (
            f"You have **{_money(value)}** of after-tax room in your 401(k) for {year}{assume} "
            "(the annual additions limit less your deferrals and employer contributions), "
            "if the plan takes after-tax money."
        )
    if figure == "hsa_funding_distribution_max":
        return f"Up to **{_money(value)}** can move from your IRA to your HSA for {year}{assume} (once in a lifetime)."
    if figure == "ira_contribution_limit":
        return f"You can contribute up to **{_money(value)}** to IRAs for {year}{assume}."
    if figure == "early_withdrawal_penalty":
        amount = facts.get("planned_withdrawal_amount")
        of = f" on your {_money(amount)} withdrawal" if amount is not None else ""
        return f"The 10% early-withdrawal penalty{of} would be **{_money(value)}**{assume}."
    if figure == "qualified_distribution_year":
        return f"Your Roth IRA withdrawals can be qualified (earnings tax- and penalty-free) from **{value}**{assume}."
    return f"{figure.replace('_', ' ')}: **{format_value(value, 'money' if isinstance(value, int) else '')}**{assume}."


def lead(kb: KnowledgeBase, asked: list[str], facts: dict[str, Any], doc: dict[str, Any]) -> tuple[str | None, list[str]]:
    """The leading sentence and the figures it names, or what decides the figure when unknown.

    Args:
        kb: The knowledge base (for the questions of missing facts).
        asked: :func:`asked_figures` of the question.
        facts: The validated facts the engine ran on.
        doc: The explanation as JSON (``engine``'s CONTRACT §5 object).

    """
    figures = doc.get("figures") or {}
    for figure in asked:
        if figure in figures:
            return _sentence(figure, figures[figure], facts, doc), [figure]
    if not asked:
        return None, []
    figure = asked[0]
    env = kb.values(facts)
    missing = sorted(getattr(env.get(figure), "missing", ()) or ())
    if "age" in missing and "birth_date" in missing:
        missing.remove("birth_date")
    questions = kb.questions()
    # In the engine's own order of importance (the questions that settle most come first).
    order = {q["fact"]: i for i, q in enumerate(doc.get("questions") or [])}
    missing.sort(key=lambda m: (order.get(m, len(order)), m))
    asks = [questions.get(m) or m for m in missing if m in questions][:5]
    what = kb.knowledge.values[figure].description if figure in kb.knowledge.values else figure
    if not asks:
        return None, []
    what = re.sub(r"\s*\(.*?\)", "", what).strip()
    return (
        f"**I can't work out the figure you asked for yet** ({what[0].lower() + what[1:]}): "
        "it depends on facts the question does not give. These questions decide it:\n\n" + "\n".join(f"- {q}" for q in asks)
    ), []
