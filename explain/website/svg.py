"""Pictures for the site, drawn as SVG text in Python: the backdoor Roth decision flowchart
(boxes are the rules' own titles and conditions) and the Roth 5-year-rule timeline.
"""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from html import escape
from typing import Any

from engine.model.knowledge import Group, Leaf, Rule
from explain.website.gather import leaf_sentence

__all__ = ["flowchart_svg", "FLOW", "timeline_svg"]

#: The backdoor Roth path: (question when the rule is absent, main rule, side rules for "no"/"yes" branches).
FLOW: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    (
        "Is your MAGI at or above the end of the Roth phase-out range?",
        "backdoor-roth-needed",
        ("roth-direct-contribution-allowed", "roth-contribution-phased-out", "compensation-required"),
        "no",
    ),
    (
        "Do you hold pre-tax IRA money (traditional, rollover, SEP, SIMPLE) on December 31?",
        "no-pretax-ira-by-dec31",
        ("roll-pretax-ira-into-401k", "convert-pretax-ira-instead", "ira-to-hsa-once-per-lifetime"),
        "yes",
    ),
    ("", "make-nondeductible-contribution", (), ""),
    ("", "convert-to-roth", (), ""),
    ("", "file-form-8606", (), ""),
    ("Married? Your spouse's IRAs do not count; each spouse repeats the steps.", "spouse-iras-not-aggregated", (), ""),
)

_W, _MAIN_X, _MAIN_W, _SIDE_X, _SIDE_W, _LINE = 780, 20, 380, 450, 310, 17


def _lines(text: str, width: int) -> list[str]:
    return textwrap.wrap(text, width) or [""]


def _box(x: int, y: int, w: int, lines: list[str], css: str, href: str | None, rid: str) -> tuple[str, int]:
    h = 16 + _LINE * len(lines)
    body = [f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="8" class="{css}"/>']
    body += [f'<text x="{x + 10}" y="{y + 20 + i * _LINE}">{escape(t)}</text>' for i, t in enumerate(lines)]
    inner = "".join(body)
    if href:
        inner = f'<a href="{escape(href)}" aria-label="rule {escape(rid)}">{inner}</a>'
    return inner, h


def _question(rule: Rule | None, fallback: str, descriptions: dict[str, str]) -> str:
    if rule is None:
        return fallback
    leaves = [
        i for i in (rule.when.items if isinstance(rule.when, Group) else (rule.when,)) if isinstance(i, Leaf) and not i.conclusion
    ]
    text = " and ".join(re.sub(r" \([a-z_0-9]+\)$", "", leaf_sentence(leaf, descriptions)) for leaf in leaves[:2])
    return text + "?" if leaves else fallback


def flowchart_svg(rules: dict[str, Rule], descriptions: dict[str, str], root: str = "") -> tuple[str, list[str]]:
    """The decision flowchart and its text alternative (one line per step).

    Args:
        rules: Rules by id (absent rules are drawn greyed out, without a link).
        descriptions: Fact and value descriptions for the conditions.
        root: Relative path from the page to the site root ("" or "../").

    """
    parts: list[str] = []
    steps: list[str] = []
    y = 10
    for n, (fallback, main, side, branch) in enumerate(FLOW):
        rule = rules.get(main)
        if fallback and side:
            q = _lines(_question(rule, fallback, descriptions), 50)
            box, h = _box(_MAIN_X, y, _MAIN_W, q, "decision", None, "")
            parts.append(box)
            steps.append(f"Decision: {' '.join(q)}")
            sy = y
            label = "if no" if branch == "no" else "if yes"
            parts.append(f'<text x="{_MAIN_X + _MAIN_W + 6}" y="{y + 11}" class="branch">{label}</text>')
            for rid in side:
                srule = rules.get(rid)
                text = _lines(srule.title if srule else f"{rid} (not yet in the knowledge base)", 40)
                sbox, sh = _box(
                    _SIDE_X, sy, _SIDE_W, text, "side" if srule else "missing", f"{root}rules/{rid}.html" if srule else None, rid
                )
                parts.append(sbox)
                steps.append(f"  {label}: {' '.join(text)}")
                sy += sh + 8
            parts.append(f'<line x1="{_MAIN_X + _MAIN_W}" y1="{y + 16}" x2="{_SIDE_X}" y2="{y + 16}" class="arrow"/>')
            y = max(y + h, sy - 8) + 12
            parts.append(f'<text x="{_MAIN_X + 200}" y="{y + 4}" class="branch">{"if yes" if branch == "no" else "then"}</text>')
            y += 10
        if rule is None:
            text, css, href = _lines(f"{main} (not yet in the knowledge base)", 50), "missing", None
        else:
            text, css, href = _lines(f"{n + 1}. {rule.title}", 50), rule.kind, f"{root}rules/{main}.html"
        box, h = _box(_MAIN_X, y, _MAIN_W, text, css, href, main)
        parts.append(box)
        steps.append(" ".join(text))
        y += h
        if n + 1 < len(FLOW):
            parts.append(f'<line x1="{_MAIN_X + 190}" y1="{y}" x2="{_MAIN_X + 190}" y2="{y + 22}" class="arrow"/>')
            y += 26
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {y + 10}" width="{_W}" height="{y + 10}" '
        'class="flowchart" role="group" aria-labelledby="flow-title flow-desc">'
        '<title id="flow-title">Backdoor Roth decision flowchart</title>'
        '<desc id="flow-desc">The backdoor Roth steps drawn from the rules; the same steps are listed below as text.'
        '</desc><defs><marker id="arrowhead" markerWidth="8" markerHeight="8" refX="7" refY="4" orient="auto">'
        '<path d="M0,0 L8,4 L0,8 z"/></marker></defs>' + "".join(parts) + "</svg>"
    )
    return svg, steps


def _year_59_half(facts: dict[str, Any], tax_year: int) -> tuple[int | None, bool]:
    born = facts.get("birth_date")
    if isinstance(born, str):
        try:
            born = dt.date.fromisoformat(born)
        except ValueError:
            born = None
    if isinstance(born, dt.date):
        return born.year + 59 + (1 if born.month > 6 else 0), True
    if isinstance(facts.get("age"), int):
        return tax_year - facts["age"] + 60, False
    return None, False


def timeline_svg(facts: dict[str, Any], tax_year: int) -> tuple[str, list[str]] | None:
    """A 5-year-rule timeline of an example's conversions and Roth clock, or None when it has neither."""
    conversions = [c for c in facts.get("conversions") or () if isinstance(c, dict) and "year" in c]
    first = facts.get("roth_first_contribution_year")
    if not conversions and not isinstance(first, int):
        return None
    rows: list[tuple[str, int, int]] = [
        (
            f"{c['year']} conversion: 10% on its taxable part until {int(c['year']) + 5} if under 59½",
            int(c["year"]),
            int(c["year"]) + 4,
        )
        for c in conversions
    ]
    if isinstance(first, int):
        rows.append((f"Roth 5-year clock from {first}: earnings can be qualified from {first + 5}", first, first + 4))
    marks: list[tuple[str, int]] = []
    wyear = facts.get("planned_withdrawal_year") or (tax_year if facts.get("planned_withdrawal_amount") else None)
    if isinstance(wyear, int):
        marks.append((f"withdrawal {wyear}", wyear))
    half, exact = _year_59_half(facts, tax_year)
    if half:
        marks.append((f"age 59½ {'in' if exact else 'by'} {half}", half))
    years = [r[1] for r in rows] + [r[2] + 1 for r in rows] + [m[1] for m in marks]
    lo, hi = min(years), max(years)
    hi = min(hi, lo + 40)
    scale = (_W - 60) / max(hi - lo + 1, 1)

    def x(year: int) -> float:
        return 30 + (min(max(year, lo), hi + 1) - lo) * scale

    parts, text = [], []
    for i, (label, start, end) in enumerate(rows):
        top = 40 + i * 44
        parts.append(f'<rect x="{x(start):.1f}" y="{top}" width="{x(end + 1) - x(start):.1f}" height="16" class="window"/>')
        parts.append(f'<text x="{x(start) + 4:.1f}" y="{top - 4}">{escape(label)}</text>')
        text.append(label)
    bottom = 40 + len(rows) * 44
    for label, year in marks:
        parts.append(
            f'<line x1="{x(year):.1f}" y1="24" x2="{x(year):.1f}" y2="{bottom}" class="mark"/>'
            f'<text x="{x(year) + 3:.1f}" y="{bottom + 14}" class="marklabel">{escape(label)}</text>'
        )
        text.append(label)
    step = max(1, (hi - lo) // 12 + 1)
    ticks = "".join(f'<text x="{x(yr) + 2:.1f}" y="16" class="tick">{yr}</text>' for yr in range(lo, hi + 1, step))
    height = bottom + 30
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {height}" width="{_W}" height="{height}" '
        'class="timeline" role="img" aria-labelledby="tl-title tl-desc"><title id="tl-title">Roth 5-year rules timeline'
        f'</title><desc id="tl-desc">{escape("; ".join(text))}</desc>{ticks}{"".join(parts)}</svg>'
    )
    return svg, text
