"""A model of durable_rules' alpha network, to bound the stack its C core walks it with.

durable-rules 2.0.28 matches a fact by walking the alpha network depth first with an explicit stack
of 64 entries (`MAX_STACK_SIZE`, src/rules/events.c, `handleAlpha`): when it pops a node it pushes
*every* child whose test the fact passes, then continues with the last pushed. A fact that passes
many tests at once fills the stack; at 64 the walk stops with error 303 (`ERR_MAX_STACK_SIZE`) and
leaves the state damaged (a later call may abort the process). Nothing in the engine guards it.

This module rebuilds the network durable_rules would build from the same patterns, sharing a node
exactly where its compiler does (`findAlpha` in src/rules/rete.c: same parent, same property, same
operator, same value of the same JSON type; every `$or` gets a fresh forward node that each branch
links to), and computes for each node the worst stack its walk can reach over *every* fact the
vocabulary allows:

    Q(node) = max(k, k - 1 + max Q(child))      (k: children that one fact can pass at once)

k is bounded property by property: for each property, the most children one value of it can pass
(one of several equalities; every `$ex`; as many comparisons as one number can satisfy), summed
over properties as if they were independent, plus every forward node. That over-counts, never
under-counts, whatever the order in which the fact's properties arrive (the order decides which
child is explored first, hence the hash-seed dependence of the crash). See docs/engine-limits.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

STACK_SIZE = 64  # durable-rules 2.0.28, src/rules/events.c: alpha *stack[MAX_STACK_SIZE]
STACK_BUDGET = 48  # what a compiled ruleset may use: a margin of 16 entries (25 %) below the limit
MAX_FACT_PROPERTIES = 255  # src/rules/state.h MAX_OBJECT_PROPERTIES (error 302 beyond)

_OPS = {"$lt": "lt", "$lte": "le", "$gt": "gt", "$gte": "ge", "$neq": "ne", "$ex": "ex", "$nex": "nex"}


@dataclass(frozen=True)
class Domain:
    """The values a fact property can take: a finite set, or numbers in a range, or anything."""

    values: tuple = ()
    numeric: bool = False
    low: float | None = None
    high: float | None = None

    def candidates(self, thresholds: Iterable[float]) -> list:
        if not self.numeric:
            return list(self.values)
        points = sorted({float(t) for t in thresholds if isinstance(t, (int, float)) and not isinstance(t, bool)})
        low = self.low if self.low is not None else (points[0] - 1 if points else 0.0)
        high = self.high if self.high is not None else (points[-1] + 1 if points else 0.0)
        found = {low, high}
        for a, b in zip(points, points[1:]):
            found.add((a + b) / 2)
        for p in points:
            found.update((p, p - 1e-9, p + 1e-9))
        return sorted(v for v in found if low <= v <= high)


ANY = None  # a property the vocabulary does not describe: every child on it may pass


@dataclass(eq=False)
class Node:
    prop: str
    op: str
    value: Any
    children: dict = field(default_factory=dict)  # (prop, op, typed value) -> Node
    forwards: list = field(default_factory=list)  # forward nodes of `$or`s (always pushed)
    ends: list = field(default_factory=list)  # rule names whose pattern ends here


def _typed(value: Any) -> tuple:
    """durable_rules shares a node only for a value of the same JSON type: 1, 1.0 and true differ."""
    return (type(value).__name__, value)


class Network:
    """The alpha network of one ruleset, built as durable_rules builds it."""

    def __init__(self) -> None:
        self.root = Node("", "root", None)
        self._forward_count = 0
        # Q of each node, kept between calls: adding a pattern forgets the nodes it passes through
        # (the only ones whose subtree changes), so packing rules one by one stays linear.
        self._memo: dict[int, int] = {}
        self._memo_domains: Any = None

    def add(self, rule: str, pattern: Mapping) -> None:
        self._memo.pop(id(self.root), None)
        end = self._add(self.root, pattern)
        end.ends.append(rule)

    def _add(self, parent: Node, pattern: Mapping) -> Node:
        self._memo.pop(id(parent), None)
        # durable_rules reads only the first name of a pattern object
        (name, value), = list(pattern.items())[:1]
        if name == "$and":
            node = parent
            for item in value:
                node = self._add(node, item)
            return node
        if name == "$or":
            self._forward_count += 1
            forward = Node("$forward", "forward", self._forward_count)
            for branch in value:
                end = self._add(parent, branch)
                self._memo.pop(id(end), None)
                end.forwards.append(forward)
            return forward
        if name in _OPS:
            (prop, operand), = list(value.items())[:1]
            op = _OPS[name]
        else:
            prop, operand, op = name, value, "eq"
        key = (prop, op, _typed(operand))
        node = parent.children.get(key)
        if node is None:
            node = parent.children[key] = Node(prop, op, operand)
        self._memo.pop(id(node), None)
        return node

    def stack_bound(self, domains: Mapping[str, Domain | None]) -> int:
        """The most entries the walk of any one fact can hold at once (see the module doc)."""
        if domains is not self._memo_domains:
            self._memo, self._memo_domains = {}, domains
        return _q(self.root, domains, self._memo)

    def worst_path(self, domains: Mapping[str, Domain | None]) -> list[str]:
        """Rule names under the child that makes the root's bound: for messages."""
        memo: dict[int, int] = {}
        best = None
        for child in list(self.root.children.values()) + self.root.forwards:
            q = _q(child, domains, memo)
            if best is None or q > best[0]:
                best = (q, child)
        return _rules_under(best[1]) if best else []


def _rules_under(node: Node) -> list[str]:
    seen: dict[str, None] = {}
    stack = [node]
    visited: set[int] = set()
    while stack:
        n = stack.pop()
        if id(n) in visited:
            continue
        visited.add(id(n))
        for rule in n.ends:
            seen.setdefault(rule, None)
        stack.extend(n.children.values())
        stack.extend(n.forwards)
    return list(seen)


def _passes(op: str, operand: Any, value: Any) -> bool:
    """Whether a property with `value` passes an alpha test (durable_rules' isAlphaMatch)."""
    if op == "ex":
        return True
    if op == "nex":
        return False
    same_kind = (isinstance(value, bool) == isinstance(operand, bool)) and (
        isinstance(value, (int, float)) == isinstance(operand, (int, float)))
    if op == "eq":
        return same_kind and value == operand
    if op == "ne":
        return not (same_kind and value == operand)
    if not same_kind or isinstance(value, (bool, str)):
        return False
    return {"lt": value < operand, "le": value <= operand, "gt": value > operand, "ge": value >= operand}[op]


def _most_passing(nodes: list[Node], domain: Domain | None) -> int:
    """The most of these children (all on one property) that one value of it passes."""
    if domain is ANY:
        return len(nodes)
    best = 0
    for value in domain.candidates(n.value for n in nodes):
        best = max(best, sum(1 for n in nodes if _passes(n.op, n.value, value)))
    return best


def _lookup(domains: Mapping[str, Domain | None], prop: str) -> Domain | None:
    try:
        return domains[prop]  # a mapping may know a family of properties (its __missing__)
    except KeyError:
        return ANY


def _q(node: Node, domains: Mapping[str, Domain | None], memo: dict[int, int]) -> int:
    cached = memo.get(id(node))
    if cached is not None:
        return cached
    by_prop: dict[str, list[Node]] = {}
    for child in node.children.values():
        by_prop.setdefault(child.prop, []).append(child)
    k = len(node.forwards)
    deepest = 0
    for prop, nodes in by_prop.items():
        domain = _lookup(domains, prop)
        most = _most_passing(nodes, domain)
        k += most
        if most:  # any of them may be the one explored with the others waiting (an over-count at most)
            for child in nodes:
                deepest = max(deepest, _q(child, domains, memo))
    for forward in node.forwards:
        deepest = max(deepest, _q(forward, domains, memo))
    result = 0 if k == 0 else max(k, k - 1 + deepest)
    memo[id(node)] = result
    return result


def bound_of(rules: Mapping[str, Mapping], domains: Mapping[str, Domain | None]) -> int:
    """The stack bound of a set of single-pattern rules {name: pattern}."""
    network = Network()
    for name, pattern in rules.items():
        network.add(name, pattern)
    return network.stack_bound(domains)


def pack(items: list, patterns_of: Callable[[Any], list[tuple[str, Mapping]]], domains: Mapping[str, Domain | None],
         budget: int = STACK_BUDGET) -> list[list]:
    """Items in order, grouped so that each group's network stays within `budget`.

    An item whose own patterns exceed the budget is returned alone in its group; the caller
    refuses it (a group is never allowed over the budget silently).
    """
    groups: list[list] = []
    current: list = []
    network = Network()
    for item in items:
        if current:
            for name, pattern in patterns_of(item):
                network.add(name, pattern)
            if network.stack_bound(domains) <= budget:
                current.append(item)
                continue
            groups.append(current)
        current = [item]
        network = Network()
        for name, pattern in patterns_of(item):
            network.add(name, pattern)
    if current:
        groups.append(current)
    return groups
