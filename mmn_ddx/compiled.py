"""Conditions compiled once to Python functions, for the what-if questions.

A what-if question (would this answer raise a criteria category, which rules would fire) evaluates
a few conditions under many hypothetical answers; interpreting the condition tree on every call
was most of that time. The generated functions keep `conditions.evaluate`'s three-valued logic
exactly (a property test holds them equal).
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from mmn_ddx.conditions import (
    LEAVES, All, Any_, AtLeast, Compare, Condition, Contains, Count, Eq, Known, Not, OneOf, Ref, Truth,
)


def compiled(cond: Condition) -> Callable[[Mapping[str, Any], dict], Truth]:
    """The condition as a Python function, `fn(findings, memo) -> Truth`: the same three-valued
    logic as `evaluate` (a property test holds them equal), without interpreting the tree on
    every call. What-if questions evaluate a few conditions under many hypothetical answers,
    where walking the tree was most of the time. `memo` is a dict, as in `evaluate`.
    """
    cached = _COMPILED.get(id(cond))
    if cached is not None and cached[0] is cond:
        return cached[1]
    fn = _compile(cond)
    _COMPILED[id(cond)] = (cond, fn)
    return fn


_COMPILED: dict[int, tuple] = {}  # id(condition) -> (condition, function), as conditions._MENTIONS does for findings_of


def _compile(cond: Condition) -> Callable[[Mapping[str, Any], dict], Truth]:
    """One generated Python function for the whole tree: a closure per node spent most of its time
    in the calls between nodes (an element's tree is evaluated for every hypothetical answer).
    `all` / `any` short-circuit with `break` out of a one-pass loop, so the evaluation order, and
    so what the memo holds afterwards, is `evaluate`'s."""
    source = _Source()
    source.node(cond, "result", 1)
    code = "def condition(findings, memo):\n" + "\n".join(source.lines) + "\n    return result\n"
    namespace = dict(source.constants, _ONCE=(0,))
    exec(compile(code, f"<condition {len(_COMPILED)}>", "exec"), namespace)
    return namespace["condition"]


_OPERATORS = {"lt": "<", "le": "<=", "gt": ">", "ge": ">="}
_DEEPEST = 8  # nested blocks per generated function (Python allows 20); deeper parts are their own function


class _Source:
    def __init__(self):
        self.lines: list[str] = []
        self.constants: dict[str, Any] = {}
        self.names = 0

    def name(self, prefix: str) -> str:
        self.names += 1
        return f"{prefix}{self.names}"

    def constant(self, value: Any) -> str:
        name = self.name("c")
        self.constants[name] = value
        return name

    def emit(self, depth: int, line: str) -> None:
        self.lines.append("    " * depth + line)

    def node(self, cond: Condition, var: str, depth: int) -> None:
        kind = type(cond)
        emit = self.emit
        if kind in LEAVES:
            finding = self.constant(cond.finding)
            if kind is Known:
                emit(depth, f"{var} = {finding} in findings")
                return
            if kind not in (Eq, OneOf, Compare, Count, Contains):
                emit(depth, f"{var} = {finding} not in findings")
                return
            value = self.name("v")
            emit(depth, f"{value} = findings.get({finding})")
            if kind is Eq:
                test = f"{value} == {self.constant(cond.value)}"
            elif kind is OneOf:
                test = f"{value} in {self.constant(cond.values)}"
            elif kind is Compare:
                test = f"{value} {_OPERATORS[cond.op]} {self.constant(cond.value)}"
            elif kind is Count:
                test = f"len({value}) {_OPERATORS[cond.op]} {self.constant(cond.value)}"
            else:
                test = f"{self.constant(cond.region)} in {value}"
            emit(depth, f"{var} = None if {value} is None else {test}")
            return
        if kind is Ref:
            emit(depth, "try:")
            emit(depth + 1, f"{var} = memo[{self.constant(cond.name)}]")
            emit(depth, "except KeyError:")
            emit(depth + 1, f"{var} = memo[{self.constant(cond.name)}] = {self.constant(compiled(cond.item))}(findings, memo)")
            return
        if depth >= _DEEPEST:
            emit(depth, f"{var} = {self.constant(compiled(cond))}(findings, memo)")
            return
        if kind is Not:
            inner = self.name("t")
            self.node(cond.item, inner, depth)
            emit(depth, f"{var} = None if {inner} is None else not {inner}")
            return
        if kind in (All, Any_):
            decided, otherwise = (False, True) if kind is All else (True, False)
            emit(depth, f"{var} = {otherwise}")
            emit(depth, "for _ in _ONCE:")
            for item in cond.items:
                inner = self.name("t")
                self.node(item, inner, depth + 1)
                emit(depth + 1, f"if {inner} is {decided}:")
                emit(depth + 2, f"{var} = {decided}")
                emit(depth + 2, "break")
                emit(depth + 1, f"if {inner} is None:")
                emit(depth + 2, f"{var} = None")
            return
        if kind is AtLeast:
            yes, maybe = self.name("yes"), self.name("maybe")
            emit(depth, f"{yes} = {maybe} = 0")
            for item in cond.items:  # every item, as `evaluate` does, so the memo fills the same way
                inner = self.name("t")
                self.node(item, inner, depth)
                emit(depth, f"if {inner} is True:")
                emit(depth + 1, f"{yes} += 1")
                emit(depth, f"elif {inner} is None:")
                emit(depth + 1, f"{maybe} += 1")
            n = self.constant(cond.n)
            emit(depth, f"{var} = True if {yes} >= {n} else False if {yes} + {maybe} < {n} else None")
            return
        raise TypeError(f"not a condition: {cond!r}")
