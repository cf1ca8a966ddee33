"""Next best's shortcuts change nothing a learner sees: the findings it skips without weighing
could not have been offered, and what it remembers between cases stays bounded."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings

from mmn_ddx import assessment, next_best
from mmn_ddx.assessment import to_json
from strategies import LIBRARY, cases

FAST = settings()  # examples per the profile loaded in conftest.py (default or long)


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _next_best(assessor, case) -> list:
    return [(n.finding, n.why, n.swing, n.outcomes) for n in assessor.assess(case).next_best]


@FAST
@given(cases())
def test_no_answer_moves_the_log_odds_beyond_the_reach_of_its_families(case):
    """Next best skips a finding whose reach is below MIN_WORTH before weighing its answers."""
    assessor = LIBRARY.assessor("plain")
    a = assessor.assess(case)
    assume(0.001 < a.p_mmn < 0.999)  # where P(MMN) still carries its log-odds to well under 1e-6
    fired = a.fired_rules()
    for finding in assessor.candidates():
        if finding in a.findings:
            continue
        _, outcomes = assessor.informativeness(a.findings, fired, finding, a.prior, a.p_mmn)
        reach = assessor.next_best.question(finding).reach
        for value, p in outcomes:
            if 1e-9 < p < 1 - 1e-9:
                assert abs(_logit(p) - _logit(a.p_mmn)) <= reach + 1e-6, (finding, value)


@FAST
@given(cases())
def test_the_shortcuts_offer_what_weighing_every_finding_offers(case):
    """With the bounds turned off (an infinite rounding margin never lets a finding be skipped)
    next best offers the same findings, in the same order, with the same words and figures."""
    shortcut = _next_best(LIBRARY.assessor("plain"), case)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(next_best, "ROUNDING", math.inf)
        every = _next_best(assessment.Assessor(LIBRARY.rulebook, "plain"), case)
    assert shortcut == every


def test_what_next_best_remembers_between_cases_stays_bounded(monkeypatch):
    """Each finding remembers what its answers fire for at most KEPT_READINGS combinations of the
    other findings its rules read; forgetting changes no answer."""
    remembering = assessment.Assessor(LIBRARY.rulebook, "plain")
    monkeypatch.setattr(next_best, "KEPT_READINGS", 2)
    forgetting = assessment.Assessor(LIBRARY.rulebook, "plain")
    umn_signs = ("babinski", "hoffmann", "spasticity", "brisk_jaw_jerk")
    for i in range(12):  # the upper motor neuron signs read one another: twelve readings of them
        case = {sign: bool(i >> k & 1) for k, sign in enumerate(umn_signs) if i % (k + 2)}
        case["onset_site"] = "hand"
        assert to_json(forgetting.assess(case)) == to_json(remembering.assess(case))
    questions = forgetting.next_best._questions.values()
    assert any(q._by_reading for q in questions)
    assert all(len(q._by_reading) <= 2 for q in questions)


def test_regions_given_as_a_list_weigh_as_a_tuple():
    """A caller of the library may pass a list where a case file gives a tuple; a list cannot be
    remembered by value, and is weighed afresh instead."""
    assessor = LIBRARY.assessor("plain")
    as_tuple = {"babinski": True, "umn_regions": ("cervical", "bulbar")}
    as_list = {"babinski": True, "umn_regions": ["cervical", "bulbar"]}
    a = assessor.assess(as_tuple)
    fired = a.fired_rules()
    for finding in ("hoffmann", "spasticity", "pseudobulbar_affect"):  # their rules read the regions
        expected = assessor.informativeness(as_tuple, fired, finding, a.prior, a.p_mmn)
        assert assessor.informativeness(as_list, fired, finding, a.prior, a.p_mmn) == expected


def test_a_whole_assessment_reads_a_region_list_given_as_a_list_as_the_tuple_a_case_file_gives():
    as_tuple = {"babinski": True, "umn_regions": ("cervical", "bulbar"), "lmn_regions": ("cervical",)}
    as_list = {"babinski": True, "umn_regions": ["cervical", "bulbar"], "lmn_regions": ["cervical"]}
    for engine in ("plain", "durable"):
        assessor = LIBRARY.assessor(engine)
        assert to_json(assessor.assess(as_list)) == to_json(assessor.assess(as_tuple))
