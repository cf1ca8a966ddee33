"""The engine's invariants: durable_rules agrees with the plain oracle, and the weighing behaves."""

from __future__ import annotations

import json
import math

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from mmn_ddx.assessment import to_json
from bundled import load_case
from mmn_ddx.vocabulary import with_derived
from strategies import FIXTURE_CASES, LIBRARY, case_and_new_finding, cases
from test_rule_fixtures import canonical_findings

FAST = settings()  # examples per the profile loaded in conftest.py (default or long)


def fired(engine: str, case: dict) -> list:
    return LIBRARY.assessor(engine).engine.run(case)


def test_oracle_agrees_on_every_bundled_case_and_stage():
    for path in LIBRARY.cases().values():
        case = load_case(path)
        for stage in range(1, len(case.stages) + 1):
            findings_ = case.findings_through(stage)
            assert fired("durable", findings_) == fired("plain", findings_), (case.id, stage)


def test_oracle_agrees_on_every_rule_fixture():
    for case in FIXTURE_CASES:
        findings_ = canonical_findings(LIBRARY, case)
        assert fired("durable", findings_) == fired("plain", findings_), case.id


@FAST
@given(cases())
def test_oracle_agrees_on_generated_cases(case):
    assert fired("durable", case) == fired("plain", case)


@FAST
@given(cases())
def test_assessments_agree_between_engines(case):
    assert to_json(LIBRARY.assessor("durable").assess(case)) == to_json(LIBRARY.assessor("plain").assess(case))


@FAST
@given(cases())
def test_evidence_cites_only_known_findings(case):
    a = LIBRARY.assessor("plain").assess(case)
    assume(a.evidence or a.shared or a.consider)  # a case that fired nothing cites nothing
    known = set(with_derived(case))  # a numeric anti-GM1 titre with its cut-offs is a known anti_gm1_igm category
    for item in a.evidence + a.shared:
        assert set(item.findings) <= known
    for c in a.consider:
        assert set(c.because) <= known


@FAST
@given(case_and_new_finding())
def test_a_new_finding_moves_p_mmn_only_the_way_its_rules_point(example):
    """Learning one more finding moves P(MMN) toward MMN only when it fires a rule toward MMN or
    stops one toward ALS (and the other way round), and leaves it alone when it changes no rule
    that weighs."""
    case, finding, value = example
    engine = LIBRARY.assessor("plain")
    before = engine.assess(case)
    after = engine.assess({**case, finding: value})
    old, new = counted_or_folded(before), counted_or_folded(after)
    added = [new[rid] for rid in new.keys() - old.keys()]
    lost = [old[rid] for rid in old.keys() - new.keys()]
    toward_mmn = any(r.toward == "mmn" for r in added) or any(r.toward == "als" for r in lost)
    toward_als = any(r.toward == "als" for r in added) or any(r.toward == "mmn" for r in lost)
    assume(not (toward_mmn and toward_als))  # both ways at once: the balance is the weighing's, not a sign rule
    if toward_mmn:
        assert after.p_mmn >= before.p_mmn - 1e-12
    elif toward_als:
        assert after.p_mmn <= before.p_mmn + 1e-12
    else:
        assert math.isclose(after.p_mmn, before.p_mmn, rel_tol=0, abs_tol=1e-12)


def counted_or_folded(a) -> dict:
    """Every weighing rule that fired toward MMN or ALS, whether it counted or was folded into its family."""
    return {e.rule.id: e.rule for e in a.evidence} | {f.rule.id: f.rule for e in a.evidence for f in e.folded}


@FAST
@given(cases(), st.randoms(use_true_random=False))
def test_order_of_findings_changes_nothing(case, rnd):
    items = list(case.items())
    rnd.shuffle(items)
    assert to_json(LIBRARY.assessor("durable").assess(dict(items))) == to_json(LIBRARY.assessor("durable").assess(case))


@FAST
@given(cases())
def test_same_input_same_output(case):
    first = json.dumps(to_json(LIBRARY.assessor("durable").assess(case)), sort_keys=True)
    second = json.dumps(to_json(LIBRARY.assessor("durable").assess(case)), sort_keys=True)
    assert first == second


@FAST
@given(cases())
def test_probability_is_prior_times_counted_ratios(case):
    a = LIBRARY.assessor("plain").assess(case)
    log_odds = math.log(a.prior / (1 - a.prior)) + sum(e.log_odds for e in a.evidence)
    assert math.isclose(a.p_mmn, 1 / (1 + math.exp(-log_odds)), rel_tol=1e-9)
    data = to_json(a)
    assert math.isclose(data["probability"]["mmn"] + data["probability"]["als"], 1.0, abs_tol=1e-9)
    sides = [(e.rule.family, e.rule.toward) for e in a.evidence if e.rule.family]
    assert len(sides) == len(set(sides)), "a family counted more than once in one direction"
    for e in a.evidence:
        # no item counts more than its own rule, nor (in the joint's direction) more than its family's joint figure
        assert abs(e.log_odds) <= e.rule.weight + 1e-12
        joint = a_family_joint(e.rule.family)
        if joint is not None and (joint > 1) == (e.rule.toward == "mmn"):
            assert abs(e.log_odds) <= abs(math.log(joint)) + 1e-12


def a_family_joint(family):
    book = LIBRARY.assessor("plain").book
    return book.families[family].joint_ratio if family in book.families else None


def test_unknown_is_not_absent():
    """An untested block is no evidence; a block looked for and not found is."""
    engine = LIBRARY.assessor("plain")
    untested = engine.assess({"asymmetric_weakness": True})
    assert untested.p_mmn == engine.assess({}).p_mmn
    not_found = engine.assess({"asymmetric_weakness": True, "conduction_block": "none"})
    assert not_found.p_mmn < untested.p_mmn


def test_blank_finding_in_a_case_file_means_unknown(tmp_path):
    blank = tmp_path / "blank.yaml"
    blank.write_text("id: blank\nfindings:\n  babinski:\n  conduction_block: definite\n")
    omitted = tmp_path / "omitted.yaml"
    omitted.write_text("id: blank\nfindings:\n  conduction_block: definite\n")
    a = LIBRARY.assessor("plain").assess_case(load_case(blank))
    b = LIBRARY.assessor("plain").assess_case(load_case(omitted))
    assert to_json(a) == to_json(b)


@FAST
@given(cases())
def test_next_best_outcomes_equal_a_full_reassessment(case):
    """The what-if shortcut (re-evaluating only the rules that mention a finding) is exact."""
    engine = LIBRARY.assessor("plain")
    a = engine.assess(case)
    assume(a.next_best)  # a case that states every finding worth asking has nothing left to ask
    for item in a.next_best:
        assert item.finding not in case
        for value, p in item.outcomes:
            assert math.isclose(engine.assess({**case, item.finding: value}).p_mmn, p, rel_tol=1e-9, abs_tol=1e-12)


@FAST
@given(cases())
def test_criteria_what_ifs_agree_with_a_full_evaluation(case):
    """The panel's 'would raise it' answer really reaches that category when evaluated afresh."""
    a = LIBRARY.assessor("plain").assess(case)
    derived = with_derived(case)  # as the assessment reads it: a numeric anti-GM1 titre stands for its category
    for cs in LIBRARY.criteria:
        assert a.criteria[cs.id] == cs.evaluate_plain(derived)
        hint = a.criteria_detail[cs.id]["would_raise"]
        if hint:
            value = tuple(hint["value"]) if isinstance(hint["value"], list) else hint["value"]
            reached = cs.evaluate_plain({**derived, hint["finding"]: value})
            assert reached == hint["category"]
            assert cs.rank(reached) > cs.rank(a.criteria[cs.id])


@FAST
@given(cases())
def test_expected_change_is_bounded_by_the_largest_change(case):
    engine = LIBRARY.assessor("plain")
    a = engine.assess(case)
    fired = a.fired_rules()
    unknown = [finding for finding in engine.candidates() if finding not in case]
    assume(unknown)
    for finding in unknown:
        expected, outcomes = engine.informativeness(case, fired, finding, a.prior, a.p_mmn)
        # the worth is an expected change in log-odds: never more than the largest change an answer makes
        largest = max(abs(_logit(p) - _logit(a.p_mmn)) for _, p in outcomes)
        assert -1e-9 <= expected <= largest + 1e-9


def _logit(p):
    p = min(max(p, 1e-300), 1 - 1e-16)
    return math.log(p / (1 - p))


def test_a_common_decisive_test_outranks_a_rare_sign():
    """With only a slow, asymmetric hand weakness known, the conduction study tells more on
    average than pseudobulbar affect, a sign that would be decisive but is rarely present."""
    engine = LIBRARY.assessor("plain")
    case = {"asymmetric_weakness": True, "onset_site": "hand", "progression": "slow"}
    a = engine.assess(case)
    fired = {e.rule.id for e in a.evidence + a.shared}
    block, _ = engine.informativeness(case, fired, "conduction_block", a.prior, a.p_mmn)
    affect, _ = engine.informativeness(case, fired, "pseudobulbar_affect", a.prior, a.p_mmn)
    assert block > affect
