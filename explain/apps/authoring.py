"""Commands for authors of the knowledge base: ``rothkb schema``, ``rothkb new rule``, ``rothkb show``.

Authors are planners and tax preparers, not programmers: every refusal says what was wrong and
what to type instead, and exits with 2 (a usage error) without touching any file.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

from engine import UsageError, default_knowledge_dir, load_knowledge
from engine.errors import KnowledgeError, suggest
from engine.load.files import read_document
from engine.load.yamlio import mark_of
from engine.model.functions import DESCRIPTIONS
from engine.validate.schema import KINDS, all_schemas, dump, schema, schema_comment
from explain.io import atomic_write
from explain.views.sentences import describe_rule

__all__ = ["configure", "cmd_schema", "cmd_new", "cmd_show", "new_rule"]

KEBAB = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def configure(command: str, p: argparse.ArgumentParser) -> Any:
    """Arguments of ``rothkb schema``, ``new`` or ``show``; returns the handler."""
    if command == "schema":
        p.add_argument("kind", nargs="?", choices=KINDS, metavar="KIND", help=f"one of: {', '.join(KINDS)}")
        p.add_argument("--write", metavar="DIR", help="write one KIND.schema.json per kind into DIR instead")
        return cmd_schema
    if command == "new":
        p.add_argument("what", choices=("rule",), metavar="rule")
        p.add_argument("id", metavar="ID", help="the new rule's id, in kebab-case (e.g. roth-ira-deadline)")
        p.add_argument("--topic", help="topic; the rule goes in rules/TOPIC.yaml (default: rules/new.yaml)")
        return cmd_new
    p.add_argument("what", choices=("rule", "functions"), metavar="rule|functions")
    p.add_argument("id", nargs="?", metavar="ID", help="the rule id (for 'show rule')")
    p.add_argument("--year", type=int, help="show parameter figures for this year (default: the newest)")
    return cmd_show


def cmd_schema(args: argparse.Namespace) -> int:
    """``rothkb schema [KIND] [--write DIR]``."""
    if args.write:
        folder = Path(args.write)
        folder.mkdir(parents=True, exist_ok=True)
        for kind in KINDS:
            atomic_write(folder / f"{kind}.schema.json", dump(schema(kind)).encode("utf-8"))
        print(f"wrote {len(KINDS)} schemas to {folder}")
        return 0
    sys.stdout.write(dump(schema(args.kind) if args.kind else all_schemas()))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """``rothkb show rule ID [--year N]`` and ``rothkb show functions``."""
    if args.what == "functions":
        print("Functions you can use in formulas (values.yaml):")
        for text in DESCRIPTIONS.values():
            print(f"  {text}")
        return 0
    kb = load_knowledge(args.knowledge)
    ids = [r.id for r in kb.knowledge.rules]
    if not args.id:
        raise UsageError("rothkb show rule: which rule? e.g. 'rothkb show rule backdoor-roth-needed'")
    if args.id not in ids:
        hint = suggest(args.id, ids)
        raise UsageError(f"rothkb show rule: no rule '{args.id}'" + (f" (did you mean '{hint}'?)" if hint else ""))
    if args.year is not None and args.year not in kb.knowledge.years:
        years = kb.knowledge.years
        raise UsageError(f"rothkb show rule: --year {args.year} is not covered; rothkb has figures for {years[0]}-{years[-1]}")
    sys.stdout.write(describe_rule(kb.knowledge.rule(args.id), kb.knowledge, args.year))
    return 0


def cmd_new(args: argparse.Namespace) -> int:
    """``rothkb new rule ID [--topic TOPIC]``."""
    root = Path(args.knowledge) if args.knowledge else default_knowledge_dir()
    rule_at, test_at = new_rule(root, args.id, args.topic)
    print(f"wrote rule '{args.id}' to {rule_at} and a test to {test_at}")
    print("Next: replace every TODO (rothkb check warns until you do), then run 'rothkb check' and 'rothkb test'.")
    return 0


def _existing_ids(root: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for path in sorted(root.glob("rules/*.yaml")):
        try:
            doc = read_document(path, str(path), inside=root)[1]
        except KnowledgeError:
            continue  # rothkb check reports broken files; the id check needs the readable ones
        items = doc.get("rules") if isinstance(doc, dict) else None
        for i, item in enumerate(items if isinstance(items, list) else []):
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                found[item["id"]] = f"{path}:{mark_of(items, i)[0]}"
    return found


def _primary_source(root: Path) -> str:
    try:
        doc = read_document(root / "sources.yaml", "sources.yaml", inside=root)[1]
        entries = doc["sources"].items()
    except (KnowledgeError, KeyError, TypeError, AttributeError):
        return "TODO-source-id"
    preferred = [sid for sid, e in entries if isinstance(e, dict) and e.get("kind") in ("statute", "regulation")]
    return preferred[0] if preferred else next(iter(dict(entries)), "TODO-source-id")


def _append(path: Path, relative: str, header: str, item: str, key: str, wanted: str) -> str:
    """Append one list item to ``path`` (creating it), check it parses; return ``path:line``."""
    old = path.read_text(encoding="utf-8") if path.exists() else None
    if old is None:
        text = f"{schema_comment(relative)}\n{header}\n{key}:\n"
    else:
        text = old if old.endswith("\n") else old + "\n"
    indent = re.search(r"^( *)- ", text, re.MULTILINE)
    pad = indent.group(1) if indent else "  "
    line = text.count("\n") + 2
    text += "\n" + "".join(pad + row + "\n" if row else "\n" for row in item.splitlines())
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, text.encode("utf-8"))  # an interrupted write must not cut a knowledge file in half
    try:
        doc = read_document(path, str(path))[1]
        if not any(wanted in str(entry.values()) for entry in doc[key]):
            raise KeyError(wanted)
    except (KnowledgeError, KeyError, TypeError, AttributeError):
        if old is None:
            path.unlink()
        else:
            atomic_write(path, old.encode("utf-8"))
        raise UsageError(
            f"rothkb new: could not add to {path}: it does not end with a '{key}:' list; "
            f"add the skeleton by hand (see knowledge/README.md)"
        ) from None
    return f"{path}:{line}"


def new_rule(root: Path, rule_id: str, topic: str | None = None) -> tuple[str, str]:
    """Write a skeleton rule and a skeleton scenario test for it into a knowledge folder.

    Raises:
        UsageError: the id is not kebab-case or is taken, or the topic is not a simple name.

    Returns:
        ``path:line`` of the new rule and of the new test.

    """
    if not KEBAB.match(rule_id):
        fixed = re.sub(r"[^a-z0-9]+", "-", rule_id.lower()).strip("-")
        raise UsageError(
            f"rothkb new rule: '{rule_id}' is not a valid rule id: use lowercase words and digits "
            f"joined by '-'" + (f", such as '{fixed}'" if fixed else "")
        )
    if topic is not None and not KEBAB.match(topic.replace("_", "-")):
        raise UsageError(f"rothkb new rule: --topic '{topic}' is not a simple name such as 'pro-rata'")
    if not root.is_dir():
        raise UsageError(f"rothkb new rule: knowledge folder not found: {root}")
    taken = _existing_ids(root)
    if rule_id in taken:
        raise UsageError(f"rothkb new rule: a rule '{rule_id}' already exists ({taken[rule_id]}); choose another id")
    stem = (topic or "new").replace("-", "_")
    years = [int(y) for y in re.findall(r"^\s+(20\d\d):", _read(root / "parameters"), re.MULTILINE)] or [2025]
    year = max(years)
    rule = _RULE.format(id=rule_id, topic=topic or "new", source=_primary_source(root), year=min(years))
    rule_at = _append(
        root / "rules" / f"{stem}.yaml", f"rules/{stem}.yaml", "# Rules added with rothkb new.", rule, "rules", rule_id
    )
    test = _TEST.format(id=rule_id, year=year)
    test_at = _append(
        root / "tests" / f"{stem}.yaml",
        f"tests/{stem}.yaml",
        "# Scenario tests for the rules in rules/" + f"{stem}.yaml.",
        test,
        "tests",
        rule_id,
    )
    return rule_at, test_at


def _read(folder: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.yaml"))) if folder.is_dir() else ""


_RULE = """- id: {id}
  title: "TODO: the advice in one line"
  kind: info            # action | warning | info
  importance: 50        # 1-100: order in the explanation
  topic: {topic}
  when:
    all:
      - tax_year >= {year}   # replace with the real conditions, e.g. magi >= roth_phaseout_end
  then:
    advice: "TODO: what to do, with placeholders such as {{magi}}"
  because: "TODO: why the rule exists, in plain words"
  sources:
    - {{id: {source}, pinpoint: "TODO: the section, line or page you rely on"}}"""

_TEST = """- name: "{id}: TODO describe the situation"
  facts: {{tax_year: {year}}}
  fires: [{id}]"""
