"""Pictures for the site, drawn as SVG text in Python: the decision diagrams of
:mod:`explain.website.diagrams` (narrow enough for a 390 px phone) and the Roth 5-year-rule timeline.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from html import escape
from typing import Any

from engine.model.knowledge import Rule
from explain.website.diagrams import Ask, Diagram, Step

__all__ = ["diagram_svg", "timeline_svg"]

_DW, _IND, _LINE, _CHARS = 340, 40, 17, 42
_END = "This path ends here."


def _box(y: int, x: int, lines: list[str], css: str, href: str | None) -> tuple[str, int]:
    w = _DW - x - 1
    h = 14 + _LINE * len(lines)
    body = f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="7" class="{css}"/>'
    end = ' class="end"'
    body += "".join(
        f'<text x="{x + 9}" y="{y + 19 + i * _LINE}"{end if t == _END else ""}>{escape(t)}</text>' for i, t in enumerate(lines)
    )
    if href:
        body = f'<a href="{escape(href)}">{body}</a>'
    return body, h


class _Canvas:
    """The SVG parts and the text alternative, drawn top to bottom."""

    def __init__(self, rules: dict[str, Rule], root: str) -> None:
        self.rules, self.root = rules, root
        self.parts: list[str] = []
        self.y = 2
        self.steps: list[dict[str, Any]] = []

    def rule(self, rid: str) -> tuple[str, str | None, str]:
        rule = self.rules.get(rid)
        if rule is None:
            return "(rule not yet written)", None, "missing"
        return rule.title, f"{self.root}rules/{rid}.html", rule.kind

    def group(self, answer: str, ids: tuple[str, ...], stop: bool) -> list[tuple[str, str | None]]:
        """Side boxes for one answer, joined to the spine by a labelled arrow."""
        out = []
        for i, rid in enumerate(ids):
            title, href, css = self.rule(rid)
            lines = textwrap.wrap(title, _CHARS - 4)
            if stop and i + 1 == len(ids):
                lines.append(_END)
            box, h = _box(self.y, _IND, lines, css, href)
            mid = self.y + 16
            self.parts.append(f'<path d="M12,{mid} H{_IND - 2}" class="arrow"/>')
            if i == 0:
                self.parts.append(f'<text x="15" y="{mid - 5}" class="branch">{answer}</text>')
            self.parts.append(box)
            out.append((title, href))
            self.y += h + 8
        return out

    def ask(self, node: Ask) -> str:
        box, h = _box(self.y, 0, textwrap.wrap(node.question, _CHARS + 3), "decision", None)
        self.parts.append(box)
        top = self.y + h
        self.y = top + 12
        answer = node.branch.capitalize()
        opposite = "No" if node.branch == "yes" else "Yes"
        step: dict[str, Any] = {
            "text": node.question,
            "answers": [(answer, self.group(answer, node.outcomes, node.stop), node.stop)],
        }
        if node.other:
            step["answers"].append((opposite, self.group(opposite, node.other, False), False))
        self.parts.append(f'<path d="M12,{top} V{self.y - 20}" class="spine"/>')
        self.steps.append(step)
        self.y -= 8
        return opposite if node.stop else "Then"

    def step(self, node: Step) -> str:
        title, href, css = self.rule(node.rule)
        box, h = _box(self.y, 0, textwrap.wrap(title, _CHARS + 3), css, href)
        self.parts.append(box)
        self.steps.append({"text": title, "href": href, "answers": []})
        self.y += h
        return "Then"

    def arrow(self, label: str) -> None:
        self.parts.append(
            f'<path d="M12,{self.y} V{self.y + 26}" class="arrow"/><text x="20" y="{self.y + 18}" class="branch">{label}</text>'
        )
        self.steps[-1]["next"] = label
        self.y += 30


def diagram_svg(d: Diagram, rules: dict[str, Rule], root: str) -> tuple[str, list[dict[str, Any]]]:
    """One diagram as SVG, and the same path as text (``[{"text", "href"?, "answers": [(answer, [(title, href)], stop)]}]``)."""
    c = _Canvas(rules, root)
    for n, node in enumerate(d.nodes):
        down = c.ask(node) if isinstance(node, Ask) else c.step(node)
        if n + 1 < len(d.nodes):
            following = d.nodes[n + 1]
            c.arrow(following.lead if isinstance(following, Step) and following.lead else down)
    height = c.y + 4
    ident = f"dg-{d.id}"
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_DW} {height}" width="{_DW}" height="{height}" '
        f'class="flowchart" role="group" aria-labelledby="{ident}-title {ident}-desc">'
        f'<title id="{ident}-title">{escape(d.title)}</title>'
        f'<desc id="{ident}-desc">{escape(d.intro)} The same path is written out as text below the diagram.</desc>'
        f'<defs><marker id="{ident}-head" markerWidth="8" markerHeight="8" refX="7" refY="4" orient="auto">'
        f'<path d="M0,0 L8,4 L0,8 z" class="head"/></marker></defs>'
        + "".join(c.parts).replace('class="arrow"/>', f'class="arrow" marker-end="url(#{ident}-head)"/>')
        + "</svg>"
    )
    return svg, c.steps


_W = 780  # width of the timeline, which scrolls inside its figure on a phone


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
