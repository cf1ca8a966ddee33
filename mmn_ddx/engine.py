"""The engines that decide which rules fire: durable_rules, and a plain-Python oracle.

Both take the same compiled targets — (key, condition, also_false) — and return, for one case,
the targets whose condition came out true (and, where asked, false), in the targets' order. The durable
engine is the product; the plain one is the independent check the tests compare it with, the
speed reference of the benchmark, and the fast path for what-if questions.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Mapping, Sequence

from mmn_ddx.conditions import All, Any_, AtLeast, Condition, Not, Ref, evaluate, refs_of, result_field, to_durable, to_fact, unknown_tests
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
        memo: dict = {}
        for target in self.targets:
            truth = evaluate(target.condition, findings, memo)
            if truth is True or (truth is False and target.also_false):
                fired.append((target.key, truth))
        return fired


class DurableEngine:
    """One durable_rules ruleset compiled from the targets; each case is evaluated in its own state.

    A target that refers to another (a criterion category built from its elements) is matched in a
    later round: the case's fact is asserted once per round, each round's fact carrying the
    outcomes of the rounds before as `r__<key>` fields. This keeps each pattern small — durable_rules
    refuses a pattern of more than 31 expressions — and lets the engine chain elements into
    categories itself.
    """

    name = "durable"
    _names = itertools.count(1)

    def __init__(self, targets: Sequence[Target], vocabulary: Vocabulary):
        self.vocabulary = vocabulary
        self.public = {t.key for t in targets}
        self.targets = [piece for t in targets for piece in self._decompose(t)]
        self._unknown_fields = frozenset().union(*(unknown_tests(t.condition) for t in self.targets)) if self.targets else frozenset()
        self._results: dict[str, list] = {}
        self._lock = threading.Lock()
        self._sids = itertools.count(1)
        self.rounds = self._rounds()
        # Each engine has its own host, so its ruleset name is its own too.
        self.ruleset = f"mmn_ddx_{next(self._names)}"
        rules: dict[str, dict] = {}
        priority = 0
        for target in self.targets:
            round_ = self.rounds[target.key]
            for truth, part in self._patterns(target):
                priority += 1
                rules[f"r{priority}"] = {
                    "all": [{"m": {"$and": [{"__round": round_}, part]}}],
                    "run": self._recorder(target.key, truth),
                    "pri": priority,
                }
        # Every case fact must be handled, or durable_rules raises MessageNotHandledException.
        rules["catch-all"] = {"all": [{"m": {"$ex": {"__case": 1}}}], "run": _ignore, "pri": priority + 1}
        self.last_round = max(self.rounds.values(), default=0)
        # Later rounds assert only the fields their patterns read: every callback parses the
        # matched fact, so a small fact is a fast one.
        self._round_fields: dict[int, set] = {}
        for target in self.targets:
            fields = self._round_fields.setdefault(self.rounds[target.key], set())
            for _, pattern in self._patterns(target):
                fields.update(_fields(pattern))
        self._order = {key: i for i, key in enumerate(t.key for t in targets)}
        self.host = _synchronous_host_class()()
        try:
            self.host.set_rulesets({self.ruleset: rules})
        except Exception as error:  # durable_rules says only "error code 113"; name the culprit
            raise ValueError(f"durable_rules refused the compiled rules ({error}); {self._too_large()}") from None

    def _patterns(self, target: Target) -> list[tuple[bool, dict]]:
        """(truth, pattern) for each durable_rules rule the target needs."""
        forms = (True, False) if target.also_false else (True,)
        return [(truth, part) for truth in forms
                for part in _split(to_durable(target.condition, self.vocabulary, truth, refs_as_fields=True))]

    def _decompose(self, target: Target) -> list[Target]:
        """A target too large for durable_rules' patterns, with its composite parts lifted out.

        Each composite part (all / any / at_least / not) becomes a hidden target of its own,
        matched in an earlier round, whose outcome the parent reads as a field: the same
        three-valued logic, in patterns of a few expressions each.
        """
        forms = (True, False) if target.also_false else (True,)
        try:
            patterns = [p for truth in forms
                        for p in _split(to_durable(target.condition, self.vocabulary, truth, refs_as_fields=True), MAX_SPLIT)]
            if len(patterns) <= MAX_SPLIT and all(_size(p) < PATTERN_LIMIT for p in patterns):
                return [target]
        except _TooMany:
            pass
        cond = target.condition
        if isinstance(cond, Ref):
            cond = cond.item
        if not isinstance(cond, (All, Any_, AtLeast, Not)):
            return [target]  # a leaf cannot be made smaller; creating the ruleset will say so
        hidden: list[Target] = []
        items = (cond.item,) if isinstance(cond, Not) else cond.items
        lifted = []
        for i, item in enumerate(items):
            if isinstance(item, (All, Any_, AtLeast, Not)):
                key = f"{target.key}#{i}"
                hidden.extend(self._decompose(Target(key, item, also_false=True)))
                lifted.append(Ref(key, item))
            else:
                lifted.append(item)
        if isinstance(cond, Not):
            smaller = Not(lifted[0])
        elif isinstance(cond, AtLeast):
            smaller = AtLeast(cond.n, tuple(lifted))
        else:
            smaller = type(cond)(tuple(lifted))
        return hidden + [Target(target.key, smaller, target.also_false)]

    def _rounds(self) -> dict[str, int]:
        """Round 0 for targets over findings only; one more than the deepest target referred to."""
        by_key = {t.key: t for t in self.targets}
        rounds: dict[str, int] = {}

        def round_of(key: str, seen: tuple = ()) -> int:
            if key in rounds:
                return rounds[key]
            if key in seen:
                raise ValueError(f"rule {key} refers to itself")
            refs = [r for r in refs_of(by_key[key].condition) if r in by_key]
            rounds[key] = 1 + max(round_of(r, seen + (key,)) for r in refs) if refs else 0
            return rounds[key]

        for target in self.targets:
            round_of(target.key)
        return rounds

    def _too_large(self) -> str:
        big = [t.key for t in self.targets if any(_size(p) >= PATTERN_LIMIT for _, p in self._patterns(t))]
        return "too complex for one pattern: " + ", ".join(big) + " (split it into elements)" if big else "no pattern looks too large"

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
            fired: list = []
            self._results[sid] = fired
            fact = to_fact(findings, self.vocabulary, self._unknown_fields)
            fact["sid"] = sid
            try:
                for round_ in range(self.last_round + 1):
                    for key, truth in fired:
                        fact[result_field(key)] = truth
                    if round_ == 0:
                        this = dict(fact)
                    else:
                        wanted = self._round_fields.get(round_, ())
                        this = {k: v for k, v in fact.items() if k in wanted}
                        this["sid"] = sid
                        this["__case"] = 1
                    this["__round"] = round_
                    self.host.assert_fact(self.ruleset, this)
                # the order of the rule files (durable_rules fires round by round)
                return sorted((e for e in fired if e[0] in self.public), key=lambda e: (self._order[e[0]], not e[1]))
            finally:
                self._results.pop(sid, None)
                self.host.delete_state(self.ruleset, sid)


PATTERN_LIMIT = 30  # durable_rules allows 31 expressions in one pattern (MAX_SEQUENCE_EXPRESSIONS 32)
MAX_SPLIT = 16  # beyond this many rules for one target, lifting parts out is cheaper (measured: 8 → 16 gave +23 % cases/s)


class _TooMany(Exception):
    """Splitting would need more rules than allowed: the caller lifts parts out instead."""


def _split(pattern: dict, limit: int | None = None) -> list[dict]:
    """Patterns small enough for durable_rules that together match what `pattern` matches.

    A top-level `$or` becomes one rule per branch (same target); a conjunction still too large
    has its largest `$or` distributed over it (a ∧ (b ∨ c) = (a ∧ b) ∨ (a ∧ c)) until it fits.
    With `limit`, raises _TooMany as soon as more than `limit` patterns would be needed, before
    the distribution grows combinatorially.
    """
    found: list[dict] = []

    def visit(node: dict) -> None:
        if set(node) == {"$or"}:
            for branch in node["$or"]:
                visit(branch)
            return
        parts = node.get("$and") if set(node) == {"$and"} else None
        ors = [i for i, part in enumerate(parts) if set(part) == {"$or"}] if parts else []
        if _size(node) < PATTERN_LIMIT or not ors:
            found.append(node)
            if limit is not None and len(found) > limit:
                raise _TooMany
            return
        widest = max(ors, key=lambda i: _size(parts[i]))
        rest = parts[:widest] + parts[widest + 1:]
        for branch in parts[widest]["$or"]:
            visit({"$and": rest + [branch]})

    visit(pattern)
    return found


def _fields(pattern) -> set:
    """The fact fields a durable_rules pattern reads."""
    found: set = set()
    if isinstance(pattern, dict):
        for key, value in pattern.items():
            if key.startswith("$"):
                if isinstance(value, list):
                    for item in value:
                        found |= _fields(item)
                else:
                    found |= _fields(value)
            else:
                found.add(key)
    return found


def _size(pattern) -> int:
    """Roughly how many expressions durable_rules needs for a pattern (its limit is 31)."""
    if isinstance(pattern, dict):
        total = 0
        for key, value in pattern.items():
            if key in ("$and", "$or"):
                total += 2 + sum(_size(v) for v in value)
            elif isinstance(value, dict) and key.startswith("$"):
                total += _size(value) if key in ("$and", "$or") else 1
            else:
                total += 1
        return total
    return 1


@lru_cache(maxsize=1)
def _synchronous_host_class():
    from durable.engine import Host  # imported here: only commands that evaluate pay for it

    class SynchronousHost(Host):
        """A durable_rules host without its background dispatch threads.

        durable_rules' Host polls every ruleset from two timer threads; those race with the
        synchronous assert / delete of this engine on the same state and fail at random
        (error 307, "node deleted", seen here once in 100,000 cases). Every action here runs
        inside assert_fact, so the threads have nothing to do.
        """

        def _run(self) -> None:
            return None

    return SynchronousHost


def _ignore(context) -> None:
    return None


ENGINES = {"durable": DurableEngine, "plain": PlainEngine}
