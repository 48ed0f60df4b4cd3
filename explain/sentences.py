"""Plain-English sentences for conditions, so a reviewer can read a rule without YAML."""

from __future__ import annotations

from engine.trace import Check, format_value

__all__ = ["OP_WORDS", "describe_check", "label"]

OP_WORDS = {
    "==": "is", "!=": "is not", "<": "is below", "<=": "is at most", ">": "is above",
    ">=": "is at least", "in": "is one of", "not in": "is not one of",
}

_LABELS = {"magi": "MAGI", "hsa_eligible": "HSA-eligible", "ira_basis_prior": "IRA basis from earlier years"}


def label(name: str) -> str:
    """A readable label for a fact or value name: ``pretax_ira_total`` -> ``pre-tax IRA total``.

    Examples:
        >>> label("pretax_ira_total")
        'pre-tax IRA total'

    """
    if name in _LABELS:
        return _LABELS[name]
    words = name.replace("pretax", "pre-tax").split("_")
    fixed = {"ira": "IRA", "iras": "IRAs", "hsa": "HSA", "roth": "Roth", "magi": "MAGI", "sep": "SEP",
             "simple": "SIMPLE", "401k": "401(k)", "fica": "FICA", "hce": "HCE", "hdhp": "HDHP"}
    return " ".join(fixed.get(w, w) for w in words)


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
        verdict = "yes" if check.value is True else "no" if check.value is False else "unknown"
        return f"{described[0].lower() + described[1:].rstrip('.')}: {verdict}"
    if check.value is None:
        value = "unknown"
    elif check.value_type == "bool" or isinstance(check.value, bool):
        value = "yes" if check.value else "no"
    else:
        value = format_value(check.value, check.value_type)
    op, _, rest = check.test.partition(" ")
    if op == "not":
        op, _, rest = ("not in", "", rest.partition(" ")[2])
    if check.threshold_name:
        shown = format_value(check.threshold, check.value_type)
        where = (descriptions or {}).get(check.threshold_name, label(check.threshold_name))
        where = where[0].lower() + where[1:] if where else where
        tail = f"{shown} ({where}{', ' + str(year) if year else ''})"
    elif rest in ("true", "false"):
        return f"{subject}: {value}"
    else:
        tail = rest.replace("_", " ") if check.value_type not in ("money",) else _money(rest)
    return f"{subject} ({value}) {OP_WORDS.get(op, op)} {tail}"


def _money(text: str) -> str:
    try:
        return format_value(int(float(text)), "money")
    except ValueError:
        return text
