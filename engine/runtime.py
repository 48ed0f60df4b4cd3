"""The one door to durable_rules.

Nothing else in rothkb imports ``durable``. :class:`RulesRuntime` owns a private
``durable.engine.Host`` without its background timer threads (they steal activations), gives
each evaluation a fresh session id that is deleted afterwards, de-duplicates the activations
that ``$or`` produces once per true branch, turns "no rule matched" into an empty result,
surfaces errors that durable_rules swallows inside actions, and serialises evaluations with a
lock (the C engine holds the GIL, so threads gain nothing but must not interleave sessions).
"""

from __future__ import annotations

import itertools
import json
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import durable_rules_engine as _dre
    from durable import engine as _durable

from .errors import EngineFailure

__all__ = ["RulesRuntime", "ChunkSpec", "encode_fact"]


_SENTINEL = "rothkb-session-sentinel"


def _noop(c: Any) -> None:
    """Action of the sentinel rule: nothing to record."""


class _QuietHost(_durable.Host):
    """A Host without the two self-rescheduling Timer threads of the stock Host."""

    def _run(self) -> None:  # pragma: no cover - intentionally empty
        pass


@dataclass(frozen=True)
class ChunkSpec:
    """One ruleset: rule id -> durable condition list, plus each rule's conclusions."""

    name: str
    conditions: dict[str, list[dict[str, Any]]]
    conclude: dict[str, tuple[tuple[str, Any], ...]]
    priority: dict[str, int]
    #: (conclusion, value) pairs that rules of this chunk test; only those are asserted as
    #: facts, because durable_rules rejects a fact that no rule can match.
    consumes: frozenset[tuple[str, Any]] = frozenset()


@dataclass
class _Recorder:
    order: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    concluded: list[tuple[str, str, Any]] = field(default_factory=list)


def _scalar(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        # durable_rules rejects exponent notation (1e-05): always write positional digits.
        return format(value, "f")
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    return json.dumps(str(value), ensure_ascii=False)


def encode_fact(fact: dict[str, Any]) -> str:
    """JSON for one flat fact, numbers written positionally (never ``1e-05``)."""
    return "{" + ",".join(f'"{k}":{_scalar(v)}' for k, v in fact.items()) + "}"


class RulesRuntime:
    """Registered rulesets for one compiled knowledge base; ``run`` is thread-safe."""

    def __init__(self, chunks: Sequence[ChunkSpec]) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._rec: _Recorder | None = None
        definitions: dict[str, dict[str, Any]] = {}
        for chunk in chunks:
            rules = {}
            for rule_id, conds in chunk.conditions.items():
                rules[rule_id] = {"pri": chunk.priority[rule_id], "all": conds,
                                  "run": self._action(rule_id, chunk.conclude.get(rule_id, ()), chunk.consumes)}
            # Sentinel: durable_rules crashes the process ("free(): invalid pointer") when a
            # session whose facts matched nothing is deleted, so every ruleset has a rule that
            # always matches the person fact; it fires last and records nothing.
            rules[_SENTINEL] = {"pri": 65000, "all": [{"m": {"t": "p"}}], "run": _noop}
            definitions[chunk.name] = rules
        self._names = [chunk.name for chunk in chunks]
        self._consumes = [chunk.consumes for chunk in chunks]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            try:
                self._host = _QuietHost(definitions)
            except Exception as exc:  # registration errors are knowledge compile bugs
                raise EngineFailure(f"the rules engine rejected the compiled rules: {exc}") from None
        self._rulesets = [self._host.get_ruleset(name) for name in self._names]

    def _action(self, rule_id: str, conclude: tuple[tuple[str, Any], ...],
                consumes: frozenset[tuple[str, Any]]) -> Any:
        facts = [{"t": "c", "id": f"{rule_id}/{name}", "n": name, "v": value} for name, value in conclude]
        chained = [fact for fact in facts if (fact["n"], fact["v"]) in consumes]

        def run(c: Any) -> None:
            rec = self._rec
            if rec is None or rule_id in rec.seen:  # $or fires once per true branch: keep one
                return
            rec.seen.add(rule_id)
            rec.order.append(rule_id)
            for fact in facts:
                rec.concluded.append((rule_id, fact["n"], fact["v"]))
            for fact in chained:
                c.assert_fact(dict(fact))
        return run

    def run(self, person: dict[str, Any]) -> tuple[list[str], list[tuple[str, str, Any]]]:
        """Fire every ruleset on one person fact.

        Args:
            person: Flat mapping of the names the conditions test (unknown names left out).

        Returns:
            The rule ids in firing order, and the (rule, conclusion, value) triples asserted.

        Raises:
            EngineFailure: the engine reported an error or an action failed.

        """
        with self._lock, warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            rec = self._rec = _Recorder()
            try:
                for ruleset, consumes in zip(self._rulesets, self._consumes, strict=True):
                    self._run_chunk(ruleset, person, rec, consumes)
            finally:
                self._rec = None
            return rec.order, rec.concluded

    def _run_chunk(self, ruleset: Any, person: dict[str, Any], rec: _Recorder,
                   consumes: frozenset[tuple[str, Any]]) -> None:
        sid = f"e{next(self._ids)}"
        facts = [dict(person, t="p", id="p", sid=sid)]
        # Conclusions from earlier chunks are asserted again, so later chunks can chain on them.
        facts += [{"t": "c", "id": f"{r}/{n}", "n": n, "v": v, "sid": sid} for r, n, v in rec.concluded if (n, v) in consumes]
        payload = "[" + ",".join(encode_fact(f) for f in facts) + "]"
        try:
            code, offset = _dre.assert_facts(ruleset._handle, payload)
        except _dre.error as exc:
            raise EngineFailure(f"the rules engine rejected the facts: {exc}") from None
        if code != 0:
            # The sentinel always matches, so this cannot happen; deleting such a session would
            # crash the process, so it is left alone and reported.
            raise EngineFailure(f"the rules engine did not accept the facts (code {code})")
        try:
            errors: list[Any] = []
            ruleset.do_actions(offset, lambda error, state: errors.append(error))
            if errors and errors[0]:
                raise EngineFailure(f"the rules engine failed: {errors[0]}")
            state = ruleset.get_state(sid)
            if "exception" in state:
                # durable_rules appends a Python traceback to the message; keep the message.
                detail = str(state["exception"]).split(", traceback")[0]
                raise EngineFailure(f"a rule action failed: {detail}")
        except _dre.error as exc:
            raise EngineFailure(f"the rules engine failed: {exc}") from None
        finally:
            try:
                ruleset.delete_state(sid)
            except _dre.error:  # pragma: no cover - the session exists: it was just created
                pass

    @property
    def rulesets(self) -> list[str]:
        """Names of the registered rulesets (one per chunk)."""
        return list(self._names)
