"""Every bundled case at every stage, as a learner meets it: never more certain than the evidence.

These are the promises of the weighing (README, "How the weighing works"): the bedside alone never
names MMN; once a test is known no case leans the wrong way; a mimic with strong red flags leads
the headline; and the next test offered is the one a neuromuscular teacher would order.
"""

from __future__ import annotations

import functools

import pytest

from mmn_ddx.assessment import to_json
from mmn_ddx.next_best import TRIAL_NEEDS_FIRST
from bundled import assessor, library, load_case

CASES = {case_id: load_case(path) for case_id, path in library().items()}
BEDSIDE = {"history", "examination"}


def _stages():
    for case_id in sorted(CASES):
        case = CASES[case_id]
        for index, stage in enumerate(case.stages):
            yield pytest.param(case_id, index, id=f"{case_id}@{stage.name}")


STAGES = list(_stages())


@functools.lru_cache(maxsize=None)  # the stage tests read one assessment each; compute it once
def _assess(case_id: str, index: int):
    case = CASES[case_id]
    a = assessor("durable").assess_case(case, case.stages[index].name)
    vocab = assessor("durable").book.vocabulary
    bedside_only = all(vocab[f].stage in BEDSIDE for f in a.findings)
    return case, a, bedside_only


@pytest.mark.parametrize("case_id, index", STAGES)
def test_no_stage_is_more_certain_than_its_evidence(case_id, index):
    case, a, bedside_only = _assess(case_id, index)
    if bedside_only:
        # EFNS/PNS 2010 needs nerve studies, antibodies or an IVIg response even for "possible MMN".
        assert a.p_mmn < 0.90, f"P(MMN) {a.p_mmn:.3f} from history and examination alone"
    elif case.diagnosis == "mmn":
        assert a.p_mmn > 0.10, f"an MMN case leans ALS (P(MMN) {a.p_mmn:.3f}) after tests"
    elif case.diagnosis == "als":
        assert a.p_mmn < 0.90, f"an ALS case leans MMN (P(MMN) {a.p_mmn:.3f}) after tests"


@pytest.mark.parametrize("case_id, index", STAGES)
def test_a_treatment_trial_waits_for_nerve_studies_and_antibodies(case_id, index):
    _, a, _ = _assess(case_id, index)
    if any(f not in a.findings for f in TRIAL_NEEDS_FIRST):
        assert not {"ivig_response", "steroid_response"} & {n.finding for n in a.next_best}


@pytest.mark.parametrize("case_id", sorted(c for c in CASES if CASES[c].diagnosis in ("mmn", "als")))
def test_the_nerve_study_is_offered_at_the_examination_stage(case_id):
    case = CASES[case_id]
    names = [s.name for s in case.stages]
    if "examination" not in names:
        pytest.skip("no examination stage")
    a = assessor("durable").assess_case(case, "examination")
    if "conduction_block" in a.findings:
        pytest.skip("the nerve studies are already known at the examination stage")
    assert "conduction_block" in [n.finding for n in a.next_best[:2]], [n.finding for n in a.next_best]


@pytest.mark.parametrize("case_id", sorted(c for c in CASES if CASES[c].diagnosis not in ("mmn", "als")))
def test_a_mimic_case_ends_with_its_own_diagnosis_first(case_id):
    case = CASES[case_id]
    a = assessor("durable").assess_case(case)
    data = to_json(a)
    assert data["consider"] and data["consider"][0]["condition"] == case.diagnosis, [c["condition"] for c in data["consider"]]
    label = assessor("durable").book.vocabulary.conditions[case.diagnosis]
    assert label in data["headline"], "the headline names the true mimic"
    if data["consider"][0]["leads"]:
        assert data["headline"].startswith(f"Consider {label} before weighing MMN against ALS")


def test_a_bedside_that_leans_the_wrong_way_is_named_as_a_teaching_point():
    """tongue-pushes-aside is an MMN with bulbar onset: at the bedside it honestly leans ALS, and
    the answer key and the end of the walk say why instead of leaving the learner misled."""
    from click.testing import CliRunner

    from mmn_ddx.cli import main

    key = CliRunner().invoke(main, ["export", "tongue-pushes-aside", "--answer-key"])
    assert key.exit_code == 0, key.output
    assert "At the bedside this case leans ALS, yet it is MMN" in key.output
    walk = CliRunner().invoke(main, ["walk", "tongue-pushes-aside", "--no-input"])
    assert walk.exit_code == 0, walk.output
    assert "leans ALS, yet it is MMN" in " ".join(walk.output.split())


def test_a_sensitive_anti_gm1_assay_makes_a_positive_weigh_less_and_a_negative_more():
    """Galban-Horcajo 2015: a GM1:GalC glycoarray is 81 % sensitive and 80 % specific, so its positive
    result weighs about 4, not the capped 20 of a validated ELISA; its negative weighs more than an ELISA's."""
    engine = assessor("plain")
    elisa = engine.assess({"anti_gm1_igm": "high_titre", "anti_gm1_assay": "elisa"}).p_mmn
    unknown = engine.assess({"anti_gm1_igm": "high_titre"}).p_mmn
    array = engine.assess({"anti_gm1_igm": "high_titre", "anti_gm1_assay": "glycoarray"}).p_mmn
    assert elisa == unknown > array > engine.assess({}).p_mmn
    negative_elisa = engine.assess({"anti_gm1_igm": "negative", "anti_gm1_assay": "elisa"}).p_mmn
    negative_array = engine.assess({"anti_gm1_igm": "negative", "anti_gm1_assay": "glycoarray"}).p_mmn
    assert negative_array < negative_elisa < engine.assess({}).p_mmn


def test_a_negative_smn1_test_lowers_the_adult_sma_flag():
    """Slow symmetric proximal weakness raises adult SMA, until a genetic test finds no SMN1 deletion."""
    picture = {"symmetric_proximal_weakness": True, "progression": "slow", "umn_regions": ()}
    engine = assessor("plain")
    assert "adult_spinal_muscular_atrophy" in {c.condition for c in engine.assess(picture).consider}
    tested = engine.assess({**picture, "smn1_deletion": False})
    assert "adult_spinal_muscular_atrophy" not in {c.condition for c in tested.consider}
