"""What-if questions on a criterion set: the missing findings that would raise its category or decide it.

`judge_all` (in criteria.py) reads each category from the engine's outcome; these questions
instead re-evaluate the conditions under hypothetical answers, with caches shared across cases
and bounded so that memory stays flat over any batch. That machinery is larger than the data
model and the loading together and changes for other reasons (speed), so it is its own module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Mapping

from mmn_ddx.compiled import Junction
from mmn_ddx.conditions import Truth, findings_of, unknown_tests

if TYPE_CHECKING:
    from mmn_ddx.criteria import CriterionSet


TABLES_KEPT = 5_000  # tables of answers a Probe remembers (about 1 KB each): memory stays flat over any batch
DECISIONS_KEPT = 10_000  # answers to "does a finding decide a category" a Probe remembers (about 0.5 KB each, ~5 MB a set)
REACHES_KEPT = 5_000  # reaches (the findings that could make a category true, or false) a Probe remembers (a few hundred bytes each)


class Probe:
    """A criterion set prepared for what-if questions, built once per set.

    Answering one more finding can change only the elements that mention it (directly or through
    an element they refer to) and the categories that mention it; every other element and
    category keeps the engine's outcome. Of those, one already met or failed stays so unless it
    tests the finding with `known:` or `unknown:`: every other leaf goes from unknown to a value
    when its finding is answered, and Kleene's all / any / not / at_least never undo a decided
    truth when an unknown becomes known. So a question re-evaluates only the open ones, each as a
    `Junction` that remembers its parts' truths across cases; the categories' truths under each
    class of answers are kept in tables shared by the cases alike in what those answers can change.
    """

    def __init__(self, cs: CriterionSet):
        self.cs = cs
        self.stale: dict[str, list[str]] = {}  # finding -> the elements mentioning it, in element order
        for e in cs.elements:  # an element refers only to earlier ones: this order evaluates them first
            for finding in findings_of(e.when):
                self.stale.setdefault(finding, []).append(cs.element_key(e))
        self.element_keys = [cs.element_key(e) for e in cs.elements]
        self.element_rows = [(e.id, e.part, e.title, key, tuple(findings_of(e.when)))
                             for e, key in zip(cs.elements, self.element_keys)]
        self.category_keys = [(c.value, cs.category_key(c)) for c in cs.categories]
        self.elements = {cs.element_key(e): Junction(e.when) for e in cs.elements}
        self.presence = {cs.element_key(e): unknown_tests(e.when) for e in cs.elements}
        self.mentioned = {cs.element_key(e): frozenset(findings_of(e.when)) for e in cs.elements}
        self.values = [c.value for c in cs.categories]
        self.categories = [Junction(c.when) for c in cs.categories]
        self.mentions = [frozenset(findings_of(c.when)) for c in cs.categories]
        self.category_presence = [unknown_tests(c.when) for c in cs.categories]
        # finding -> (index, junction, whether it tests the finding's presence) of each category mentioning it
        self.changing: dict[str, tuple] = {}
        for index, (junction, mentions, presence) in enumerate(zip(self.categories, self.mentions, self.category_presence)):
            for finding in mentions:
                self.changing[finding] = self.changing.get(finding, ()) + ((index, junction, finding in presence),)
        self.changing_index = {finding: {entry[0]: entry for entry in entries} for finding, entries in self.changing.items()}
        self.decisions: dict[tuple, Truth] = {}  # a finding, a category and what it depends on -> Hypothesis.decides
        self.reached: dict[tuple, str] = {}  # the categories' truths -> the set's category
        # bounded by the rule book: one entry per combination of the categories' truths (or of undecided ones)
        self.plans: dict[tuple, tuple] = {}  # the categories' truths -> raising_plan
        self.deciding: dict[tuple, tuple] = {}  # undecided categories -> deciding_plan
        self.tables: dict[tuple, dict] = {}  # what an answer depends on -> Hypothesis._table
        self.reaches: dict[tuple, tuple] = {}  # a category's parts' truths and open references -> Hypothesis._reach_of
        self.category_refs = [sorted({name for part in junction.parts for name in part.ref_shift})
                              for junction in self.categories]
        self.read_directly = {finding for junction in self.categories for finding in junction.reading}
        # Answers that set every leaf testing the finding alike give the same truths everywhere:
        # a question is answered once for each such class of values.
        parts = [part for junction in [*self.elements.values(), *self.categories] for part in junction.parts]
        self.value_class = {finding: {value: tuple(part.field(finding, value) for part in parts if finding in part.layout)
                                      for value in values}
                            for finding, values in cs.candidates().items()}
        # the first answer of each class, in the candidates' order: the others give the same truths
        self.answers: dict[str, tuple] = {}
        for finding, values in cs.candidates().items():
            first: dict[tuple, Any] = {}
            for value in values:
                first.setdefault(self.value_class[finding][value], value)
            self.answers[finding] = tuple(first.values())

    def raising_plan(self, truths: tuple) -> tuple[int, int, list[int], tuple[str, ...]]:
        """For the categories' truths: the set's rank, the largest gain there is, the firmer
        categories, and in candidate order the findings worth asking whether an answer raises the
        set (computed once for each of the few combinations of truths). A firmer category already
        false can only turn true through a finding it tests with `known:` or `unknown:`; a finding
        no category could change with leaves the set where it is."""
        found = self.plans.get(truths)
        if found is None:
            rank = self.cs.rank
            now = rank(self.category(truths))
            higher = [index for index, value in enumerate(self.values) if rank(value) > now]
            highest = max((rank(self.values[index]) - now for index in higher), default=0)
            worth_asking: set[str] = set()
            for index in higher:
                worth_asking.update(self.category_presence[index] if truths[index] is False else self.mentions[index])
            asked = tuple(finding for finding in self.cs.candidates() if finding in worth_asking and any(
                finding in mentions and (truth is None or finding in presence)
                for mentions, truth, presence in zip(self.mentions, truths, self.category_presence)))
            found = self.plans[truths] = (now, highest, higher, asked)
        return found

    def deciding_plan(self, undecided: tuple[str, ...]) -> tuple[tuple[int, str], ...]:
        """The undecided categories' findings, each once, with the first category mentioning it
        (computed once for each combination of undecided categories)."""
        found = self.deciding.get(undecided)
        if found is None:
            pairs: dict[str, int] = {}
            for index, category in enumerate(self.cs.categories):
                if category.value in undecided:
                    for finding in findings_of(category.when):
                        pairs.setdefault(finding, index)
            found = self.deciding[undecided] = tuple((index, finding) for finding, index in pairs.items())
        return found

    def category(self, truths: tuple) -> str:
        """The set's category from its categories' truths (as `CriterionSet.result`)."""
        found = self.reached.get(truths)
        if found is None:
            found = self.reached[truths] = self.cs.result(dict(zip(self.values, truths)))[0]
        return found


class _Everything:
    """Contains every finding: what `Hypothesis.able` gives when no answer is needed."""

    __slots__ = ()

    def __contains__(self, finding: object) -> bool:
        return True


EVERYTHING = _Everything()
_UNASKED = object()  # a decision not yet worked out (None is an answer: no answer decides it)


class Hypothesis:
    """One case's criterion set with one finding answered hypothetically.

    `known` and `categories` are the engine's outcomes; `category_truths` gives the categories'
    truths under an answer, `lift` and `decides` what all the answers to a finding do to the set,
    and `could_be` says cheaply when no answer to a finding can make a category true (or false),
    so that its answers need not be asked.
    """

    def __init__(self, probe: Probe, findings: Mapping[str, Any], known: Mapping[str, bool | None],
                 categories: Mapping[str, bool | None]):
        self.probe = probe
        self.findings = findings
        self.known = known
        self.categories = tuple(categories.get(value) for value in probe.values)
        self._open_keys: dict[str, list] = {}
        self._open: dict[str, list] = {}
        self._states: dict[Any, tuple] = {}  # element key or category index -> its Junction's state
        self._tables: dict[str, dict] = {}  # finding -> class of values -> the categories' truths
        self._element_outlooks: dict[str, tuple] = {}  # finding -> _elements_outlook
        self._answers: dict[tuple, tuple] = {}  # (finding, value) -> _answered
        self._reach: dict[int, tuple] = {}  # category -> what `could_be` reads

    def open_keys(self, finding: str) -> list[str]:
        """The elements an answer to `finding` could change (see Probe)."""
        found = self._open_keys.get(finding)
        if found is None:
            known, presence = self.known, self.probe.presence
            found = self._open_keys[finding] = [key for key in self.probe.stale.get(finding, ())
                                                if known[key] is None or finding in presence[key]]
        return found

    def open_elements(self, finding: str) -> list[tuple[str, Junction, tuple]]:
        """The elements an answer to `finding` could change, with their junctions' states."""
        found = self._open.get(finding)
        if found is None:
            elements = self.probe.elements
            found = self._open[finding] = [(key, elements[key], self._state(key, elements[key]))
                                           for key in self.open_keys(finding)]
        return found

    def _state(self, name: Any, junction: Junction) -> tuple:
        found = self._states.get(name)
        if found is None:
            found = self._states[name] = junction.state(self.findings, self.known)
        return found

    def could_be(self, wanted: bool, index: int, finding: str) -> bool:
        """Whether some answer to `finding` could leave category `index` `wanted`: not when the parts
        of it that the answer cannot change already keep it from that (each changeable part taken
        the way that helps)."""
        return finding in self.able(wanted, index)

    def able(self, wanted: bool, index: int) -> "frozenset[str] | _Everything":
        """The findings for which `could_be(wanted, index, finding)` holds."""
        reach = self._reach.get(index)
        if reach is None:
            reach = self._reach[index] = self._reach_of(index)
        return reach[wanted]

    def _reach_of(self, index: int) -> tuple:
        """The findings some answer to which could make category `index` false, and those that
        could make it true (its junction, under its `not`s, the other way round): every finding
        when enough parts already hold (or too few can hold), else those that may change enough of
        the parts that do not hold (or that are not false), each taken the way that helps. They
        depend only on the parts' truths and on which elements the parts refer to are open, so
        cases alike in those share them (see `Probe.reaches`)."""
        probe, known = self.probe, self.known
        junction = probe.categories[index]
        _, truths, yes, maybe, _ = self._state(index, junction)
        key = (index, tuple(truths), tuple([known[name] is None for name in probe.category_refs[index]]))
        found = probe.reaches.get(key)
        if found is None:
            not_true: dict[str, int] = {}
            not_false: dict[str, int] = {}
            for part, truth in zip(junction.parts, truths):
                changers = set(part.layout)
                for name in part.ref_shift:  # an open element changes with any finding it mentions, a decided one only with those it tests for presence
                    changers.update(probe.mentioned[name] if known[name] is None else probe.presence[name])
                for finding in changers:
                    if truth is not True:
                        not_true[finding] = not_true.get(finding, 0) + 1
                    if truth is not False:
                        not_false[finding] = not_false.get(finding, 0) + 1
            need, may_hold = junction.need, yes + maybe
            can_hold = EVERYTHING if yes >= need else frozenset(f for f, n in not_true.items() if yes + n >= need)
            can_fail = EVERYTHING if may_hold < need else frozenset(f for f, n in not_false.items() if may_hold - n < need)
            if len(probe.reaches) >= REACHES_KEPT:
                probe.reaches.clear()
            found = probe.reaches[key] = (can_hold, can_fail) if junction.negate else (can_fail, can_hold)
        return found

    def _elements_outlook(self, finding: str) -> tuple:
        """All that the elements an answer to `finding` may change depend on (see `Junction.outlook`)."""
        found = self._element_outlooks.get(finding)
        if found is None:
            known, stale = self.known, self.probe.stale.get(finding, ())
            outlook: list = []
            for key, junction, state in self.open_elements(finding):
                outlook += (key, known[key], junction.outlook(state, finding, stale))
            found = self._element_outlooks[finding] = tuple(outlook)
        return found

    def _category_outlook(self, index: int, junction: Junction, finding: str, tests_presence: bool) -> Any:
        """All that category `index`'s truth under an answer to `finding` (which it mentions) depends
        on, beside the elements: its truth when no answer can change it, else its junction's outlook."""
        truth = self.categories[index]
        if tests_presence or truth is None:
            return junction.outlook(self._state(index, junction), finding, self.probe.stale.get(finding, ()))
        return truth

    def _table(self, finding: str) -> dict:
        """The categories' truths under each class of answers to `finding`, and what `lift` makes of
        them, shared by every case whose parts that such an answer may change are alike (see
        `Junction.outlook`)."""
        table = self._tables.get(finding)
        if table is None:
            probe = self.probe
            outlook = (finding, self.categories, self._elements_outlook(finding),
                       *[self._category_outlook(index, junction, finding, tests_presence)
                         for index, junction, tests_presence in probe.changing.get(finding, ())])
            tables = probe.tables
            table = tables.get(outlook)
            if table is None:
                if len(tables) >= TABLES_KEPT:
                    tables.clear()
                table = tables[outlook] = {}
            self._tables[finding] = table
        return table

    def lift(self, finding: str, now: int, highest: int) -> tuple | None:
        """(gain, value, category) of the first answer to `finding` that lifts the set's rank `now`
        the most (`highest` is the most there is), or None when no answer lifts it."""
        table = self._table(finding)
        summary = ("lift", now)  # kept in the table beside the classes' truths: a function of the same outlook
        if summary in table:
            return table[summary]
        probe, rank = self.probe, self.probe.cs.rank
        found = None
        for value in probe.answers[finding]:
            reached = probe.category(self.category_truths(finding, value))
            gain = rank(reached) - now
            if gain > 0 and (found is None or gain > found[0]):
                found = (gain, value, reached)
                if gain == highest:
                    break
        table[summary] = found
        return found

    def decides(self, finding: str, index: int) -> bool | None:
        """True when some answer to `finding` establishes category `index`, False when none does but
        some rules it out, None when no answer decides it.

        It depends on that one category and the elements alone, so it is shared more widely than
        the table of every category's truths: by the cases alike in those (`Probe.decisions`)."""
        probe = self.probe
        _, junction, tests_presence = probe.changing_index[finding][index]
        key = (finding, index, self._elements_outlook(finding), self._category_outlook(index, junction, finding, tests_presence))
        decisions = probe.decisions
        found = decisions.get(key, _UNASKED)
        if found is not _UNASKED:
            return found
        outcomes = set()
        for value in probe.answers.get(finding, ()):
            outcomes.add(self.category_truth(finding, value, index))
            if True in outcomes:  # establishing: no other answer changes where it is listed
                break
        found = True if True in outcomes else False if False in outcomes else None
        if len(decisions) >= DECISIONS_KEPT:
            decisions.clear()
        decisions[key] = found
        return found

    def _answered(self, finding: str, value: Any) -> tuple[dict[str, Truth], Callable]:
        """The elements whose truth `finding` answered `value` changes, with their new truths, and
        the context a signature not seen before stands for (see `Junction.truth`); worked out once
        a case for each answer, which several categories' questions share."""
        found = self._answers.get((finding, value))
        if found is not None:
            return found
        changed: dict[str, Truth] = {}
        findings, known = self.findings, self.known

        # the findings and element truths a signature not seen before stands for; it holds the case's
        # mappings, not `self`: kept in `self._answers`, that would be a reference cycle
        def context():
            return {**findings, finding: value}, {**known, **changed}

        for key, junction, state in self.open_elements(finding):
            truth = junction.truth(state, finding, value, changed, context)
            if truth is not known[key]:
                changed[key] = truth
        found = self._answers[finding, value] = (changed, context)
        return found

    def category_truth(self, finding: str, value: Any, index: int) -> Truth:
        """Category `index`'s truth with `finding` answered `value` (as `category_truths` gives it,
        re-evaluating that category alone when the table is not at hand)."""
        table = self._tables.get(finding)
        if table is not None:
            return self.category_truths(finding, value)[index]
        probe = self.probe
        _, junction, tests_presence = probe.changing_index[finding][index]
        truth = self.categories[index]
        if not (tests_presence or truth is None):
            return truth
        changed, context = self._answered(finding, value)
        if not changed and finding not in probe.read_directly:
            return truth
        return junction.truth(self._state(index, junction), finding, value, changed, context)

    def category_truths(self, finding: str, value: Any) -> tuple:
        """Every category's truth with `finding` answered `value`."""
        probe = self.probe
        table = self._table(finding)
        answer = probe.value_class[finding][value]
        found = table.get(answer)
        if found is not None:
            return found
        changed, context = self._answered(finding, value)
        if not changed and finding not in probe.read_directly:
            found = table[answer] = self.categories
            return found
        truths = list(self.categories)
        for index, junction, tests_presence in probe.changing.get(finding, ()):
            if tests_presence or truths[index] is None:
                truths[index] = junction.truth(self._state(index, junction), finding, value, changed, context)
        found = table[answer] = tuple(truths)
        return found


def deciding_findings(hypothesis: Hypothesis, undecided: list[str]) -> list[str]:
    """The unknown findings that, answered alone, would decide an undecided category.

    Findings whose answer could establish a category come first; those that could only rule
    categories out (an investigation showing another disease, say) follow. When no single answer
    decides one (several findings are needed together), every unknown finding the undecided
    categories mention is listed.
    """
    mentioned: list[str] = []
    establishing: list[str] = []
    ruling_out: list[str] = []
    findings = hypothesis.findings
    for index, finding in hypothesis.probe.deciding_plan(tuple(undecided)):
        if finding in findings:
            continue
        mentioned.append(finding)
        if finding not in hypothesis.able(True, index) and finding not in hypothesis.able(False, index):
            continue  # no answer decides it: the finding is only mentioned
        decides = hypothesis.decides(finding, index)
        if decides is True:
            establishing.append(finding)
        elif decides is False:
            ruling_out.append(finding)
    return establishing + ruling_out or mentioned


def would_raise(hypothesis: Hypothesis) -> tuple[dict | None, list[str]]:
    """The one still-unknown finding whose answer would lift the set's category highest, and every
    unknown finding that some answer would lift it with (asked of the findings
    `Probe.raising_plan` leaves)."""
    best = None
    raising: list[str] = []
    now, highest, higher, asked = hypothesis.probe.raising_plan(hypothesis.categories)
    raisers = None  # the firmer categories' reach, worked out when some finding is left to ask
    findings = hypothesis.findings
    for finding in asked:
        if finding in findings:
            continue
        if raisers is None:
            raisers = [hypothesis.able(True, index) for index in higher]
        if not any(finding in able for able in raisers):
            continue  # only a firmer category that holds raises the set, and none can
        lift = hypothesis.lift(finding, now, highest)
        if lift is not None:
            raising.append(finding)
            if best is None or lift[0] > best[0]:  # the first answer to reach the largest gain is kept
                best = (lift[0], finding, lift[1], lift[2])
    if best is None:
        return None, raising
    _, finding, value, reached = best
    return {"finding": finding, "value": list(value) if isinstance(value, tuple) else value, "category": reached}, raising
