"""The criteria panel's what-if answers: the fast path (junction parts remembered by signature,
answers shared between cases, a bound that skips findings) against a plain re-evaluation."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mmn_ddx import compiled, criteria_whatifs
from mmn_ddx.assessment import to_json
from mmn_ddx.conditions import evaluate, findings_of, unknown_tests
from mmn_ddx.library import load_library
from mmn_ddx.vocabulary import with_derived
from strategies import LIBRARY, cases, full_findings

FAST = settings()  # examples per the profile loaded in conftest.py
ANY_CASE = st.one_of(cases(), full_findings())


def _reference_would_raise(cs, findings, current, categories):
    """`would_raise` as its docstring states it: every answer evaluated afresh; the finding and
    value kept are the first, in the order tried, that reach the largest gain."""
    now = cs.rank(current)
    worth_asking = set()
    for c in cs.categories:
        if cs.rank(c.value) > now:
            worth_asking.update(unknown_tests(c.when) if categories[c.value] is False else findings_of(c.when))
    lifts = [(cs.rank(reached) - now, finding, value, reached)
             for finding, values in cs.candidates().items() if finding not in findings and finding in worth_asking
             for value in values
             for reached in [cs.evaluate_plain({**findings, finding: value})]
             if cs.rank(reached) > now]
    raising = list(dict.fromkeys(finding for _, finding, _, _ in lifts))
    if not lifts:
        return None, raising
    top = max(gain for gain, _, _, _ in lifts)
    _, finding, value, reached = next(lift for lift in lifts if lift[0] == top)
    return {"finding": finding, "value": list(value) if isinstance(value, tuple) else value, "category": reached}, raising


def _reference_deciding(cs, findings, undecided):
    """`deciding_findings` as its docstring states it, each finding asked of the first undecided
    category that mentions it, with every answer evaluated afresh."""
    asked_of = {}
    for c in cs.categories:
        if c.value in undecided:
            for finding in findings_of(c.when):
                if finding not in findings:
                    asked_of.setdefault(finding, c)
    outcomes = {finding: {evaluate(c.when, {**findings, finding: value}) for value in cs.candidates().get(finding, ())}
                for finding, c in asked_of.items()}
    establishing = [f for f in asked_of if True in outcomes[f]]
    ruling_out = [f for f in asked_of if True not in outcomes[f] and False in outcomes[f]]
    return establishing + ruling_out or list(asked_of)


@FAST
@given(ANY_CASE)
def test_what_ifs_equal_a_plain_re_evaluation_of_every_answer(case):
    """'Would raise it' and the findings listed as missing are what evaluating each answer afresh
    gives, sparse and dense cases alike (the tables of answers are shared across the examples)."""
    a = LIBRARY.assessor("plain").assess(case)
    derived = with_derived(case)
    for cs in LIBRARY.criteria:
        detail = a.criteria_detail[cs.id]
        categories = {c.value: evaluate(c.when, derived) for c in cs.categories}
        raise_with, raising = _reference_would_raise(cs, derived, detail["category"], categories)
        assert detail["would_raise"] == raise_with, cs.id
        if detail["could_rise_to"]:
            missing = raising or _reference_deciding(cs, derived, detail["could_rise_to"])
        else:
            missing = _reference_deciding(cs, derived, detail["undecided_categories"])
        assert detail["missing_findings"] == missing, cs.id


def _plain_truths(cs, findings):
    memo: dict = {}
    known = {cs.element_key(e): evaluate(e.when, findings, memo) for e in cs.elements}
    return known, {c.value: evaluate(c.when, findings, memo) for c in cs.categories}


@FAST
@given(ANY_CASE, st.data())
def test_an_answers_category_truths_and_bounds_hold_for_every_category(case, data):
    """Every category's truth under one more answer is the fresh evaluation's (all categories at
    once and each alone), and a category the bound says cannot become true (or false) with that
    finding never does under any answer."""
    for cs in LIBRARY.criteria:
        known, categories = _plain_truths(cs, case)
        hypothesis = criteria_whatifs.Hypothesis(cs.probe(), case, known, categories)
        unknown = [f for f in cs.candidates() if f not in case]
        if not unknown:
            continue
        finding = data.draw(st.sampled_from(unknown))
        seen: list[set] = [set() for _ in cs.categories]
        for value in cs.candidates()[finding]:
            _, fresh = _plain_truths(cs, {**case, finding: value})
            truths = hypothesis.category_truths(finding, value)
            assert truths == tuple(fresh[c.value] for c in cs.categories), (cs.id, finding, value)
            alone = criteria_whatifs.Hypothesis(cs.probe(), case, known, categories)  # no table at hand: each category alone
            for index in cs.probe().changing_index.get(finding, {}):
                assert alone.category_truth(finding, value, index) is fresh[cs.categories[index].value], (cs.id, finding, value)
            for index, truth in enumerate(truths):
                seen[index].add(truth)
        for index in range(len(cs.categories)):
            for wanted in (True, False):
                if not hypothesis.could_be(wanted, index, finding):
                    assert wanted not in seen[index], (cs.id, cs.categories[index].value, finding, wanted)


@FAST
@given(ANY_CASE, st.sampled_from(LIBRARY.criteria), st.data())
def test_junction_signatures_give_the_closures_truths(case, cs, data):
    """A junction's truth from its parts' remembered signatures, with one finding answered and the
    elements it changes at their new truths, is what the condition evaluates to afresh, for every
    element and category of the set, open or decided."""
    finding = data.draw(st.sampled_from(list(cs.candidates())))
    value = data.draw(st.sampled_from(cs.candidates()[finding]))
    case = {f: v for f, v in case.items() if f != finding}
    answered = {**case, finding: value}
    known, _ = _plain_truths(cs, case)
    now, _ = _plain_truths(cs, answered)
    changed = {key: truth for key, truth in now.items() if truth is not known[key]}

    def context():
        return answered, dict(now)

    probe = cs.probe()
    for e in cs.elements:
        junction = probe.elements[cs.element_key(e)]
        state = junction.state(case, known)
        assert state[4] is known[cs.element_key(e)], e.id
        assert junction.truth(state, finding, value, changed, context) is now[cs.element_key(e)], e.id
    for c, junction in zip(cs.categories, probe.categories):
        state = junction.state(case, known)
        assert state[4] is evaluate(c.when, case, dict(known)), c.value
        assert junction.truth(state, finding, value, changed, context) is evaluate(c.when, answered, dict(now)), c.value


def test_what_if_memory_stays_bounded_and_answers_stay_the_same(monkeypatch):
    """With every cache limited to a few entries (cleared when full), a batch gives the same
    assessments and no cache grows past its limit."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from generate import Generator

    batch = [Generator(seed=7).case() for _ in range(40)]
    expected = [to_json(LIBRARY.assessor("plain").assess(c)) for c in batch]
    monkeypatch.setattr(compiled, "TRUTHS_KEPT", 3)
    monkeypatch.setattr(compiled, "FIELDS_KEPT", 3)
    monkeypatch.setattr(criteria_whatifs, "TABLES_KEPT", 3)
    monkeypatch.setattr(criteria_whatifs, "REACHES_KEPT", 3)
    monkeypatch.setattr(criteria_whatifs, "DECISIONS_KEPT", 3)
    small = load_library()  # probes of its own, built under the small limits
    assert [to_json(small.assessor("plain").assess(c)) for c in batch] == expected
    for cs in small.criteria:
        probe = cs.probe()
        assert len(probe.tables) <= 3
        assert len(probe.reaches) <= 3
        assert len(probe.decisions) <= 3
        for junction in [*probe.elements.values(), *probe.categories]:
            for part in junction.parts:
                assert len(part.truths) <= 3
                assert all(len(fields) <= 3 for fields in part.fields.values())
