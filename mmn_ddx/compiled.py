"""Conditions compiled once to Python closures, for the what-if questions.

A what-if question (would this answer raise a criteria category, which rules would fire) evaluates
a few conditions under many hypothetical answers; interpreting the condition tree on every call
was most of that time. The closures keep `conditions.evaluate`'s three-valued logic exactly (a
property test holds them equal).

`Junction` goes further for the criteria's what-ifs, which ask one condition the same question for
thousands of cases that differ in a finding or two: it remembers the truths of the parts of the
condition's root junction by signature, so that most answers cost a few integer operations.
"""

from __future__ import annotations

from functools import partial
from typing import Any, Callable, Mapping

from mmn_ddx.conditions import (
    COMPARISONS, LEAVES, All, Any_, AtLeast, Compare, Condition, Contains, Count, Eq, Known, Not, OneOf, Ref, Truth,
    refs_of, walk,
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


TRUTHS_KEPT = 4_096  # signatures whose truth one part remembers: memory stays flat over any batch
FIELDS_KEPT = 256  # values of one finding whose bits a part remembers: the answers tried, and a case's own
ABSENT = object()  # the value of a finding a case leaves unknown
_DIGIT = {None: 0, False: 1, True: 2}  # a truth as two bits of a signature


class Part:
    """One item of a condition's root junction, its truth remembered by *signature*.

    The item's truth is a function of the truths of the leaves it tests itself and of the elements
    it refers to (read from the memo, as `evaluate` reads them), so those truths packed two bits
    each into one integer decide it: the closure runs only for a signature not seen before.
    """

    __slots__ = ("closure", "layout", "ref_shift", "truths", "fields", "field_items", "ref_items")

    def __init__(self, cond: Condition):
        self.closure = compiled(cond)
        by_finding: dict[str, dict] = {}
        for node in walk(cond, through_refs=False):
            if isinstance(node, LEAVES):
                by_finding.setdefault(node.finding, {})[node] = None  # a leaf stated twice: its bits once
        shift = 0
        self.layout: dict[str, tuple[tuple, int, int]] = {}  # finding -> (its leaves' closures, lowest bit, mask)
        for finding, leaves in by_finding.items():
            width = 2 * len(leaves)
            self.layout[finding] = (tuple(compiled(leaf) for leaf in leaves), shift, ((1 << width) - 1) << shift)
            shift += width
        self.ref_shift: dict[str, int] = {}  # element referred to -> lowest bit of its truth
        for name in sorted(refs_of(cond)):
            self.ref_shift[name] = shift
            shift += 2
        self.truths: dict[int, Truth] = {}
        self.fields: dict[str, dict] = {finding: {} for finding in self.layout}  # finding -> value -> its bits
        # the same pairs as tuples: read for every signature, and neither mapping gains keys
        self.field_items = tuple(self.fields.items())
        self.ref_items = tuple(self.ref_shift.items())

    def field(self, finding: str, value: Any) -> int:
        """The bits `finding` answered `value` (or ABSENT) sets in a signature."""
        fields = self.fields[finding]
        found = fields.get(value)
        if found is None:
            closures, shift, _ = self.layout[finding]
            answered = {} if value is ABSENT else {finding: value}
            found = 0
            for place, leaf in enumerate(closures):
                found |= _DIGIT[leaf(answered, None)] << (shift + 2 * place)
            if len(fields) < FIELDS_KEPT:  # the answers tried come first; a case's own numbers may not be kept
                fields[value] = found
        return found

    def signature(self, findings: Mapping[str, Any], memo: Mapping[str, Truth]) -> int:
        found = 0
        for finding, fields in self.field_items:
            value = findings.get(finding, ABSENT)
            bits = fields.get(value)
            found |= self.field(finding, value) if bits is None else bits
        for name, shift in self.ref_items:
            found |= _DIGIT[memo[name]] << shift
        return found

    def truth(self, signature: int, context: Callable[[], tuple[Mapping[str, Any], dict]]) -> Truth:
        """The truth for `signature`; `context()` gives the findings and memo it stands for, when
        the closure has to run."""
        truths = self.truths
        try:
            return truths[signature]
        except KeyError:
            findings, memo = context()
            truth = self.closure(findings, memo)
            if len(truths) >= TRUTHS_KEPT:
                truths.clear()
            truths[signature] = truth
            return truth


def _as_they_are(findings: Mapping[str, Any], memo: Mapping[str, Truth]) -> tuple[Mapping[str, Any], dict]:
    """A case's findings and a fresh memo (the closures may write to it), for `Part.truth`."""
    return findings, dict(memo)


class Junction:
    """A condition as the junction at its root (all / any / at_least, under any `not`s) over parts.

    Such a junction is decided by how many parts are true and how many unknown, so an answer that
    changes a part or two costs those parts' look-ups and a count, whatever the size of the rest.
    Any other condition is one part.
    """

    __slots__ = ("parts", "need", "negate", "reading", "referring", "touched")

    def __init__(self, cond: Condition):
        self.negate = False
        while type(cond) is Not:
            cond, self.negate = cond.item, not self.negate
        kind = type(cond)
        items = cond.items if kind in (All, Any_, AtLeast) else (cond,)
        # true when at least `need` parts are true, false when fewer than `need` can be
        self.need = len(items) if kind is All else cond.n if kind is AtLeast else 1
        self.parts = [Part(item) for item in items]
        self.reading: dict[str, tuple[int, ...]] = {}  # finding -> the parts testing it themselves
        self.referring: dict[str, tuple[int, ...]] = {}  # element -> the parts referring to it
        for index, part in enumerate(self.parts):
            for finding in part.layout:
                self.reading[finding] = self.reading.get(finding, ()) + (index,)
            for name in part.ref_shift:
                self.referring[name] = self.referring.get(name, ()) + (index,)
        self.touched: dict[str, tuple[int, ...]] = {}  # finding -> the parts an answer to it may change

    def state(self, findings: Mapping[str, Any], memo: Mapping[str, Truth]) -> tuple[list, list, int, int, Truth]:
        """One case's parts: their signatures, their truths, how many are true, how many unknown, and
        the junction's truth."""
        signatures: list[int] = []
        truths: list[Truth] = []
        yes = maybe = 0
        for part in self.parts:
            signature = part.signature(findings, memo)
            signatures.append(signature)
            try:  # as in `truth`: the look-up without the call
                truth = part.truths[signature]
            except KeyError:
                truth = part.truth(signature, partial(_as_they_are, findings, memo))
            truths.append(truth)
            if truth is True:
                yes += 1
            elif truth is None:
                maybe += 1
        return signatures, truths, yes, maybe, self._decide(yes, maybe)

    def _decide(self, yes: int, maybe: int) -> Truth:
        truth = True if yes >= self.need else False if yes + maybe < self.need else None
        return (None if truth is None else not truth) if self.negate else truth

    def truth(self, state: tuple[list, list, int, int, Truth], finding: str, value: Any, changed: Mapping[str, Truth],
              context: Callable[[], tuple[Mapping[str, Any], dict]]) -> Truth:
        """The truth with `finding` answered `value` and the elements in `changed` at their new truths,
        the case otherwise as in `state`."""
        signatures, truths, yes, maybe, truth = state
        touched = self.reading.get(finding, ())
        if changed:
            referring = self.referring
            also = [referring[name] for name in changed if name in referring]
            if also:
                touched = set(touched).union(*also)
        if not touched:
            return truth
        parts = self.parts
        for index in touched:
            part = parts[index]
            signature = signatures[index]
            layout = part.layout.get(finding)
            if layout is not None:
                bits = part.fields[finding].get(value)
                signature = (signature & ~layout[2]) | (part.field(finding, value) if bits is None else bits)
            if changed:
                for name, shift in part.ref_items:
                    if name in changed:
                        signature = (signature & ~(3 << shift)) | _DIGIT[changed[name]] << shift
            try:  # the look-up `Part.truth` makes, without the call: this runs for every answer tried
                new = part.truths[signature]
            except KeyError:
                new = part.truth(signature, context)
            old = truths[index]
            if new is not old:
                yes += (new is True) - (old is True)
                maybe += (new is None) - (old is None)
        return self._decide(yes, maybe)

    def outlook(self, state: tuple[list, list, int, int, Truth], finding: str, elements: tuple[str, ...]) -> tuple:
        """All that the junction's truth under an answer to `finding` (unknown in the case) depends on,
        when at most the elements in `elements` change with it (the same elements on every call for
        a finding: the parts they touch are kept): the signatures of the parts the answer may
        change, and how many of the others hold or may hold (counted up to `need`, all that can
        matter)."""
        touched = self.touched.get(finding)
        if touched is None:
            found = set(self.reading.get(finding, ()))
            for name in elements:
                found.update(self.referring.get(name, ()))
            touched = self.touched[finding] = tuple(sorted(found))
        signatures, truths, yes, maybe, _ = state
        for index in touched:
            truth = truths[index]
            if truth is True:
                yes -= 1
            elif truth is None:
                maybe -= 1
        need = self.need
        maybe += yes
        return (yes if yes < need else need, maybe if maybe < need else need, *[signatures[index] for index in touched])
