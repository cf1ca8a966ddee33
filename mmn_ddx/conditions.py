"""The condition grammar of rule files: parsing, three-valued evaluation, and durable_rules form.

A condition is true, false or unknown (None). A finding the case leaves out is unknown, and
unknown never becomes false by negation: `not` of unknown is unknown (Kleene logic). Rules fire
only on true. The same typed tree is evaluated in plain Python (the oracle) and compiled to the
JSON dialect of durable_rules, whose "true" and "false" forms are both generated so that `not`
needs no negation-as-failure in the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any, Callable, Iterator, Mapping, Union

from mmn_ddx.errors import Problem, did_you_mean
from mmn_ddx.vocabulary import Vocabulary
from mmn_ddx.yamlio import line_of

Truth = Union[bool, None]

COMPARISONS = {
    "lt": (lambda a, b: a < b, "$lt", "$gte"),
    "le": (lambda a, b: a <= b, "$lte", "$gt"),
    "gt": (lambda a, b: a > b, "$gt", "$lte"),
    "ge": (lambda a, b: a >= b, "$gte", "$lt"),
}
LOGICAL = ("all", "any", "not", "at_least", "known", "unknown", "element")
FINDING_OPERATORS = ("one_of", "lt", "le", "gt", "ge", "contains", "count")

# Field names in the engine's fact, derived generically from a finding id.
def count_field(finding: str) -> str:
    return f"{finding}__n"


def region_field(finding: str, region: str) -> str:
    return f"{finding}__{region}"


def unknown_field(finding: str) -> str:
    return f"{finding}__unknown"


NEVER = {"__never": 1}  # a durable pattern no fact carries


# ----------------------------------------------------------------------------- the typed tree
@dataclass(frozen=True)
class Eq:
    finding: str
    value: Any


@dataclass(frozen=True)
class OneOf:
    finding: str
    values: tuple


@dataclass(frozen=True)
class Compare:
    finding: str
    op: str
    value: float


@dataclass(frozen=True)
class Contains:
    finding: str
    region: str


@dataclass(frozen=True)
class Count:
    finding: str
    op: str
    value: int


@dataclass(frozen=True)
class Known:
    finding: str


@dataclass(frozen=True)
class Unknown:
    finding: str


@dataclass(frozen=True)
class All:
    items: tuple


@dataclass(frozen=True)
class Any_:
    items: tuple


@dataclass(frozen=True)
class Not:
    item: Any


@dataclass(frozen=True)
class AtLeast:
    n: int
    items: tuple


@dataclass(frozen=True)
class Ref:
    """Another criterion element, by id; evaluates as that element's condition."""

    name: str  # qualified, unique across the rule book: "<criterion set>:<element id>"
    item: Any


Condition = Union[Eq, OneOf, Compare, Contains, Count, Known, Unknown, All, Any_, Not, AtLeast, Ref]
LEAVES = (Eq, OneOf, Compare, Contains, Count, Known, Unknown)


# ----------------------------------------------------------------------------- parsing
class ConditionParser:
    """Turns YAML data into a Condition, collecting every problem instead of stopping at the first."""

    def __init__(self, vocabulary: Vocabulary, path: str, refs: Callable[[str], Any] | None = None):
        self.vocabulary = vocabulary
        self.path = path
        self.refs = refs
        self.problems: list[Problem] = []

    def _problem(self, line: int | None, message: str, hint: str = "") -> None:
        self.problems.append(Problem(self.path, line, message, hint))

    def parse(self, data: Any, line: int | None) -> Condition | None:
        if not isinstance(data, Mapping) or len(data) != 1:
            self._problem(
                line_of(data) or line,
                "a condition must be a mapping with exactly one key "
                f"(a finding id or one of {', '.join(LOGICAL)}).",
                "E.g. 'babinski: true' or 'all: [...]'.",
            )
            return None
        (key, value), = data.items()
        line = line_of(data, key) or line
        if key in ("all", "any"):
            if not isinstance(value, list) or not value:
                self._problem(line, f"'{key}' takes a non-empty list of conditions.")
                return None
            items = [self.parse(item, line_of(value, i) or line) for i, item in enumerate(value)]
            if any(item is None for item in items):
                return None
            return All(tuple(items)) if key == "all" else Any_(tuple(items))
        if key == "not":
            item = self.parse(value, line)
            return Not(item) if item is not None else None
        if key == "at_least":
            if not isinstance(value, Mapping) or set(value) != {"n", "of"}:
                self._problem(line, "'at_least' takes a mapping with 'n' and 'of'.", "E.g. at_least: {n: 2, of: [...]}.")
                return None
            n, of = value["n"], value["of"]
            if not isinstance(n, int) or isinstance(n, bool) or n < 0 or not isinstance(of, list) or not of:
                self._problem(line, "'at_least' needs a whole number 'n' and a non-empty list 'of'.")
                return None
            items = [self.parse(item, line_of(of, i) or line) for i, item in enumerate(of)]
            if any(item is None for item in items):
                return None
            return AtLeast(n, tuple(items))
        if key in ("known", "unknown"):
            if value not in self.vocabulary:
                self.problems.append(self.vocabulary.unknown_id_problem(value, self.path, line))
                return None
            return Known(value) if key == "known" else Unknown(value)
        if key == "element":
            if self.refs is None:
                self._problem(line, "'element' is allowed only in criteria files.")
                return None
            found = self.refs(value)
            if found is None:
                self._problem(line, f"element '{value}' is not defined earlier in this criteria file.")
                return None
            qualified, target = found
            return Ref(qualified, target)
        if key not in self.vocabulary:
            problem = self.vocabulary.unknown_id_problem(key, self.path, line)
            hint = did_you_mean(key, list(self.vocabulary.specs) + list(LOGICAL))
            self.problems.append(Problem(problem.path, problem.line, problem.message, hint))
            return None
        return self._finding(key, value, line)

    def _value(self, finding: str, value: Any, line: int | None) -> Any:
        from mmn_ddx.errors import InputError

        try:
            return self.vocabulary.check(finding, value, self.path, line)
        except InputError as error:
            self.problems.extend(error.problems)
            return None

    def _finding(self, finding: str, value: Any, line: int | None) -> Condition | None:
        spec = self.vocabulary[finding]
        if not isinstance(value, Mapping):
            checked = self._value(finding, value, line)
            if checked is None:
                return None
            if spec.type == "regions":  # equality with a set of regions: each region in or out
                regions = self.vocabulary.regions
                return All(tuple(Contains(finding, r) if r in checked else Not(Contains(finding, r)) for r in regions))
            return Eq(finding, checked)
        parts: list[Condition] = []
        for op, operand in value.items():
            op_line = line_of(value, op) or line
            if op not in FINDING_OPERATORS:
                self._problem(op_line, f"operator '{op}' is unknown.", did_you_mean(op, FINDING_OPERATORS))
                continue
            if op == "one_of":
                if spec.type not in ("enum", "bool", "number") or not isinstance(operand, list) or not operand:
                    self._problem(op_line, f"'one_of' on '{finding}' needs a non-empty list of its values.")
                    continue
                checked = [self._value(finding, item, op_line) for item in operand]
                if any(c is None for c in checked):
                    continue
                parts.append(OneOf(finding, tuple(checked)))
            elif op in COMPARISONS:
                if spec.type != "number":
                    self._problem(op_line, f"'{op}' compares numbers, but '{finding}' is {spec.type}.")
                    continue
                if isinstance(operand, bool) or not isinstance(operand, (int, float)):
                    self._problem(op_line, f"'{op}' needs a number, not {operand!r}.")
                    continue
                parts.append(Compare(finding, op, operand))
            elif op == "contains":
                if spec.type != "regions":
                    self._problem(op_line, f"'contains' applies to region lists, but '{finding}' is {spec.type}.")
                    continue
                if operand not in self.vocabulary.regions:
                    self._problem(op_line, f"'{operand}' is not a body region.", did_you_mean(operand, self.vocabulary.regions))
                    continue
                parts.append(Contains(finding, operand))
            elif op == "count":
                if spec.type != "regions":
                    self._problem(op_line, f"'count' applies to region lists, but '{finding}' is {spec.type}.")
                    continue
                if not isinstance(operand, Mapping) or not operand or any(k not in COMPARISONS for k in operand):
                    self._problem(op_line, "'count' takes a comparison such as {ge: 2}.")
                    continue
                for cmp, n in operand.items():
                    if isinstance(n, bool) or not isinstance(n, int):
                        self._problem(op_line, f"'count' compares with a whole number, not {n!r}.")
                        continue
                    parts.append(Count(finding, cmp, n))
        if not parts:
            if not value:
                self._problem(line, f"'{finding}' has an empty mapping of operators.")
            return None
        return parts[0] if len(parts) == 1 else All(tuple(parts))


# ----------------------------------------------------------------------------- evaluation (oracle)
def evaluate(cond: Condition, findings: Mapping[str, Any], memo: dict | None = None) -> Truth:
    """Three-valued truth of a condition over a case's known findings.

    `memo` (one dict per case) remembers each referenced criterion element, which categories
    share many of.
    """
    kind = type(cond)
    if kind is Eq:
        value = findings.get(cond.finding)
        return None if value is None else value == cond.value
    if kind is OneOf:
        value = findings.get(cond.finding)
        return None if value is None else value in cond.values
    if kind is Compare:
        value = findings.get(cond.finding)
        return None if value is None else COMPARISONS[cond.op][0](value, cond.value)
    if kind is Contains:
        value = findings.get(cond.finding)
        return None if value is None else cond.region in value
    if kind is Count:
        value = findings.get(cond.finding)
        return None if value is None else COMPARISONS[cond.op][0](len(value), cond.value)
    if kind is Known:
        return cond.finding in findings
    if kind is Unknown:
        return cond.finding not in findings
    if kind is All:
        result: Truth = True
        for item in cond.items:
            truth = evaluate(item, findings, memo)
            if truth is False:
                return False
            if truth is None:
                result = None
        return result
    if kind is Any_:
        result = False
        for item in cond.items:
            truth = evaluate(item, findings, memo)
            if truth is True:
                return True
            if truth is None:
                result = None
        return result
    if kind is Not:
        truth = evaluate(cond.item, findings, memo)
        return None if truth is None else not truth
    if kind is AtLeast:
        truths = [evaluate(item, findings, memo) for item in cond.items]
        yes, maybe = truths.count(True), truths.count(None)
        if yes >= cond.n:
            return True
        if yes + maybe < cond.n:
            return False
        return None
    if kind is Ref:
        if memo is None:
            return evaluate(cond.item, findings)
        if cond.name not in memo:
            memo[cond.name] = evaluate(cond.item, findings, memo)
        return memo[cond.name]
    raise TypeError(f"not a condition: {cond!r}")


def walk(cond: Condition, through_refs: bool = True) -> Iterator[Condition]:
    """Every node of the tree, depth first; without `through_refs`, not into the elements it refers to."""
    yield cond
    if isinstance(cond, (All, Any_, AtLeast)):
        for item in cond.items:
            yield from walk(item, through_refs)
    elif isinstance(cond, Not) or (through_refs and isinstance(cond, Ref)):
        yield from walk(cond.item, through_refs)


_MENTIONS: dict[int, tuple] = {}  # id(condition) -> (condition, findings): rule trees live as long as the rule book


def findings_of(cond: Condition) -> tuple[str, ...]:
    """The finding ids a condition mentions, in order of first mention."""
    cached = _MENTIONS.get(id(cond))
    if cached is not None and cached[0] is cond:
        return cached[1]
    seen: dict[str, None] = {}
    for node in walk(cond):
        if isinstance(node, LEAVES):
            seen.setdefault(node.finding, None)
    result = tuple(seen)
    _MENTIONS[id(cond)] = (cond, result)
    return result


# ----------------------------------------------------------------------------- durable_rules form
def _and(parts: list[dict]) -> dict:
    return parts[0] if len(parts) == 1 else {"$and": parts}


def _or(parts: list[dict]) -> dict:
    return parts[0] if len(parts) == 1 else {"$or": parts}


def _known(finding: str, is_regions: bool) -> dict:
    return {"$ex": {count_field(finding) if is_regions else finding: 1}}


def result_field(key: str) -> str:
    """The fact field that carries an earlier target's outcome (true / false; absent if unknown)."""
    return "r__" + key


def to_durable(cond: Condition, vocabulary: Vocabulary, want: bool = True, refs_as_fields: bool = False) -> dict:
    """The durable_rules pattern that matches a fact exactly when `cond` is `want` (True or False).

    Unknown findings match neither form. `$nex` is never used: on durable-rules 2.0.28 a `$nex`
    pattern hangs the engine, so "unknown" is an explicit `<finding>__unknown` field of the fact.
    """
    kind = type(cond)
    if kind in (Eq, OneOf, Compare):
        finding = cond.finding
        guard = _known(finding, False)
        if kind is Eq:
            if want:
                return {finding: cond.value}
            if isinstance(cond.value, bool):
                return {finding: not cond.value}
            return _and([guard, {"$neq": {finding: cond.value}}])
        if kind is OneOf:
            if want:
                return _or([{finding: v} for v in cond.values])
            return _and([guard] + [{"$neq": {finding: v}} for v in cond.values])
        _, true_op, false_op = COMPARISONS[cond.op]
        return _and([guard, {(true_op if want else false_op): {finding: cond.value}}])
    if kind is Contains:
        return {region_field(cond.finding, cond.region): want}
    if kind is Count:
        _, true_op, false_op = COMPARISONS[cond.op]
        field = count_field(cond.finding)
        return _and([_known(cond.finding, True), {(true_op if want else false_op): {field: cond.value}}])
    if kind in (Known, Unknown):
        is_known = (kind is Known) == want
        if is_known:
            return _known(cond.finding, vocabulary[cond.finding].type == "regions")
        return {unknown_field(cond.finding): True}
    if kind is Not:
        return to_durable(cond.item, vocabulary, not want, refs_as_fields)
    if kind is Ref:
        if refs_as_fields:
            return {result_field(cond.name): want}
        return to_durable(cond.item, vocabulary, want, refs_as_fields)
    if kind in (All, Any_):
        parts = [to_durable(item, vocabulary, want, refs_as_fields) for item in cond.items]
        conjunctive = (kind is All) == want
        return _and(parts) if conjunctive else _or(parts)
    if kind is AtLeast:
        items = cond.items
        size = cond.n if want else len(items) - cond.n + 1
        if size <= 0:
            return {"$ex": {"__case": 1}}
        if size > len(items):
            return NEVER
        return _or([_and([to_durable(i, vocabulary, want, refs_as_fields) for i in subset]) for subset in combinations(items, size)])
    raise TypeError(f"not a condition: {cond!r}")


def refs_of(cond: Condition) -> set[str]:
    """The qualified names of the elements a condition refers to directly (not through another)."""
    found: set[str] = set()

    def visit(node):
        if isinstance(node, Ref):
            found.add(node.name)
        elif isinstance(node, (All, Any_, AtLeast)):
            for item in node.items:
                visit(item)
        elif isinstance(node, Not):
            visit(node.item)

    visit(cond)
    return found


def unknown_tests(cond: Condition) -> set[str]:
    """Findings a condition tests with `known:` or `unknown:`, through the elements it refers to too:
    the durable form tests their absence through an explicit `__unknown` field, and only their
    answers can turn a decided condition around (criteria's what-if questions)."""
    return {node.finding for node in walk(cond) if isinstance(node, (Known, Unknown))}


def candidate_values(conds, vocabulary: Vocabulary) -> dict[str, list]:
    """For each finding the conditions mention, the answers worth trying in a what-if question:
    every value of a bool or enum, region lists of each size, and numbers either side of each
    threshold the conditions compare with."""
    thresholds: dict[str, set] = {}
    mentioned: dict[str, None] = {}
    for cond in conds:
        for finding in findings_of(cond):
            mentioned.setdefault(finding, None)
        for node in walk(cond):
            if isinstance(node, (Compare, Count)):
                thresholds.setdefault(node.finding, set()).add(node.value)
    candidates: dict[str, list] = {}
    for finding in mentioned:
        spec = vocabulary[finding]
        if spec.type == "bool":
            values: list = [True, False]
        elif spec.type == "enum":
            values = list(spec.values)
        elif spec.type == "regions":
            regions = vocabulary.regions
            values = [()] + [(r,) for r in regions] + [tuple(regions[:k]) for k in range(2, len(regions) + 1)]
        else:
            points = sorted(thresholds.get(finding, ()))
            step = 1 if all(float(p).is_integer() for p in points) else 0.05
            values = sorted({v for p in points for v in (p - step, p, p + step)
                             if (spec.min is None or v >= spec.min) and (spec.max is None or v <= spec.max)})
            if spec.integer:
                values = sorted({int(v) for v in values if float(v).is_integer()})
        candidates[finding] = values
    return candidates
