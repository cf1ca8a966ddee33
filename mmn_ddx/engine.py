"""The engines that decide which rules fire: durable_rules, and a plain-Python oracle.

Both take the same compiled targets — (key, condition, also_false) — and return, for one case,
the targets whose condition came out true (and, where asked, false), in the targets' order. The durable
engine is the product; the plain one is the independent check the tests compare it with, the
speed reference of the benchmark, and the fast path for what-if questions.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Sequence

try:
    import orjson  # writes each fact for durable_rules (_DUMPS)
except ImportError:  # a platform without its wheel
    orjson = None

from mmn_ddx import alpha, conditions
from mmn_ddx.conditions import (
    All, Any_, AtLeast, Condition, Not, Ref, count_field, evaluate, refs_of, region_field, result_field, to_durable,
    unknown_field, unknown_tests,
)
from mmn_ddx.errors import EngineError, InputError, Problem
from mmn_ddx.files import cache_file, save_cache_file
from mmn_ddx.vocabulary import Vocabulary


@dataclass(frozen=True)
class Target:
    key: str
    condition: Condition
    also_false: bool = False  # criteria elements need "failed" as well as "met"


Outcome = list  # [(key, True | False)] in target order (the order of the rule files), whichever engine ran


def fired_keys(outcome: Outcome) -> list[str]:
    """The keys of the targets whose condition holds (not those reported false), in order."""
    return [key for key, truth in outcome if truth is True]


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
    """durable_rules decides which targets fire; this class compiles them and drives its C core.

    A target that refers to another (a criterion category built from its elements) is matched in a
    later round: the case's facts are asserted once per round, each round's facts carrying the
    outcomes of the rounds before as `r__<key>` fields. This keeps each pattern small — durable_rules
    refuses a pattern of more than 31 expressions — and lets the engine chain elements into
    categories itself.

    Within a round the targets are packed into parts, each matched by a fact of its own (`__p`),
    so that no fact can walk more of the alpha network at once than durable_rules' fixed stack
    holds (mmn_ddx.alpha, docs/engine-limits.md). A rule book that could overflow it is refused
    here, when it is compiled, naming the rule.

    The C module `durable_rules_engine` is driven directly (assert, then start / complete each
    action, reading which rule fired from the action's name): the same engine as durable's Host,
    without a Python closure and a parse of the matched fact per fired rule. Each part is a ruleset
    of its own, and what crosses into the C core uses short names (_Wire). Cases share one state
    id, dropped every DELETE_EVERY cases; after any error the rulesets and their states are
    dropped and rebuilt, never used again.
    """

    name = "durable"
    DELETE_EVERY = 256
    _names = itertools.count(1)

    def __init__(self, targets: Sequence[Target], vocabulary: Vocabulary):
        self.vocabulary = vocabulary
        # (key, truth) of each public target -> its place in an outcome: target order, true before false
        self._rank = {(t.key, truth): 2 * i + (not truth) for i, t in enumerate(targets) for truth in (True, False)}
        self._domains = fact_domains(vocabulary)
        self._part_domains = _Domains({**self._domains, PART: alpha.Domain((0,))})
        self._alone: dict[Target, int] = {}
        self._compiled_patterns: dict[int, tuple] = {}  # id(target) -> (target, _patterns(target))
        # Bounding the alpha stack is the slow part of compiling (about 0.2 s for the bundled book);
        # the result depends only on the targets, the fact domains and this compiler, so a checked
        # packing is kept on disk under their digest and reused by the next process.
        digest = self._digest(targets)
        packing = _load_packing(digest)
        self._known_alone: dict[str, int] = packing["alone"] if packing is not None else {}
        self.targets = [piece for t in targets for piece in self._decompose(t)]
        unknown = set().union(*(unknown_tests(t.condition) for t in self.targets)) if self.targets else set()
        self._unknown_fields = tuple(sorted(unknown))  # sorted: the same fact under every hash seed
        self.rounds = self._rounds()
        self.last_round = max(self.rounds.values(), default=0)
        self._lock = threading.Lock()
        if packing is None:
            for target in self.targets:
                self._check_alone(target)
        # rule index -> (target key, truth); parts: (round, part id, fields its patterns read)
        self._fired_as: list[tuple[str, bool]] = []
        self.parts: list[tuple[int, int, tuple[str, ...]]] = []
        rules: dict[str, dict] = {}
        rules_of_part: list[list[str]] = []
        by_key = {t.key: t for t in self.targets}
        packed: list[list[list[str]]] = []
        for round_ in range(self.last_round + 1):
            in_round = [t for t in self.targets if self.rounds[t.key] == round_]
            if packing is not None:
                groups = [[by_key[key] for key in group] for group in packing["rounds"][round_]]
            else:
                groups = alpha.pack(in_round, self._named_patterns, self._part_domains)
            packed.append([[t.key for t in group] for group in groups])
            for group in groups:
                part = len(self.parts)
                fields: set = set()
                rules_of_part.append([])
                for target in group:
                    for truth, pattern in self._patterns(target):
                        fields |= _fields(pattern)
                        name = f"r{len(self._fired_as)}"
                        rules[name] = {"all": [{"m": {"$and": [{PART: part}, pattern]}}]}
                        rules_of_part[-1].append(name)
                        self._fired_as.append((target.key, truth))
                self.parts.append((round_, part, tuple(sorted(fields))))
        if packing is None:
            self._check_network(rules)
            _save_packing(digest, {"rounds": packed, "stack_bound": self.stack_bound,
                                   "alone": {t.key: b for t, b in self._alone.items()}})
        else:
            self.stack_bound = packing["stack_bound"]
        self._wire = _Wire(rules, self._domains, vocabulary, self._unknown_fields)
        self._result_on_wire = [self._wire.names.get(result_field(key)) for key, _ in self._fired_as]
        on_wire = self._wire.rules(rules)
        # One durable ruleset a part: each time an action is started or completed, durable_rules scans
        # every rule of the ruleset for pending results, so a ruleset of a part's rules (a ninth of
        # the whole) makes the hundred or so actions of a case that much cheaper.
        self._definitions = [json.dumps({name: on_wire[name] for name in names}, ensure_ascii=False)
                             for names in rules_of_part]
        self._wire_parts = [(part, tuple(self._wire.names[f] for f in fields)) for _, part, fields in self.parts]
        self._handles: list[int] = []
        self._cases = 0
        self._sid = ""
        self._open()

    # ------------------------------------------------------------------ compile-time limits
    def _digest(self, targets: Sequence[Target]) -> str:
        """What compiling depends on: the targets, the fact domains, the limits and this compiler's code."""
        h = hashlib.sha256()
        for source in (alpha.__file__, conditions.__file__, __file__):
            h.update(Path(source).read_bytes())
        h.update(repr((alpha.STACK_SIZE, alpha.STACK_BUDGET, alpha.MAX_FACT_PROPERTIES)).encode())
        h.update(repr(sorted((k, repr(v)) for k, v in self._part_domains.items())).encode())
        for target in targets:
            h.update(repr((target.key, target.also_false, target.condition)).encode())
        return h.hexdigest()

    def _named_patterns(self, target: Target) -> list[tuple[str, dict]]:
        return [(target.key, {"$and": [{PART: 0}, pattern]}) for _, pattern in self._patterns(target)]

    def _bound_alone(self, target: Target) -> int:
        if target.key in self._known_alone:  # from a packing checked by an earlier process
            return self._known_alone[target.key]
        found = self._alone.get(target)
        if found is None:
            network = alpha.Network()
            for name, pattern in self._named_patterns(target):
                network.add(name, pattern)
            found = self._alone[target] = network.stack_bound(self._part_domains)
        return found

    def _check_alone(self, target: Target) -> None:
        """Refuse a rule that alone could overflow durable_rules' stack: no packing can help it."""
        bound = self._bound_alone(target)
        if bound > alpha.STACK_BUDGET:
            raise InputError(Problem(
                None, None,
                f"rule '{_rule_name(target.key)}' is too wide for durable_rules: one case could put {bound} "
                f"alpha nodes on its stack at once (the engine holds {alpha.STACK_SIZE}; rules may use "
                f"{alpha.STACK_BUDGET}, see docs/engine-limits.md).",
                "Split it into smaller rules (or criterion elements), or compare a number with fewer thresholds.",
            ))

    def _check_network(self, rules: dict) -> None:
        """The whole ruleset as durable_rules will build it: within the stack and property limits."""
        network = alpha.Network()
        for name, rule in rules.items():
            network.add(name, rule["all"][0]["m"])
        domains = _Domains({**self._domains, PART: alpha.Domain(tuple(range(len(self.parts))))})
        bound = network.stack_bound(domains)
        if bound > alpha.STACK_BUDGET:  # packing keeps every part within the budget: a bug if not
            culprits = sorted({_rule_name(self._fired_as[int(n[1:])][0]) for n in network.worst_path(domains)})
            raise InputError(Problem(None, None, f"the compiled rules could put {bound} alpha nodes on durable_rules' "
                                     f"stack (limit {alpha.STACK_BUDGET}); widest part: {', '.join(culprits[:8])}.",
                                     "Split the widest rules into smaller ones."))
        self.stack_bound = bound
        widest = max((len(fields) for _, _, fields in self.parts), default=0) + 3  # + __p, sid, __n
        if widest > alpha.MAX_FACT_PROPERTIES:
            raise InputError(Problem(None, None, f"a compiled fact would carry {widest} properties; durable_rules "
                                     f"takes {alpha.MAX_FACT_PROPERTIES}.", "Split the rules into smaller ones."))

    # ------------------------------------------------------------------ the C module
    def _open(self) -> None:
        """Fresh rulesets in durable_rules' C core, one a part (their names unique in the process)."""
        engine = _c_module()
        self.ruleset = f"mmn_ddx_{next(self._names)}"
        try:
            for part, definition in enumerate(self._definitions):
                self._handles.append(engine.create_ruleset(f"{self.ruleset}_{part}", definition))
        except Exception as error:  # durable_rules says only "error code 113"; name the culprit
            self._delete_rulesets()
            raise InputError(Problem(None, None, f"durable_rules refused the compiled rules ({error}); {self._too_large()}")) from None
        self._new_state()

    def _new_state(self) -> None:
        self._sid = f"s{next(self._names)}"
        self._cases = 0

    def _drop(self) -> None:
        """After an error: never touch these rulesets' states again; build fresh rulesets."""
        self._delete_rulesets()
        self._open()

    def _delete_rulesets(self) -> None:
        engine = _c_module()
        handles, self._handles = self._handles, []
        for handle in handles:
            try:
                engine.delete_ruleset(handle)
            except Exception:
                pass  # its memory may be damaged; it is abandoned either way

    def run(self, findings: Mapping[str, Any]) -> Outcome:
        with self._lock:
            try:
                fired = self._run(findings)
            except Exception as error:
                self._drop()
                raise EngineError(f"durable_rules failed ({type(error).__name__}: {error})") from error
            rank = self._rank
            return sorted([e for e in fired if e in rank], key=rank.__getitem__)

    def _run(self, findings: Mapping[str, Any]) -> list:
        engine = _c_module()
        handles = self._handles
        if self._cases >= self.DELETE_EVERY:
            for handle in handles:
                engine.delete_state(handle, self._sid)
            self._new_state()
        self._cases += 1
        case_no = self._cases
        sid = self._sid
        fact = self._wire.fact(findings)
        seen: set = set()
        fired: list = []
        fired_as = self._fired_as
        result_on_wire = self._result_on_wire
        dumps = _DUMPS
        # Parts are in round order, and a part reads only the outcomes of earlier rounds.
        for part, fields in self._wire_parts:
            handle = handles[part]
            this = {field: fact[field] for field in fields if field in fact}
            this[PART] = part
            this["sid"] = sid
            this["__n"] = case_no
            code, offset = engine.assert_fact(handle, dumps(this))
            if code == 1:  # no rule of this part matched
                continue
            if code != 0:  # 2: seen before (never, with __n)
                raise RuntimeError(f"assert_fact returned {code}")
            result = engine.start_action_for_state(handle, offset)
            message = result[1] if result else None
            while message:
                rule = int(message[3:message.index('"', 3)])
                entry = fired_as[rule]
                if entry not in seen:  # a target split into several rules, or an `$or` whose branches both hold
                    seen.add(entry)
                    fired.append(entry)
                    field = result_on_wire[rule]
                    if field is not None:  # a later round reads it
                        fact[field] = entry[1]
                message = engine.complete_and_start_action(handle, offset)
        return fired

    def _patterns(self, target: Target, limit: int | None = None) -> list[tuple[bool, dict]]:
        """(truth, pattern) for each durable_rules rule the target needs (computed once per target).

        With `limit`, raises _TooMany as `_split` does."""
        known = self._compiled_patterns.get(id(target))
        if known is not None and known[0] is target:
            return known[1]
        forms = (True, False) if target.also_false else (True,)
        pairs = [(truth, part) for truth in forms
                 for part in _split(to_durable(target.condition, self.vocabulary, truth, refs_as_fields=True), limit)]
        self._compiled_patterns[id(target)] = (target, pairs)
        return pairs

    def _decompose(self, target: Target) -> list[Target]:
        """A target too large for durable_rules' patterns, with its composite parts lifted out.

        Each composite part (all / any / at_least / not) becomes a hidden target of its own,
        matched in an earlier round, whose outcome the parent reads as a field: the same
        three-valued logic, in patterns of a few expressions each.
        """
        try:
            patterns = [p for _, p in self._patterns(target, MAX_SPLIT)]
            if (len(patterns) <= MAX_SPLIT and all(_size(p) < PATTERN_LIMIT for p in patterns)
                    and self._bound_alone(target) <= alpha.STACK_BUDGET):
                return [target]
        except _TooMany:
            pass
        cond = target.condition
        if isinstance(cond, Ref):
            cond = cond.item
        if not isinstance(cond, (All, Any_, AtLeast, Not)):
            return [target]  # a leaf cannot be made smaller; creating the ruleset will say so
        if isinstance(cond, (All, Any_)) and len(cond.items) > GROUP:
            # all/any of many items: the same truth as all/any of groups of them (Kleene and/or
            # are associative), and each group becomes a small hidden target below
            kind = type(cond)
            chunks = [cond.items[i:i + GROUP] for i in range(0, len(cond.items), GROUP)]
            cond = kind(tuple(kind(chunk) if len(chunk) > 1 else chunk[0] for chunk in chunks))
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


PATTERN_LIMIT = 30  # durable_rules allows 31 expressions in one pattern (MAX_SEQUENCE_EXPRESSIONS 32)
GROUP = 8  # items of a wide all/any lifted out together
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
    sizes: dict[int, tuple] = {}  # id -> (pattern, size): distributing re-measures the same parts many times

    def size(node) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known[1]
        n = _size(node, size)
        sizes[id(node)] = (node, n)  # the pattern held here, so its id is not reused meanwhile
        return n

    def visit(node: dict) -> None:
        if set(node) == {"$or"}:
            for branch in node["$or"]:
                visit(branch)
            return
        parts = node.get("$and") if set(node) == {"$and"} else None
        ors = [i for i, part in enumerate(parts) if set(part) == {"$or"}] if parts else []
        if size(node) < PATTERN_LIMIT or not ors:
            found.append(node)
            if limit is not None and len(found) > limit:
                raise _TooMany
            return
        widest = max(ors, key=lambda i: size(parts[i]))
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


def _size(pattern, measure=None) -> int:
    """Roughly how many expressions durable_rules needs for a pattern (its limit is 31).

    `measure` sizes the sub-patterns (default: this function)."""
    measure = measure or _size
    if isinstance(pattern, dict):
        total = 0
        for key, value in pattern.items():
            if key in ("$and", "$or"):
                total += 2 + sum(measure(v) for v in value)
            elif isinstance(value, dict) and key.startswith("$"):
                total += measure(value) if key in ("$and", "$or") else 1
            else:
                total += 1
        return total
    return 1


class _Wire:
    """Short field names and small integer codes for enum values, for what crosses into durable_rules.

    durable_rules copies the whole matched fact into the message of every action it starts, and
    parses every fact it is given: with the vocabulary's long names (`emg_denervation_in_…__unknown`)
    and enum strings that JSON was most of its work. The rules are compiled, packed and bounded
    with the real names; only the text handed to the C core is translated, the same way for the
    patterns and the facts, so the matches are the same (equality of codes is equality of values;
    the comparisons read only numbers, which are not translated).
    """

    def __init__(self, rules: Mapping[str, dict], domains: Mapping[str, Any], vocabulary: Vocabulary,
                 unknown_fields: Sequence[str]):
        used: dict[str, None] = {}
        for rule in rules.values():
            for name in sorted(_fields(rule["all"][0]["m"])):
                used.setdefault(name, None)
        self.names = {name: name if name == PART else f"f{i:x}" for i, name in enumerate(used)}
        self.codes: dict[str, dict] = {}
        for name in used:
            domain = domains.get(name)
            if domain is not None and not domain.numeric and domain.values and all(type(v) is str for v in domain.values):
                self.codes[name] = {value: code for code, value in enumerate(domain.values)}
        # How each finding goes into a fact, for the fields some rule reads: scalars as they are, a
        # region list as its count and a true/false field a region, `__unknown` for an unstated finding.
        names = self.names
        self._scalars: dict[str, tuple] = {}  # finding -> (name on the wire, value codes or None)
        self._regions: dict[str, tuple] = {}  # finding -> (name of its count or None, ((region, name), ...))
        for spec in vocabulary:
            if spec.type == "regions":
                regions = tuple((r, names[region_field(spec.id, r)]) for r in vocabulary.regions
                                if region_field(spec.id, r) in names)
                count = names.get(count_field(spec.id))
                if count is not None or regions:
                    self._regions[spec.id] = (count, regions)
            elif spec.id in names:
                self._scalars[spec.id] = (names[spec.id], self.codes.get(spec.id))
        self._unknown = tuple((f, names[unknown_field(f)]) for f in unknown_fields if unknown_field(f) in names)
        self._always = {names["__case"]: 1} if "__case" in names else {}

    def fact(self, findings: Mapping[str, Any]) -> dict:
        """The case as the one fact its parts are cut from."""
        fact = dict(self._always)
        scalars, regions = self._scalars, self._regions
        for finding, value in findings.items():
            scalar = scalars.get(finding)
            if scalar is not None:
                name, codes = scalar
                fact[name] = value if codes is None else codes[value]
            elif finding in regions:
                count, each = regions[finding]
                if count is not None:
                    fact[count] = len(value)
                for region, name in each:
                    fact[name] = region in value
        for finding, name in self._unknown:
            if finding not in findings:
                fact[name] = True
        return fact

    def rules(self, rules: Mapping[str, dict]) -> dict:
        return {name: {"all": [{"m": self._pattern(rule["all"][0]["m"])}]} for name, rule in rules.items()}

    def _pattern(self, pattern: Any, field: str | None = None) -> Any:
        if isinstance(pattern, list):
            return [self._pattern(item) for item in pattern]
        if not isinstance(pattern, dict):
            codes = self.codes.get(field) if field is not None else None
            return codes[pattern] if codes is not None and type(pattern) is str else pattern
        out = {}
        for key, value in pattern.items():
            if key.startswith("$"):
                out[key] = self._pattern(value)
            else:
                out[self.names[key]] = self._pattern(value, key)
        return out


PART = "__p"  # the fact field that says which part of a round's rules a fact is matched against


@lru_cache(maxsize=1)
def _c_module():
    import durable_rules_engine  # durable_rules' C core; imported here: only commands that evaluate pay for it

    return durable_rules_engine


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _orjson_text(fact: dict) -> str:
    """orjson's JSON text of a fact, several times faster for these small objects; the json
    module's for what orjson refuses (an integer beyond 64 bits)."""
    try:
        return orjson.dumps(fact).decode()
    except TypeError:
        return _JSON(fact)


_DUMPS = _JSON if orjson is None else _orjson_text  # a fact as the text durable_rules parses


def _rule_name(key: str) -> str:
    """The rule (or criterion element) a target comes from: hidden parts are named '<key>#<i>'."""
    return key.split("#", 1)[0]


class _Domains(dict):
    def __missing__(self, key: str):
        if key.startswith("r__"):  # an earlier target's outcome
            return alpha.Domain((True, False))
        raise KeyError(key)


def fact_domains(vocabulary: Vocabulary) -> dict:
    """What each field of a case fact can hold, for the stack bound (mmn_ddx.alpha)."""
    domains = _Domains({"__case": alpha.Domain((1,))})
    for spec in vocabulary:
        if spec.type == "bool":
            domains[spec.id] = alpha.Domain((True, False))
        elif spec.type == "enum":
            domains[spec.id] = alpha.Domain(tuple(spec.values))
        elif spec.type == "number":
            domains[spec.id] = alpha.Domain(numeric=True, low=spec.min, high=spec.max)
        else:
            domains[count_field(spec.id)] = alpha.Domain(tuple(range(len(vocabulary.regions) + 1)))
            for region in vocabulary.regions:
                domains[region_field(spec.id, region)] = alpha.Domain((True, False))
        domains[unknown_field(spec.id)] = alpha.Domain((True,))
    return domains


ENGINES = {"durable": DurableEngine, "plain": PlainEngine}


def _load_packing(digest: str) -> dict | None:
    path = cache_file("packing", digest)
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path is not None else None
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("digest") != digest:
        return None
    return data


def _save_packing(digest: str, packing: dict) -> None:
    path = cache_file("packing", digest)
    if path is not None:
        save_cache_file(path, json.dumps({"digest": digest, **packing}))
