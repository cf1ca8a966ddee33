"""The engines that decide which rules fire: durable_rules, and a plain-Python oracle.

Both take the same compiled targets — (key, condition, also_false) — and return, for one case,
the targets whose condition came out true (and, where asked, false) in firing order. The durable
engine is the product; the plain one is the independent check the tests compare it with, the
speed reference of the benchmark, and the fast path for what-if questions.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from mmn_ddx.conditions import Condition, evaluate, to_durable, to_fact, unknown_tests
from mmn_ddx.vocabulary import Vocabulary


@dataclass(frozen=True)
class Target:
    key: str
    condition: Condition
    also_false: bool = False  # criteria elements need "failed" as well as "met"


Outcome = list  # [(key, True | False)] in firing order


class PlainEngine:
    """Evaluates each target's condition in Python, in target order."""

    name = "plain"

    def __init__(self, targets: Sequence[Target], vocabulary: Vocabulary):
        self.targets = list(targets)

    def run(self, findings: Mapping[str, Any]) -> Outcome:
        fired = []
        for target in self.targets:
            truth = evaluate(target.condition, findings)
            if truth is True or (truth is False and target.also_false):
                fired.append((target.key, truth))
        return fired


class DurableEngine:
    """One durable_rules ruleset compiled from the targets; each case is a fact in its own state."""

    name = "durable"
    _names = itertools.count(1)

    def __init__(self, targets: Sequence[Target], vocabulary: Vocabulary):
        from durable.lang import get_host  # imported here: only commands that evaluate pay for it

        self.vocabulary = vocabulary
        self.targets = list(targets)
        self._unknown_fields = frozenset().union(*(unknown_tests(t.condition) for t in self.targets)) if self.targets else frozenset()
        self._results: dict[str, list] = {}
        self._lock = threading.Lock()
        self._sids = itertools.count(1)
        # A ruleset name can be registered once per process: every engine gets its own.
        self.ruleset = f"mmn_ddx_{next(self._names)}"
        rules: dict[str, dict] = {}
        priority = 0
        for target in self.targets:
            forms = [(True, "t")] + ([(False, "f")] if target.also_false else [])
            for truth, suffix in forms:
                priority += 1
                rules[f"{suffix}{priority}"] = {
                    "all": [{"m": to_durable(target.condition, vocabulary, truth)}],
                    "run": self._recorder(target.key, truth),
                    "pri": priority,  # fire in target order, so the trace reads like the rule files
                }
        # Every case fact must be handled, or durable_rules raises MessageNotHandledException.
        rules["catch-all"] = {"all": [{"m": {"$ex": {"__case": 1}}}], "run": _ignore, "pri": priority + 1}
        self.host = get_host()
        self.host.set_rulesets({self.ruleset: rules})

    def _recorder(self, key: str, truth: bool):
        entry = (key, truth)

        def record(context) -> None:
            # An `$or` whose branches both hold makes durable_rules fire the rule once per branch.
            fired = self._results[context.m.sid]
            if entry not in fired:
                fired.append(entry)

        return record

    def run(self, findings: Mapping[str, Any]) -> Outcome:
        with self._lock:
            sid = str(next(self._sids))
            self._results[sid] = []
            fact = to_fact(findings, self.vocabulary, self._unknown_fields)
            fact["sid"] = sid
            try:
                self.host.assert_fact(self.ruleset, fact)
                return self._results[sid]
            finally:
                self._results.pop(sid, None)
                self.host.delete_state(self.ruleset, sid)


def _ignore(context) -> None:
    return None


ENGINES = {"durable": DurableEngine, "plain": PlainEngine}
