"""Conditions compiled once to Python closures, for the what-if questions.

A what-if question (would this answer raise a criteria category, which rules would fire) evaluates
a few conditions under many hypothetical answers; interpreting the condition tree on every call
was most of that time. The closures keep `conditions.evaluate`'s three-valued logic exactly (a
property test holds them equal).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from mmn_ddx.conditions import (
    COMPARISONS, LEAVES, All, Any_, AtLeast, Compare, Condition, Contains, Count, Eq, Known, Not, OneOf, Ref, Truth,
)


def compiled(cond: Condition) -> Callable[[Mapping[str, Any], dict], Truth]:
    """The condition as a Python closure, `fn(findings, memo) -> Truth`, made once per condition;
    `memo` is a dict, as in `evaluate`."""
    cached = _COMPILED.get(id(cond))
    if cached is not None and cached[0] is cond:
        return cached[1]
    fn = _compile(cond)
    _COMPILED[id(cond)] = (cond, fn)
    return fn


_COMPILED: dict[int, tuple] = {}  # id(condition) -> (condition, closure), as conditions._MENTIONS does for findings_of


def _compile(cond: Condition) -> Callable[[Mapping[str, Any], dict], Truth]:
    kind = type(cond)
    if kind in LEAVES:
        finding = cond.finding
        if kind is Eq:
            wanted = cond.value

            def leaf(findings, memo):
                value = findings.get(finding)
                return None if value is None else value == wanted
        elif kind is OneOf:
            values = cond.values

            def leaf(findings, memo):
                value = findings.get(finding)
                return None if value is None else value in values
        elif kind in (Compare, Count):
            compare, threshold, counting = COMPARISONS[cond.op][0], cond.value, kind is Count

            def leaf(findings, memo):
                value = findings.get(finding)
                return None if value is None else compare(len(value) if counting else value, threshold)
        elif kind is Contains:
            region = cond.region

            def leaf(findings, memo):
                value = findings.get(finding)
                return None if value is None else region in value
        elif kind is Known:
            def leaf(findings, memo):
                return finding in findings
        else:
            def leaf(findings, memo):
                return finding not in findings
        return leaf
    if kind is All or kind is Any_:
        # Kleene's and / or: one item equal to `decisive` decides; otherwise any unknown leaves it unknown.
        items = tuple(compiled(item) for item in cond.items)
        decisive = kind is Any_

        def junction(findings, memo):
            result: Truth = not decisive
            for item in items:
                truth = item(findings, memo)
                if truth is decisive:
                    return decisive
                if truth is None:
                    result = None
            return result
        return junction
    if kind is Not:
        inner = compiled(cond.item)

        def not_(findings, memo):
            truth = inner(findings, memo)
            return None if truth is None else not truth
        return not_
    if kind is AtLeast:
        items, n = tuple(compiled(item) for item in cond.items), cond.n

        def at_least(findings, memo):
            yes = maybe = 0
            for item in items:  # every item, as `evaluate` does, so the memo fills the same way
                truth = item(findings, memo)
                if truth is True:
                    yes += 1
                elif truth is None:
                    maybe += 1
            if yes >= n:
                return True
            if yes + maybe < n:
                return False
            return None
        return at_least
    if kind is Ref:
        name, inner = cond.name, compiled(cond.item)

        def ref(findings, memo):
            try:
                return memo[name]
            except KeyError:
                truth = memo[name] = inner(findings, memo)
                return truth
        return ref
    raise TypeError(f"not a condition: {cond!r}")
