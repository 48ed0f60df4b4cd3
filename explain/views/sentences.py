"""Plain-English sentences for conditions, so a reviewer can read a rule without YAML."""

from __future__ import annotations

from typing import Any

from engine.model import expr
from engine.model.knowledge import Condition, Knowledge, Leaf, Rule
from engine.trace import Check
from engine.trace.formatting import format_value
from explain.views.labels import join_words, label, value_words

__all__ = ["OP_WORDS", "describe_check", "label", "describe_leaf", "describe_condition", "describe_rule"]

OP_WORDS = {
    "==": "is",
    "!=": "is not",
    "<": "is below",
    "<=": "is at most",
    ">": "is above",
    ">=": "is at least",
    "in": "is one of",
    "not in": "is not one of",
}


def describe_check(check: Check, descriptions: dict[str, str] | None = None, year: int | None = None) -> str:
    """One sentence: "your MAGI ($200,000) is at least $165,000 (the end of the phase-out...)".

    Args:
        check: The evaluated condition.
        descriptions: Parameter/value descriptions, to name where a threshold comes from.
        year: The tax year, said next to a parameter threshold.

    """
    subject = f"your {label(check.fact)}"
    described = (descriptions or {}).get(check.fact)
    if (check.value_type == "bool" or isinstance(check.value, bool)) and described and check.test in ("== true", "== false"):
        verdict = "yes" if check.value is True else "no" if check.value is False else "not known yet"
        return f"{described[0].lower() + described[1:].rstrip('.')}: {verdict}"
    if check.value is None:
        value = "not known yet"
    elif check.value_type == "bool" or isinstance(check.value, bool):
        value = "yes" if check.value else "no"
    else:
        value = format_value(check.value, check.value_type)
    op, _, rest = check.test.partition(" ")
    if op == "not":
        op, _, rest = ("not in", "", rest.partition(" ")[2])
    if check.threshold_name:
        where = (descriptions or {}).get(check.threshold_name, label(check.threshold_name))
        where = (where[0].lower() + where[1:]).rstrip(".") if where else where
        when = f", {year}" if year else ""
        if check.threshold is not None:
            tail = f"{format_value(check.threshold, check.value_type)} ({where}{when})"
        elif rest.startswith("no limit"):  # the trace's words for a threshold that does not apply
            tail = f"no limit ({where}{when}: it does not apply)"
        else:  # a figure not computed yet; a decided check holds for every value it can take
            whose = f"{where} for {year}" if year else where
            tail = f"{whose}, whatever that figure turns out to be" if check.holds is not None else f"{whose}, not known yet"
    elif rest in ("true", "false"):
        return f"{subject}: {value}"
    elif rest.startswith("[") and rest.endswith("]"):
        return f"{subject} ({value}) is " + join_words([value_words(w.strip()) for w in rest[1:-1].split(",")], "or")
    else:
        tail = rest.replace("_", " ") if check.value_type not in ("money",) else _money(rest)
    return f"{subject} ({value}) {OP_WORDS.get(op, op)} {tail}"


def _money(text: str) -> str:
    try:
        return format_value(int(float(text)), "money")
    except ValueError:
        return text


# ---------------------------------------------------------------- rules without a person's facts
def _lower(text: str) -> str:
    text = text.strip().rstrip(".")
    return text[:1].lower() + text[1:] if text[1:2].islower() or len(text) < 2 else text


def _type_of(k: Knowledge, name: str) -> str:
    if name in k.facts:
        return k.facts[name].type
    if name in k.values:
        return k.values[name].type
    param = k.parameters.get(name)
    return {"usd": "money", "ratio": "ratio"}.get(param.unit, "") if param else ""


def _operand(k: Knowledge, node: Any, vtype: str, year: int | None) -> str:
    """The right side of a condition in words, with a parameter's figures and sources for a year."""
    if isinstance(node, expr.ListLit):
        words = [_operand(k, item, vtype, year) for item in node.items]
        return ", ".join(words[:-1]) + " or " + words[-1] if len(words) > 1 else words[0]
    if isinstance(node, expr.Name) and node.name in k.parameters:
        param = k.parameters[node.name]
        shown_year = year if year in param.values else max(param.values, default=None)
        what = f"the {_lower(param.description)}" if param.description else label(node.name)
        if shown_year is None:
            return what
        entry = param.values[shown_year]
        if isinstance(entry.value, dict):
            figures = ", ".join(f"{format_value(v, vtype)} for {label(c)}" for c, v in entry.value.items())
        else:
            figures = format_value(entry.value, vtype)
        return f"{what} ({shown_year}: {figures}) [^{entry.source}]"
    if isinstance(node, expr.Name):
        described = _lower(k.values[node.name].description) if node.name in k.values else ""
        return f"your {label(node.name)}" + (f" ({described})" if described else "")
    value = getattr(node, "value", None)
    return format_value(value, vtype) if not isinstance(value, str) else value.replace("_", " ")


def describe_leaf(leaf: Leaf, k: Knowledge, year: int | None = None) -> str:
    """One condition of a rule in plain English, without anyone's facts.

    Examples: "your MAGI is at least the modified AGI at or above which no direct Roth IRA
    contribution is allowed (2025: $165,000 for single, ...) [^notice-2024-80]"; "a conversion
    is made or planned this year: yes".

    Args:
        leaf: The condition.
        k: The knowledge base (for descriptions, types and parameter values).
        year: Year whose parameter values are shown (default: the newest).

    """
    name, right = leaf.name, leaf.right
    if leaf.conclusion:
        cdef = k.conclusions[name]
        producers = [r.id for r in k.rules if any(n == name for n, _ in r.conclude)]
        said = f"{_lower(cdef.description)}: {_operand(k, right, cdef.type, year)}"
        return said.replace(": true", ": yes").replace(": false", ": no") + (
            f" (concluded by {', '.join(producers)})" if producers else ""
        )
    vtype = _type_of(k, name)
    described = k.facts[name].description if name in k.facts else k.values[name].description if name in k.values else ""
    if vtype == "bool" and isinstance(right, expr.Bool) and leaf.op in ("==", "!="):
        yes = right.value == (leaf.op == "==")
        return f"{_lower(described) or 'your ' + label(name)}: {'yes' if yes else 'no'}"
    verb = OP_WORDS[leaf.op]
    return f"your {label(name)} {verb} {_operand(k, right, vtype, year)}"


def describe_condition(cond: Condition, k: Knowledge, year: int | None = None, depth: int = 0) -> list[str]:
    """A condition tree as indented bullet lines ("- ..."), ``any`` groups introduced in words."""
    pad = "  " * depth
    if isinstance(cond, Leaf):
        return [f"{pad}- {describe_leaf(cond, k, year)}"]
    if depth == 0 and cond.op == "all":
        return [line for item in cond.items for line in describe_condition(item, k, year, 0)]
    head = "at least one of these holds:" if cond.op == "any" else "all of these hold:"
    lines = [f"{pad}- {head}"]
    for item in cond.items:
        lines += describe_condition(item, k, year, depth + 1)
    return lines


def describe_rule(rule: Rule, k: Knowledge, year: int | None = None) -> str:
    """A rule in plain English (Markdown), for reviewers who do not read YAML."""
    year = year or (max(k.years) if k.years else None)
    lines = [
        f"# {rule.title}",
        "",
        f"Rule `{rule.id}` ({rule.kind}, importance {rule.importance}, cost {rule.cost}"
        + (f", step {rule.order} of its plan" if rule.order else "")
        + (f", topic {rule.topic}" if rule.topic else "")
        + f"), written in {rule.loc.path}:{rule.loc.line}.",
        "",
        "**Applies when** "
        + ("all of these hold" if isinstance(rule.when, Leaf) or rule.when.op == "all" else "this holds")
        + (f" (figures for {year}):" if year else ":"),
    ]
    lines += describe_condition(rule.when, k, year)
    lines += ["", "**Advice:** " + " ".join(rule.advice.split())]
    if rule.deadline:
        lines += ["", f"**By when:** {rule.deadline}"]
    if rule.done_when:
        lines += ["", f"**Done when given:** {', '.join(rule.done_when.facts)}; then it says: {rule.done_when.says}"]
    if rule.after_fix:
        changes = ", ".join(f"{name} = {expr.render(node)}" for name, node in rule.after_fix.facts)
        lines += ["", f"**After the fix:** with {changes}: {' '.join(rule.after_fix.says.split())}"]
    for name, value in rule.conclude:
        cdef = k.conclusions.get(name)
        shown = ("yes" if value else "no") if isinstance(value, bool) else str(value).replace("_", " ")
        lines += ["", f"**Concludes:** {_lower(cdef.description) if cdef else name}: {shown} (`{name}`)"]
    excludes = getattr(rule, "excludes", ())
    if excludes:
        lines += ["", "**Contradicts:** " + ", ".join(f"`{x}`" for x in excludes)]
    lines += ["", "**Why the rule exists:** " + " ".join(rule.because.split()), "", "**Sources:**"]
    for cite in rule.sources:
        src = k.sources.get(cite.source)
        title = src.title if src else cite.source
        lines.append(
            f"- [^{cite.source}] {title}" + (f", {cite.pinpoint}" if cite.pinpoint else "") + (f" <{src.url}>" if src else "")
        )
    return "\n".join(lines) + "\n"
