"""Validate ``knowledge/interview.yaml`` into an :class:`~engine.model.interview.Interview`.

Every name the plan uses must exist: facts (with "did you mean"), rule ids and topics, figures,
placeholders. A fact may be asked in one place only, so an answer is never asked twice.
"""

from __future__ import annotations

from typing import Any

from engine.load.files import RawKnowledge
from engine.load.yamlio import mark_of
from engine.model.conditions import PLACEHOLDER
from engine.model.interview import Goal, Headline, Interview, Question, QuestionGroup
from engine.model.knowledge import Knowledge
from engine.validate.checker import KEBAB, SNAKE, Checker, kind_of
from engine.validate.schema import GOAL_KEYS, GROUP_KEYS, HEADLINE_KEYS, QUESTION_KEYS
from engine.validate.situation import coerce_fact

__all__ = ["validate_interview"]


class _Plan:
    """The state of one file's validation: where problems go and which facts are already asked."""

    def __init__(self, path: str, check: Checker, kb: Knowledge) -> None:
        self.path, self.check, self.kb = path, check, kb
        self.asked: dict[str, str] = {}
        self.names = set(kb.facts) | set(kb.values) | set(kb.parameters)

    def fact(self, parent: Any, key: Any, where: str, name: Any, types: tuple[str, ...] = ()) -> str | None:
        """A known fact name (of one of ``types`` when given), or None after recording the problem."""
        at = mark_of(parent, key)
        if not isinstance(name, str) or name not in self.kb.facts:
            self.check.unknown_name(self.path, at, where, "fact", name, self.kb.facts)
            return None
        if types and self.kb.facts[name].type not in types:
            self.check.error(
                self.path, at, where, f"'{name}' is a fact of type {self.kb.facts[name].type}; expected {' or '.join(types)}"
            )
            return None
        return name

    def values(self, parent: dict[str, Any], key: str, where: str) -> tuple[tuple[str, Any], ...]:
        """``{fact: value}`` with every value of the fact's type."""
        doc = parent.get(key) or {}
        if not isinstance(doc, dict):
            self.check.error(self.path, mark_of(parent, key), f"{where}.{key}", "expected a mapping of facts to values")
            return ()
        out = []
        for name, raw in doc.items():
            if self.fact(doc, name, f"{where}.{key}.{name}", name):
                value, error = coerce_fact(self.kb.facts[name], raw)
                if error:
                    self.check.error(self.path, mark_of(doc, name), f"{where}.{key}.{name}", error)
                out.append((name, value))
        return tuple(out)

    def question(self, parent: Any, key: Any, where: str, item: Any) -> Question | None:
        """One question: a fact name, or a grouped amount ``{id, facts, text, kinds}``."""
        if isinstance(item, str):
            name = self.fact(parent, key, where, item)
            if name is None:
                return None
            facts: tuple[str, ...] = (name,)
            q = Question(name, facts)
        elif isinstance(item, dict):
            self.check.keys(self.path, item, where, QUESTION_KEYS, ("id", "facts", "text", "kinds"))
            names = [
                self.fact(item.get("facts"), i, f"{where}.facts[{i}]", n, ("money",))
                for i, n in enumerate(item.get("facts") or [])
            ]
            facts = tuple(n for n in names if n)
            kinds = _raw if isinstance(_raw := item.get("kinds"), dict) else {}
            for word, name in kinds.items():
                if name not in facts:
                    self.check.unknown_name(
                        self.path, mark_of(kinds, word), f"{where}.kinds.{word}", "fact of this question", name, facts
                    )
            missing = [n for n in facts if n not in kinds.values()]
            if missing:
                self.check.error(self.path, mark_of(item, "kinds"), f"{where}.kinds", f"no word for {', '.join(missing)}")
            text, help_ = self.check.text(self.path, item, where, "text"), self.check.text(self.path, item, where, "help")
            q = Question(str(item.get("id")), facts, text, help_, tuple((str(w), str(n)) for w, n in kinds.items()))
        else:
            self.check.error(
                self.path, mark_of(parent, key), where, f"expected a fact name or a grouped question, found {kind_of(item)}"
            )
            return None
        for name in q.facts:
            if name in self.asked:
                self.check.error(self.path, mark_of(parent, key), where, f"'{name}' is already asked at {self.asked[name]}")
            self.asked[name] = where
        return q

    def group(self, doc: Any, i: int, groups: Any) -> QuestionGroup | None:
        where = f"groups[{i}]"
        if not isinstance(doc, dict):
            self.check.error(self.path, mark_of(groups, i), where, f"expected a mapping, found {kind_of(doc)}")
            return None
        self.check.keys(self.path, doc, where, GROUP_KEYS, ("id", "title", "questions"))
        gate = None
        if doc.get("gate") is not None and self.fact(doc, "gate", f"{where}.gate", doc["gate"], ("bool", "money")):
            gate = self.question(doc, "gate", f"{where}.gate", doc["gate"])
        if doc.get("when_no") and gate is None:
            self.check.error(self.path, mark_of(doc, "when_no"), f"{where}.when_no", "only a group with a gate has it")
        items = _raw if isinstance(_raw := doc.get("questions"), list) else []
        questions = [self.question(items, j, f"{where}.questions[{j}]", item) for j, item in enumerate(items)]
        order = str(doc.get("order") or "settles-most")
        if order not in ("settles-most", "as-written"):
            self.check.unknown_name(
                self.path, mark_of(doc, "order"), f"{where}.order", "order", order, ("settles-most", "as-written")
            )
        return QuestionGroup(
            str(doc.get("id")),
            self.check.text(self.path, doc, where, "title"),
            tuple(q for q in questions if q),
            gate,
            self.values(doc, "when_no", where),
            order,
            tuple(map(str, doc.get("goals") or ())),
        )

    def goal(self, doc: Any, i: int, goals: Any) -> Goal | None:
        where = f"goals[{i}]"
        if not isinstance(doc, dict):
            self.check.error(self.path, mark_of(goals, i), where, f"expected a mapping, found {kind_of(doc)}")
            return None
        self.check.keys(self.path, doc, where, GOAL_KEYS, ("id", "label", "words"))
        topics = {r.topic for r in self.kb.rules}
        rules = {r.id for r in self.kb.rules}
        figures = {n for n, v in self.kb.values.items() if v.figure}
        for key, known, what in (
            ("topics", topics, "topic"),
            ("also", rules, "rule"),
            ("drop", rules, "rule"),
            ("figures", figures, "figure"),
        ):
            items = doc.get(key) or []
            for j, name in enumerate(items if isinstance(items, list) else [items]):
                if name not in known:
                    self.check.unknown_name(self.path, mark_of(items, j), f"{where}.{key}[{j}]", what, name, sorted(known))
        return Goal(
            str(doc.get("id")),
            self.check.text(self.path, doc, where, "label"),
            tuple(str(w).lower() for w in doc.get("words") or ()),
            tuple(map(str, doc.get("topics") or ())),
            tuple(map(str, doc.get("also") or ())),
            tuple(map(str, doc.get("drop") or ())),
            self.values(doc, "sets", where),
            tuple(map(str, doc.get("figures") or ())),
        )

    def headline(self, rule: Any, doc: Any, parent: Any) -> Headline | None:
        where = f"headlines.{rule}"
        if not isinstance(rule, str) or not KEBAB.match(rule) or rule not in {r.id for r in self.kb.rules}:
            self.check.unknown_name(self.path, mark_of(parent, rule), where, "rule", rule, [r.id for r in self.kb.rules])
            return None
        if not isinstance(doc, dict):
            self.check.error(self.path, mark_of(parent, rule), where, f"expected a mapping, found {kind_of(doc)}")
            return None
        self.check.keys(self.path, doc, where, HEADLINE_KEYS, ("text",))
        example = _raw if isinstance(_raw := doc.get("example"), dict) else {}
        for name, value in example.items():
            self.fact(example, name, f"{where}.example.{name}", name)
            if value not in self.names:
                self.check.unknown_name(self.path, mark_of(example, name), f"{where}.example.{name}", "value", value, self.names)
        for key in ("text", "example_text"):
            for placeholder in PLACEHOLDER.findall(str(doc.get(key) or "")):
                if placeholder not in self.names:
                    self.check.unknown_name(
                        self.path, mark_of(doc, key), f"{where}.{key}", "placeholder", placeholder, self.names
                    )
        if bool(example) != bool(doc.get("example_text")):
            self.check.error(self.path, mark_of(doc), where, "example and example_text go together")
        return Headline(
            rule,
            self.check.text(self.path, doc, where, "text"),
            self.check.text(self.path, doc, where, "example_text"),
            tuple((str(k), str(v)) for k, v in example.items()),
        )


def _ids_unique(plan: _Plan, items: list[Any], key: str) -> None:
    seen: set[str] = set()
    for i, item in enumerate(items):
        ident = item.get("id") if isinstance(item, dict) else None
        if not isinstance(ident, str) or not SNAKE.match(ident):
            plan.check.error(plan.path, mark_of(items, i), f"{key}[{i}].id", "expected a snake_case id")
        elif ident in seen:
            plan.check.error(plan.path, mark_of(items, i), f"{key}[{i}].id", f"'{ident}' is used twice")
        seen.add(str(ident))


def _group_goals(path: str, check: Checker, docs: list[Any], groups: list[QuestionGroup | None], goal_ids: list[str]) -> None:
    """Every goal a group names exists."""
    for doc, group in zip(docs, groups, strict=True):
        for j, goal in enumerate(group.goals if group else ()):
            if goal not in goal_ids:
                where = mark_of(doc.get("goals"), j) if isinstance(doc, dict) else (0, 0)
                check.unknown_name(path, where, f"groups({group.id}).goals[{j}]", "goal", goal, goal_ids)  # type: ignore[union-attr]


def validate_interview(raw: RawKnowledge, check: Checker, kb: Knowledge) -> Interview:
    """The interview plan of the knowledge (empty when there is no ``interview.yaml``)."""
    for path, doc in raw.interview:
        top = check.mapping(path, doc, "")
        if top is None:
            continue
        plan = _Plan(path, check, kb)
        check.keys(path, top, "", ("goals", "groups", "headlines"), ("goals", "groups"))
        lists = {}
        for key in ("goals", "groups"):
            items = top.get(key)
            lists[key] = items if isinstance(items, list) else []
            if not isinstance(items, list):
                check.error(path, mark_of(top, key), key, f"expected a list under '{key}'")
            _ids_unique(plan, lists[key], key)
        goals = [plan.goal(g, i, lists["goals"]) for i, g in enumerate(lists["goals"])]
        groups = [plan.group(g, i, lists["groups"]) for i, g in enumerate(lists["groups"])]
        _group_goals(path, check, lists["groups"], groups, [g.id for g in goals if g])
        heads = _raw if isinstance(_raw := top.get("headlines"), dict) else {}
        headlines = {h.rule: h for h in (plan.headline(r, d, heads) for r, d in heads.items()) if h}
        return Interview(tuple(g for g in goals if g), tuple(g for g in groups if g), headlines)
    return Interview()
